// Resolves after the page's load event and the paint that follows it (at once
// if that is past), or after `maxWaitMs` at the latest. rrweb's full snapshot
// is a long task on a big page (80 ms for 5,600 nodes); taken before first
// paint it delays FCP and LCP, so recording waits for this. rrweb's own
// `recordAfter: 'load'` does not help: it starts at once when the document is
// already `interactive`, which is when an async bundle usually arrives.
export function afterLoad(maxWaitMs: number): Promise<void> {
  return new Promise((resolve) => {
    let settled = false;
    const done = () => {
      if (settled) return;
      settled = true;
      clearTimeout(cap);
      removeEventListener('load', onLoad);
      resolve();
    };
    // Hidden tabs get no animation frames: a timer stands in.
    const afterPaint = () => {
      requestAnimationFrame(() => setTimeout(done, 0));
      setTimeout(done, 100);
    };
    const onLoad = () => afterPaint();
    const cap = setTimeout(done, maxWaitMs);
    if (document.readyState === 'complete') afterPaint();
    else addEventListener('load', onLoad);
  });
}
