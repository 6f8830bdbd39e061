// What both channels' frame checks start with: a JSON object or nothing,
// and strings of a bounded length.

/** The frame's object; null when it is not JSON or not an object. */
export function readFrameObject(data: string): Record<string, unknown> | null {
  try {
    const frame = JSON.parse(data);
    return frame && typeof frame === 'object' ? frame : null;
  } catch {
    return null;
  }
}

export const isText = (value: unknown, max: number): value is string => typeof value === 'string' && value.length <= max;
