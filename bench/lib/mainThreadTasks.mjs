// Reads a Chrome trace (devtools.timeline categories): the tasks that ran on
// the renderer main thread between two performance marks of the page. A
// Long Tasks observer only sees tasks over 50 ms; the trace sees them all, so
// a 30 ms task is reported as 30 ms, not as "none".
const WRAPPERS = new Set(['RunTask', 'ThreadControllerImpl::RunTask', 'SimpleWatcher::OnHandleReady', 'Receive mojo message']);

function describe(event) {
  const data = event.args?.data ?? {};
  const where = data.url ? `${data.url.split('/').pop()}:${data.lineNumber ?? '?'}:${data.columnNumber ?? '?'}` : '';
  const what = [data.functionName, where || data.type].filter(Boolean).join(' ');
  return what ? `${event.name}(${what})` : event.name;
}

export function mainThreadTasks(trace, fromMark, toMark) {
  const events = Array.isArray(trace) ? trace : trace.traceEvents;
  const mark = (name) => events.find((event) => event.name === name && String(event.cat).includes('blink.user_timing'));
  const from = mark(fromMark);
  const to = mark(toMark);
  if (!from || !to) throw new Error(`the trace has no ${from ? toMark : fromMark} mark`);
  const onThread = events.filter((event) => event.pid === from.pid && event.tid === from.tid && event.ph === 'X');
  const tasks = onThread
    .filter((event) => event.name === 'RunTask' && event.ts + event.dur >= from.ts && event.ts <= to.ts)
    .map((event) => ({
      start: event.ts / 1000,
      duration: event.dur / 1000,
      cpu: event.tdur === undefined ? null : event.tdur / 1000,
      containsFrom: event.ts <= from.ts && from.ts <= event.ts + event.dur,
      event,
    }));
  // What a task spent its time on: the longest events nested in it.
  const breakdown = (task, count = 4) =>
    onThread
      .filter((event) => !WRAPPERS.has(event.name) && !event.name.startsWith('V8.GC') && event.ts >= task.event.ts && event.ts + event.dur <= task.event.ts + task.event.dur && event.dur > 500)
      .sort((a, b) => b.dur - a.dur)
      .slice(0, count)
      .map((event) => `${describe(event)} ${(event.dur / 1000).toFixed(1)} ms`);
  return {from: from.ts / 1000, to: to.ts / 1000, tasks, breakdown};
}
