// The tracker's only channel to the site owner besides results: never throw.
export function warn(message: string, error?: unknown): void {
  try {
    console.warn(`tracker: ${message}`, ...(error === undefined ? [] : [error]));
  } catch {
    // console can be missing or replaced by the page.
  }
}
