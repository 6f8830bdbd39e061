// A storage backend that cannot store right now (a full disk, a database or
// object store out of reach) throws this. The collector answers 503 with
// Retry-After, never a 2xx for what was not stored, and the tracker retries.
export class StorageUnavailable extends Error {
  constructor(
    message: string,
    readonly retryAfterSeconds = 5,
    options?: {cause?: unknown},
  ) {
    super(message, options);
  }
}

// Errors of the file system that mean "not now" rather than "never".
const TRANSIENT_FS_CODES = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EIO', 'EMFILE', 'ENFILE']);

export function isStorageUnavailable(error: unknown): boolean {
  if (error instanceof StorageUnavailable) return true;
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' && TRANSIENT_FS_CODES.has(code);
}
