// Writes an answer that is produced while it is sent (a page's events, batch
// after batch), at the pace the client reads it: memory stays bounded by a
// batch whatever the length of the answer.
import {once} from 'node:events';
import type {ServerResponse} from 'node:http';

export async function writeStream(res: ServerResponse, chunks: AsyncIterable<string | Buffer>, logError: (error: unknown) => void): Promise<void> {
  try {
    for await (const chunk of chunks) {
      if (res.destroyed) return;
      if (!res.write(chunk)) await Promise.race([once(res, 'drain'), once(res, 'close')]);
    }
    res.end();
  } catch (error) {
    // The status line is gone already: cutting the answer short is the only
    // way left to tell the client it is incomplete.
    logError(error);
    res.destroy();
  }
}
