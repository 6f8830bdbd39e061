// Where a backend keeps batch bodies: objects named by key. s3/createS3BlobStore.ts
// implements it for any S3-compatible store.
export interface BlobStore {
  /** Resolves once the object is durable in the store. */
  put(key: string, body: Buffer): Promise<void>;
  get(key: string): Promise<Buffer>;
  /** `length` bytes of the object from `offset` (fewer if the object is shorter). */
  getRange(key: string, offset: number, length: number): Promise<Buffer>;
  /** Removes these objects (absent ones are no error). */
  deleteKeys(keys: string[]): Promise<void>;
  /** Removes every object whose key starts with `prefix`. */
  deletePrefix(prefix: string): Promise<void>;
  close(): void;
}
