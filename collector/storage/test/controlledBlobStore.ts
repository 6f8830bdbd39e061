// A BlobStore for tests that wraps a real one and lets a test step in:
// hold the next upload until the test has done something meanwhile (an
// erasure, a retention sweep), or make deleting given keys fail.
import type {BlobStore} from '../s3/blobStore';

export interface HeldPut {
  /** Resolves once the upload is held, before its object is written. */
  arrived: Promise<void>;
  /** Lets it go on: the object is then written. */
  release(): void;
}

export interface ControlledBlobStore {
  blobs: BlobStore;
  holdNextPut(): HeldPut;
  /** While on, deleteKeys() fails as a store out of reach would (deletePrefix still works). */
  failDeletes(on: boolean): void;
}

export function controlBlobStore(inner: BlobStore): ControlledBlobStore {
  let held: {arrive(): void; gate: Promise<void>} | null = null;
  let deletesFail = false;
  return {
    blobs: {
      async put(key, body) {
        const hold = held;
        held = null;
        if (hold) {
          hold.arrive();
          await hold.gate;
        }
        await inner.put(key, body);
      },
      get: (key) => inner.get(key),
      getRange: (key, offset, length) => inner.getRange(key, offset, length),
      async deleteKeys(keys) {
        if (deletesFail) throw new Error('object store out of reach (failDeletes)');
        await inner.deleteKeys(keys);
      },
      deletePrefix: (prefix) => inner.deletePrefix(prefix),
      close: () => inner.close(),
    },
    holdNextPut() {
      let arrive!: () => void;
      let release!: () => void;
      const arrived = new Promise<void>((resolve) => (arrive = resolve));
      const gate = new Promise<void>((resolve) => (release = resolve));
      held = {arrive, gate};
      return {arrived, release};
    },
    failDeletes(on) {
      deletesFail = on;
    },
  };
}
