// generate_series(start, stop[, step]) over integers in FROM, produced lazily. The binder plans
// it as a scan of a pseudo-relation whose name carries the (constant) arguments, like the
// `?target` relation of UPDATE … FROM: the optimizer treats it as any scan, and whoever lowers
// the plan makes the rows. An ad-hoc read produces them a chunk at a time, so
// `SELECT count(*) FROM generate_series(1, 1000000000)` runs in bounded memory, yields to
// other clients and can be cancelled; a materialized view (or a one-shot read) still makes
// them all at once, up to 10 million.

import { BatchBuilder, type Batch } from '../dataflow/batch.js';
import { SqlError, SQLSTATE } from '../errors.js';
import type { Row } from '../expr/value.js';
import type { SqlType } from '../sql/types.js';
import { T } from '../sql/types.js';

const PREFIX = '?generate_series(';
/** Rows a series may have where all of them must exist at once. */
export const MAX_MATERIALIZED_SERIES = 10_000_000;

export interface SeriesSpec {
  big: boolean;
  start: bigint;
  stop: bigint;
  step: bigint;
  ordinality: boolean;
}

export function seriesRelation(s: SeriesSpec): string {
  return `${PREFIX}${s.big ? 'int8' : 'int4'},${s.start},${s.stop},${s.step},${s.ordinality ? 1 : 0})`;
}

export function parseSeriesRelation(name: string): SeriesSpec | null {
  if (!name.startsWith(PREFIX)) return null;
  const [type, start, stop, step, ord] = name.slice(PREFIX.length, -1).split(',');
  return { big: type === 'int8', start: BigInt(start), stop: BigInt(stop), step: BigInt(step), ordinality: ord === '1' };
}

export function seriesTypes(s: SeriesSpec): SqlType[] {
  const t = s.big ? T.int8 : T.int4;
  return s.ordinality ? [t, T.int8] : [t];
}

/** Number of rows (capped at 2^53: no read gets that far). */
export function seriesLength(s: SeriesSpec): number {
  const span = s.step > 0n ? s.stop - s.start : s.start - s.stop;
  if (span < 0n) return 0;
  const n = span / (s.step > 0n ? s.step : -s.step) + 1n;
  return n > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(n);
}

/** Rows [from, to) of the series. */
export function seriesSlice(s: SeriesSpec, from: number, to: number): Batch {
  const b = new BatchBuilder(seriesTypes(s), to - from);
  const row: Row = s.ordinality ? [null, null] : [null];
  for (let i = from; i < to; i++) {
    const v = s.start + BigInt(i) * s.step;
    row[0] = s.big ? v : Number(v);
    if (s.ordinality) row[1] = BigInt(i + 1);
    b.push(row, 1);
  }
  return b.finish();
}

/** All rows at once (materialized views, one-shot reads): refused past 10 million. */
export function seriesWhole(s: SeriesSpec): Batch {
  const n = seriesLength(s);
  if (n > MAX_MATERIALIZED_SERIES) {
    throw new SqlError(SQLSTATE.FEATURE_NOT_SUPPORTED, 'generate_series() of more than 10 million rows is not supported here (only in a query over the wire server, which produces its rows as it reads them)');
  }
  return seriesSlice(s, 0, n);
}
