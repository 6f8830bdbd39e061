// Writes an answer that is produced while it is sent (a page's events, batch
// after batch), at the pace the client reads it: memory stays bounded by a
// batch whatever the length of the answer.
import type {ServerResponse} from 'node:http';

export async function writeStream(res: ServerResponse, chunks: AsyncIterable<string | Buffer>, logError: (error: unknown) => void): Promise<void> {
  try {
    for await (const chunk of chunks) {
      if (res.destroyed) return;
      if (!res.write(chunk)) await drainedOrClosed(res);
    }
    res.end();
  } catch (error) {
    // The status line is gone already: cutting the answer short is the only
    // way left to tell the client it is incomplete.
    logError(error);
    res.destroy();
  }
}

// Both listeners go once either fires: a 'close' listener left behind at each
// full buffer piled up on a long answer read slowly (Node's
// MaxListenersExceededWarning after ten).
function drainedOrClosed(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
