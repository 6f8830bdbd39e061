// The read API's answers with events, as JSON produced batch after batch.
// Stored batches are JSON arrays already checked at ingest: their contents
// are copied between the brackets as they are, never parsed again.
import type {SessionSummary} from './sessionSummary';

const OPEN = 0x5b; // [
const CLOSE = 0x5d; // ]

/** `[e1,e2,…]` from the page's batches in order. */
export async function* eventsArrayJson(batches: AsyncIterable<Buffer>): AsyncIterable<string | Buffer> {
  yield '[';
  let first = true;
  for await (const batch of batches) {
    const inner = batch.subarray(batch.indexOf(OPEN) + 1, batch.lastIndexOf(CLOSE));
    if (!inner.toString('latin1').trim()) continue;
    if (!first) yield ',';
    first = false;
    yield inner;
  }
  yield ']';
}

/** `{...page fields, "events": [...]}` */
export async function* pageWithEventsJson(page: object, batches: AsyncIterable<Buffer>): AsyncIterable<string | Buffer> {
  yield `${JSON.stringify(page).slice(0, -1)},"events":`;
  yield* eventsArrayJson(batches);
  yield '}';
}

/** The session as summarized, each page with its events. */
export async function* sessionWithEventsJson(summary: SessionSummary, batchesOfPages: Array<AsyncIterable<Buffer>>): AsyncIterable<string | Buffer> {
  const {pages, ...rest} = summary;
  yield `${JSON.stringify(rest).slice(0, -1)},"pages":[`;
  for (const [i, page] of pages.entries()) {
    if (i) yield ',';
    yield* pageWithEventsJson(page, batchesOfPages[i]);
  }
  yield ']}';
}
