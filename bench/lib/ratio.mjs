// ours / baseline, or null when either side is missing (a figure that could not be measured).
export function ratio(ours, baseline) {
  if (!Number.isFinite(ours) || !Number.isFinite(baseline) || baseline === 0) return null;
  return ours / baseline;
}
