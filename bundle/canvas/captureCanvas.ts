// Canvas snapshots (SPEC section 7), the code of dist/tracker-canvas.js.
//
// Each canvas that is on screen (IntersectionObserver) and was drawn on since
// its last snapshot is encoded `fps` times a second at most, and sent as an
// rrweb canvas mutation in the shape rrweb's own FPS sampler emits
// ({source: CanvasMutation, commands: [clearRect, drawImage(ImageBitmap(Blob))]}),
// so any rrweb replayer can draw it. The pixels are copied at once into an
// OffscreenCanvas of our own and that copy is encoded (convertToBlob, which
// browsers run off the main thread; no worker, so no blob: URL for a CSP to
// allow). Encoding the page's canvas itself (canvas.toBlob) holds its bitmap
// until the encoder is done, and the page's next frame then has to copy its
// whole bitmap before drawing: in Chromium that cost the page 5-14 ms per
// snapshot of an 800 × 450 canvas (bench/NOTES.md, figure 10).
import type {RecordedEvent} from '../types';

export interface CanvasCaptureOptions {
  fps: number;
  quality: number;
  /** Canvases inside elements that match are never captured (blocked and masked subtrees). */
  skipSelector: string;
  nodeId(node: Node): number | null;
  emit(event: RecordedEvent): void;
}

export interface CanvasCapture {
  /** A full snapshot was taken: replay rebuilt every canvas empty, so each is sent again. */
  resend(): void;
  stop(): void;
}

export type StartCanvasCapture = (options: CanvasCaptureOptions) => CanvasCapture;

const INCREMENTAL_SNAPSHOT = 3;
const CANVAS_MUTATION = 9;
const CONTEXT_2D = 0;

// The calls that change pixels; path building (lineTo, arc) draws nothing until fill or stroke.
const DRAWING_CALLS: [{prototype: object} | undefined, string[]][] = [
  [globalThis.CanvasRenderingContext2D, ['fillRect', 'strokeRect', 'clearRect', 'fill', 'stroke', 'fillText', 'strokeText', 'drawImage', 'putImageData', 'reset']],
  [globalThis.WebGLRenderingContext, ['clear', 'drawArrays', 'drawElements']],
  [globalThis.WebGL2RenderingContext, ['clear', 'drawArrays', 'drawElements', 'drawArraysInstanced', 'drawElementsInstanced', 'drawRangeElements']],
];

function base64Of(blob: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).slice(String(reader.result).indexOf(',') + 1));
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(blob);
  });
}

/** Copies the canvas's pixels now and encodes the copy: WebP, or PNG where the browser has no WebP encoder (Safari), which the replayer decodes as well. */
function encode(canvas: HTMLCanvasElement, copies: WeakMap<HTMLCanvasElement, OffscreenCanvas>, quality: number): Promise<Blob | null> {
  const {width, height} = canvas;
  let copy = copies.get(canvas);
  if (!copy && typeof OffscreenCanvas === 'function') copies.set(canvas, (copy = new OffscreenCanvas(width, height)));
  const context = copy?.getContext('2d');
  if (!copy || !context) return new Promise((resolve) => canvas.toBlob(resolve, 'image/webp', quality));
  if (copy.width !== width || copy.height !== height) {
    copy.width = width;
    copy.height = height;
  }
  // Replaces the previous snapshot's pixels, transparent ones included (and is reset with the size).
  context.globalCompositeOperation = 'copy';
  context.drawImage(canvas, 0, 0);
  return copy.convertToBlob({type: 'image/webp', quality});
}

export function startCanvasCapture(options: CanvasCaptureOptions): CanvasCapture {
  // Drawn since the last snapshot. A canvas first seen counts as drawn: it may
  // have been painted before this file loaded.
  const dirty = new WeakSet<HTMLCanvasElement>();
  const seen = new WeakSet<HTMLCanvasElement>();
  const busy = new WeakSet<HTMLCanvasElement>();
  const onScreen = new Set<HTMLCanvasElement>();
  // One copy per canvas, reused: a canvas tainted by a cross-origin image taints its copy, and only its own.
  const copies = new WeakMap<HTMLCanvasElement, OffscreenCanvas>();
  const restore: (() => void)[] = [];

  for (const [context, names] of DRAWING_CALLS) {
    for (const name of names) {
      const proto = context?.prototype as Record<string, unknown> | undefined;
      const original = proto?.[name];
      if (typeof original !== 'function') continue;
      proto![name] = function (this: {canvas: unknown}, ...args: unknown[]) {
        if (this.canvas instanceof HTMLCanvasElement) dirty.add(this.canvas);
        return original.apply(this, args);
      };
      restore.push(() => (proto![name] = original));
    }
  }

  const visibility = new IntersectionObserver((entries) => {
    for (const entry of entries) {
      const canvas = entry.target as HTMLCanvasElement;
      if (entry.isIntersecting) onScreen.add(canvas);
      else {
        onScreen.delete(canvas);
        copies.delete(canvas);
      }
    }
  });

  async function snapshot(canvas: HTMLCanvasElement): Promise<void> {
    if (!dirty.has(canvas) || busy.has(canvas) || !canvas.isConnected || !canvas.width || !canvas.height) return;
    if (options.skipSelector && canvas.closest(options.skipSelector)) return;
    const id = options.nodeId(canvas);
    if (!id) return;
    dirty.delete(canvas);
    busy.add(canvas);
    const timestamp = Date.now();
    const {width, height} = canvas;
    try {
      const blob = await encode(canvas, copies, options.quality);
      if (!blob) return;
      const base64 = await base64Of(blob);
      options.emit({
        type: INCREMENTAL_SNAPSHOT,
        timestamp,
        data: {
          source: CANVAS_MUTATION,
          id,
          type: CONTEXT_2D,
          commands: [
            {property: 'clearRect', args: [0, 0, width, height]},
            {
              property: 'drawImage',
              args: [{rr_type: 'ImageBitmap', args: [{rr_type: 'Blob', data: [{rr_type: 'ArrayBuffer', base64}], type: blob.type}]}, 0, 0, width, height],
            },
          ],
        },
      });
    } catch {
      // A canvas tainted by a cross-origin image, or drawn from a worker
      // (transferControlToOffscreen), cannot be read: it stays empty in replay.
    } finally {
      busy.delete(canvas);
    }
  }

  function tick(): void {
    // New canvases are found here, at the snapshot rate, rather than by a MutationObserver of our own.
    for (const canvas of Array.from(document.getElementsByTagName('canvas'))) {
      if (seen.has(canvas)) continue;
      seen.add(canvas);
      dirty.add(canvas);
      visibility.observe(canvas);
    }
    onScreen.forEach((canvas) => void snapshot(canvas));
  }

  const timer = setInterval(tick, 1000 / Math.min(Math.max(options.fps, 0.1), 30));
  tick();

  return {
    resend() {
      // Off-screen ones too: they are sent when they come into view.
      for (const canvas of Array.from(document.getElementsByTagName('canvas'))) if (seen.has(canvas)) dirty.add(canvas);
    },
    stop() {
      clearInterval(timer);
      visibility.disconnect();
      restore.forEach((undo) => undo());
    },
  };
}
