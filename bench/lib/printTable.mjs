// The one table of `npm run bench`: a row per figure and metric, the baseline
// next to ours, their ratio, the goal and whether it is met.
const UNITS = {
  bytes: (v) => `${Math.round(v).toLocaleString('en-US')} B`,
  ms: (v) => `${v < 10 ? v.toFixed(2) : v.toFixed(1)} ms`,
  perSecond: (v) => `${Math.round(v).toLocaleString('en-US')}/s`,
  times: (v) => `${v.toFixed(1)}×`,
  MB: (v) => `${v.toFixed(0)} MB`,
  percent: (v) => `${v.toFixed(2)} %`,
};

export function formatValue(value, unit) {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  return (UNITS[unit] ?? String)(value);
}

function goalText(goal) {
  if (!goal) return '';
  if (goal.ratioMax !== undefined) return `ratio ≤ ${goal.ratioMax}`;
  if (goal.ratioMin !== undefined) return `ratio ≥ ${goal.ratioMin}`;
  if (goal.valueMax !== undefined) return `≤ ${goal.valueMax}`;
  if (goal.valueMin !== undefined) return `≥ ${goal.valueMin}${goal.p99MaxMs === undefined ? '' : `, p99 ≤ ${goal.p99MaxMs} ms`}`;
  return '';
}

/** true / false against the row's goal, null when the row has no goal or no value. */
export function goalMet(row) {
  const {goal} = row;
  if (!goal) return null;
  const check = (value, limit, atMost) => (value === null || value === undefined || !Number.isFinite(value) ? null : atMost ? value <= limit : value >= limit);
  if (goal.ratioMax !== undefined) return check(row.ratio, goal.ratioMax, true);
  if (goal.ratioMin !== undefined) return check(row.ratio, goal.ratioMin, false);
  if (goal.valueMax !== undefined) return check(row.value, goal.valueMax, true);
  if (goal.valueMin !== undefined) {
    const met = check(row.value, goal.valueMin, false);
    // A rate goal may come with a latency one (figure 7): both must hold.
    return goal.p99MaxMs === undefined || met === null ? met : met && check(row.p99Ms, goal.p99MaxMs, true) === true;
  }
  return null;
}

export function tableLines(rows) {
  const header = ['#', 'figure', 'metric', 'baseline', 'ours', 'ratio', 'goal', 'met', 'notes'];
  const body = rows.map((row) => [
    String(row.figure),
    row.figureTitle,
    row.metric,
    formatValue(row.baseline, row.unit),
    formatValue(row.value, row.unit),
    row.ratio === null || row.ratio === undefined ? '—' : row.ratio.toFixed(row.ratio >= 10 ? 1 : 3),
    goalText(row.goal),
    row.met === null || row.met === undefined ? '' : row.met ? 'yes' : 'NO',
    row.note ?? '',
  ]);
  const widths = header.map((title, i) => Math.max(title.length, ...body.map((cells) => cells[i].length)));
  const line = (cells) => `| ${cells.map((cell, i) => cell.padEnd(widths[i])).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)];
}
