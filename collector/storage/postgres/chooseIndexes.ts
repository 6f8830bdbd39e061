// Which indexes a statement that finds sessions through indexes may use
// (sessionFilterSql.ts says why the planner is not left to choose among
// all): the filter expected to lead to the fewest sessions, and any other
// within FACTOR of it. Intersecting one more bitmap costs about a third of a
// microsecond per entry it holds, and saves a look at the row (one to two)
// for each session it rules out: worth it only for a bitmap at most a few
// times the smallest. The others are checked on the rows those lead to.
//
// How many sessions each leads to: for the ordered filters and for
// metadata and event names, the planner's estimate of that filter alone
// (its statistics of one column or one GIN key are close to right, where its
// costs are not); for the URL, its own sample (urlIndexConditions.ts).
import {planRows, type Run} from './planner';
import {render, sqlParams, where, type FilterSql, type GinFilter, type OrderedFilter} from './sessionFilterSql';

const FACTOR = 4;

export interface ChosenIndexes {
  chosen: Set<OrderedFilter | GinFilter>;
  /** How many sessions the most selective filter leads to (Infinity: no index can be used). */
  rows: number;
  /** How many sessions each filter that has an index leads to. */
  estimates: Map<OrderedFilter | GinFilter, number>;
}

/** The filters whose indexes to use, and what each is expected to lead to. */
export async function chooseIndexes(run: Run, filter: FilterSql): Promise<ChosenIndexes> {
  const candidates: Array<{filter: OrderedFilter | GinFilter; rows: number}> = [];
  const expected = async (conditions: FilterSql['ordered'][number]['sql'][]) => {
    const {param, values} = sqlParams();
    return planRows(run, `SELECT 1 FROM sessions s ${where(render(conditions, param))}`, values);
  };
  for (const ordered of filter.ordered) candidates.push({filter: ordered, rows: await expected([ordered.sql])});
  for (const gin of filter.gin) if (gin.index.length) candidates.push({filter: gin, rows: gin.rows ?? (await expected(gin.index))});
  const fewest = Math.min(...candidates.map((candidate) => candidate.rows));
  return {
    chosen: new Set(candidates.filter((candidate) => candidate.rows <= FACTOR * Math.max(fewest, 1)).map((candidate) => candidate.filter)),
    rows: fewest,
    estimates: new Map(candidates.map((candidate) => [candidate.filter, candidate.rows])),
  };
}
