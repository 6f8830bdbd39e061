// Replays the tracker's canvas snapshots (bundle/canvas/captureCanvas.ts) as
// a replayer plugin. rrweb's own canvas replay needs UNSAFE_replayCanvas,
// which runs the replay iframe with scripts allowed on the viewer's origin: a
// recorded page could then reach the read API. Here the iframe stays
// script-free and the viewer draws each snapshot into the replayed canvas.
const INCREMENTAL_SNAPSHOT = 3;
const CANVAS_MUTATION = 9;

interface Replayer {
  getMirror(): {getNode(id: number): Node | null};
}

function decode(base64: string, type: string): Promise<ImageBitmap> {
  const bytes = Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
  return createImageBitmap(new Blob([bytes], {type}));
}

// The one shape the tracker sends: clearRect, then drawImage of an encoded image.
function imageOf(data: any): {base64: string; type: string} | null {
  const blob = data?.commands?.[1]?.args?.[0]?.args?.[0];
  const base64 = blob?.data?.[0]?.base64;
  return typeof base64 === 'string' && typeof blob.type === 'string' ? {base64, type: blob.type} : null;
}

export function canvasReplay() {
  // While seeking, rrweb replays into a virtual DOM and builds the real one at
  // the end: the latest snapshot of each canvas is drawn once that is done.
  const pending = new Map<number, {base64: string; type: string}>();
  const drawn = new Map<number, number>();
  let replayer: Replayer | null = null;
  let scheduled = false;

  function drawPending(): void {
    scheduled = false;
    for (const [id, image] of pending) {
      // The iframe's own HTMLCanvasElement, not ours: compared by name.
      const canvas = replayer?.getMirror().getNode(id) as HTMLCanvasElement | null;
      if ((canvas as Element | null)?.localName !== 'canvas') continue;
      const turn = (drawn.get(id) ?? 0) + 1;
      drawn.set(id, turn);
      void decode(image.base64, image.type)
        .then((bitmap) => {
          if (drawn.get(id) !== turn) return; // a later snapshot won
          const {width, height} = canvas!;
          const context = canvas!.getContext('2d');
          context?.clearRect(0, 0, width, height);
          context?.drawImage(bitmap, 0, 0, width, height);
        })
        .catch(() => {});
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
        setTimeout(drawPending, 0);
      }
    },
  };
}
