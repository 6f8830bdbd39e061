// Which of the filters' GIN indexes a statement that finds sessions through
// indexes asks for (sessionFilterSql.ts says why the planner is not left to
// choose): the filter the planner expects the fewest sessions for, whose
// estimates (of one filter alone: its statistics) are close to right even
// where its costs are not, and any other within FACTOR of it. Intersecting
// one more bitmap costs about a third of a microsecond per entry it holds,
// and saves a look at the row (one to two) for each session it rules out:
// worth it only for a bitmap at most a few times the smallest.
import {planRows, type Run} from './planner';
import {render, sqlParams, where, type GinFilter} from './sessionFilterSql';

const FACTOR = 4;

/** The GIN filters whose indexes to ask for, and how many sessions the planner expects the most selective of them to lead to. */
export async function chooseIndexes(run: Run, filters: GinFilter[]): Promise<{chosen: GinFilter[]; rows: number}> {
  const candidates = filters.filter((filter) => filter.index.length);
  if (!candidates.length) return {chosen: [], rows: Infinity};
  const expected: number[] = [];
  for (const filter of candidates) {
    const {param, values} = sqlParams();
    expected.push(await planRows(run, `SELECT 1 FROM sessions s ${where(render(filter.index, param))}`, values));
  }
  const fewest = Math.min(...expected);
  return {chosen: candidates.filter((_, i) => expected[i] <= FACTOR * Math.max(fewest, 1)), rows: fewest};
}
