// The tracker's only channel to the site owner besides results: never throw.
let warning = false;

/** True while the tracker itself is writing to the console (captureConsole skips it). */
export const inTrackerWarning = (): boolean => warning;

export function warn(message: string, error?: unknown): void {
  warning = true;
  try {
    console.warn(`tracker: ${message}`, ...(error === undefined ? [] : [error]));
  } catch {
    // console can be missing or replaced by the page.
  } finally {
    warning = false;
  }
}
