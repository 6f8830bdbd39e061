// captureCanvas (SPEC section 7) lives in its own file, dist/tracker-canvas.js,
// loaded with lib/loadPart.ts; what the bundle itself does for it is here.

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
