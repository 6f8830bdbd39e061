// gzip with the browser's own CompressionStream: native code, nothing added to
// the bundle. Browsers without it send plain JSON. Chromium deflates on the
// thread that feeds the stream, so the delivery worker (deliveryWorker.ts)
// runs this off the page's main thread where it can.
export const canCompress = typeof CompressionStream === 'function';

const ignore = () => {};

export function compressBatch(json: string): Promise<Uint8Array<ArrayBuffer>> {
  // Written straight into the stream: a Blob's bytes would first travel to the
  // browser's blob store and back, which cost the main thread about 40 % more.
  const gzip = new CompressionStream('gzip');
  const writer = gzip.writable.getWriter();
  // A failure surfaces on the readable side, below.
  writer.write(new TextEncoder().encode(json)).catch(ignore);
  writer.close().catch(ignore);
  return new Response(gzip.readable).arrayBuffer().then((buffer) => new Uint8Array(buffer));
}
