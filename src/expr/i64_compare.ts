// A comparison of an int8 or timestamp column with a constant (`price < 10000`,
// `category = 10`, `date_time >= '2015-07-15'`) or with another such column (a join's
// `b.date_time BETWEEN a.date_time AND a.expires`), row by row without reading values as
// bigints: two words give an exact double while the value is within ±2^53, and only a value
// beyond that (or an infinite timestamp) is compared as a bigint. Same answers as the generic
// comparison functions, which compare these values exactly.

import { LITTLE_ENDIAN, storageKind, type Batch, type Column } from '../dataflow/batch.js';
import { WordView, exactDouble } from '../dataflow/column_words.js';
import type { Expr } from './expr.js';
import type { Value } from './value.js';

type Evaluator = (b: Batch, i: number) => Value;

const NAMES = /^(?:int[248][248]?|timestamp_|timestamptz_)(eq|ne|lt|le|gt|ge)$/;
const FLIP: Record<string, string> = { eq: 'eq', ne: 'ne', lt: 'gt', le: 'ge', gt: 'lt', ge: 'le' };
const TESTS: Record<string, (x: number | bigint, y: number | bigint) => boolean> = {
  eq: (x, y) => x === y,
  ne: (x, y) => x !== y,
  lt: (x, y) => x < y,
  le: (x, y) => x <= y,
  gt: (x, y) => x > y,
  ge: (x, y) => x >= y,
};

/** The fast form of `e` when it compares an int8/timestamp column with a constant or another, else null. */
export function compileI64Comparison(e: Extract<Expr, { kind: 'call' }>, params: readonly Value[]): Evaluator | null {
  const m = NAMES.exec(e.fn);
  if (!m || e.args.length !== 2 || !LITTLE_ENDIAN) return null;
  const wide = (a: Expr) => a.kind === 'column' && storageKind(a.type) === 'i64';
  const constant = (a: Expr) => a.kind === 'literal' || a.kind === 'param';
  const [a, b] = e.args;
  if (wide(a) && wide(b)) return columns((a as { index: number }).index, (b as { index: number }).index, TESTS[m[1]]);
  let column: Extract<Expr, { kind: 'column' }>;
  let other: Expr;
  let op = m[1];
  if (wide(a) && constant(b)) [column, other] = [a as typeof column, b];
  else if (constant(a) && wide(b)) [column, other, op] = [b as typeof column, a, FLIP[m[1]]];
  else return null;
  // a parameter not supplied is left to the generic path, which raises 42P02
  if (other.kind === 'param' && other.index >= params.length) return null;
  const k = other.kind === 'literal' ? other.value : params[(other as { index: number }).index];
  if (k === null) return () => null; // strict: NULL whatever the column holds
  if (typeof k !== 'number' && typeof k !== 'bigint') return null;
  const kn = Number(k);
  if (!Number.isSafeInteger(kn)) return null;
  const kb = BigInt(k);
  const test = TESTS[op];
  const index = column.index;
  const words = new WordView();
  return (bb, i) => {
    const c: Column = bb.columns[index];
    if (c.nulls !== null && c.nulls[i] === 1) return null;
    const w = words.get(c.data as BigInt64Array);
    const x = exactDouble(w, i);
    return x === x ? test(x, kn) : test((c.data as BigInt64Array)[i], kb);
  };
}

/** Column x against column y (both 64-bit). */
function columns(x: number, y: number, test: (x: number | bigint, y: number | bigint) => boolean): Evaluator {
  const xWords = new WordView();
  const yWords = new WordView();
  return (bb, i) => {
    const cx: Column = bb.columns[x];
    const cy: Column = bb.columns[y];
    if ((cx.nulls !== null && cx.nulls[i] === 1) || (cy.nulls !== null && cy.nulls[i] === 1)) return null;
    const vx = exactDouble(xWords.get(cx.data as BigInt64Array), i);
    const vy = exactDouble(yWords.get(cy.data as BigInt64Array), i);
    return vx === vx && vy === vy ? test(vx, vy) : test((cx.data as BigInt64Array)[i], (cy.data as BigInt64Array)[i]);
  };
}
