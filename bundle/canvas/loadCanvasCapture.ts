// captureCanvas (SPEC section 7) lives in its own file, dist/tracker-canvas.js,
// so that sites without it pay nothing: loaded here, beside the bundle and with
// the bundle's own nonce and crossOrigin, so a strict CSP that allows the
// bundle allows it too. It hands its start function back through a DOM event
// on window: no global beyond window.tracker.
import type {StartCanvasCapture} from './captureCanvas';
import {warn} from '../lib/warn';

export const CANVAS_READY_EVENT = 'tracker:canvas';

// A WebGL canvas is cleared once painted unless its context keeps its drawing
// buffer, and a snapshot taken later would be blank. Asked at the creation of
// every WebGL context from the start() of a session that records (one sampled
// out is left as it is); a context made before keeps the page's choice, and
// the README says so. Once per page, however often start() is called.
let preserving = false;

export function preserveWebGLDrawingBuffers(): void {
  if (preserving) return;
  preserving = true;
  const proto = HTMLCanvasElement.prototype;
  const getContext = proto.getContext as (this: HTMLCanvasElement, type: string, attributes?: object) => unknown;
  proto.getContext = function (this: HTMLCanvasElement, type: string, attributes?: object) {
    return getContext.call(this, type, /webgl/.test(type) ? {...attributes, preserveDrawingBuffer: true} : attributes);
  } as never;
}

export function loadCanvasCapture(url: string, bundleScript: HTMLScriptElement | null): Promise<StartCanvasCapture | null> {
  return new Promise((resolve) => {
    addEventListener(CANVAS_READY_EVENT, (event) => resolve((event as CustomEvent).detail), {once: true});
    const script = document.createElement('script');
    script.src = url;
    if (bundleScript) {
      script.nonce = bundleScript.nonce;
      script.crossOrigin = bundleScript.crossOrigin;
    }
    script.onerror = () => {
      warn(`captureCanvas: ${url} could not be loaded; canvases are not recorded`);
      resolve(null);
    };
    document.head.append(script);
  });
}
