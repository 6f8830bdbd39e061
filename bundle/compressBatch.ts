// gzip with the browser's own CompressionStream: native code, off the main
// thread, nothing added to the bundle. Browsers without it send plain JSON.
export const canCompress = typeof CompressionStream === 'function';

export async function compressBatch(json: string): Promise<Uint8Array<ArrayBuffer>> {
  const gzipped = new Blob([json]).stream().pipeThrough(new CompressionStream('gzip'));
  return new Uint8Array(await new Response(gzipped).arrayBuffer());
}
