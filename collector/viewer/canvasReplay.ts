// Replays the tracker's canvas snapshots (bundle/canvas/captureCanvas.ts) as
// a replayer plugin. rrweb's own canvas replay needs UNSAFE_replayCanvas,
// which runs the replay iframe with scripts allowed on the viewer's origin: a
// recorded page could then reach the read API. In our script-free iframe a
// <canvas> renders as its fallback content (no pixels, no size), so each
// snapshot is shown as the element's CSS `content` image instead: the canvas
// becomes a replaced element of the snapshot's size, or of the page's CSS size.
const INCREMENTAL_SNAPSHOT = 3;
const CANVAS_MUTATION = 9;

interface Replayer {
  getMirror(): {getNode(id: number): Node | null};
}

// The one shape the tracker sends: clearRect, then drawImage of an encoded image.
function imageOf(data: any): Blob | null {
  const blob = data?.commands?.[1]?.args?.[0]?.args?.[0];
  const base64 = blob?.data?.[0]?.base64;
  if (typeof base64 !== 'string' || typeof blob.type !== 'string' || !/^image\/[a-z+.-]+$/.test(blob.type)) return null;
  try {
    return new Blob([Uint8Array.from(atob(base64), (char) => char.charCodeAt(0))], {type: blob.type});
  } catch {
    return null;
  }
}

export function canvasReplay() {
  // While seeking, rrweb replays into a virtual DOM and builds the real one at
  // the end: the latest snapshot of each canvas is shown once that is done.
  const pending = new Map<number, Blob>();
  const shown = new Map<number, string>();
  let replayer: Replayer | null = null;
  let scheduled = false;

  function showPending(): void {
    scheduled = false;
    for (const [id, image] of pending) {
      const canvas = replayer?.getMirror().getNode(id) as HTMLElement | null;
      // The iframe's own HTMLCanvasElement, not ours: compared by name.
      if (canvas?.localName !== 'canvas') continue;
      const url = URL.createObjectURL(image);
      canvas.style.setProperty('content', `url("${url}")`);
      const previous = shown.get(id);
      shown.set(id, url);
      // Once the new image is in place the old one is not needed.
      if (previous) setTimeout(() => URL.revokeObjectURL(previous), 1000);
    }
    pending.clear();
  }

  return {
    handler(event: {type: number; data: any}, _isSync: boolean, context: {replayer: Replayer}) {
      if (event.type !== INCREMENTAL_SNAPSHOT || event.data?.source !== CANVAS_MUTATION) return;
      const image = imageOf(event.data);
      if (!image) return;
      replayer = context.replayer;
      pending.set(event.data.id, image);
      if (!scheduled) {
        scheduled = true;
        setTimeout(showPending, 0);
      }
    },
  };
}
