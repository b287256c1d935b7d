// The part of an ad-hoc read that is not a collection: ORDER BY, LIMIT/OFFSET and the final
// projection that drops hidden sort columns. They run over the result rows after the
// dataflow has produced the (unordered) collection.

import type { Plan, SortKey } from '../plan/logical.js';
import type { Row, Value } from '../expr/value.js';
import { comparator } from '../expr/compare.js';
import { compileExpr, evalConstant } from '../expr/compile.js';
import { countValue } from '../plan/top_k.js';
import type { SqlType } from '../sql/types.js';
import { batchWork, runSync, sortWork, ticker, type Work } from './work.js';

export interface ReadFinish {
  sort: SortKey[] | null;
  limit: Plan & { kind: 'limit' } | null;
  /** Final column selection (indices), when hidden sort columns must be dropped. */
  columns: number[] | null;
}

export function splitRead(plan: Plan): { body: Plan; finish: ReadFinish } {
  const finish: ReadFinish = { sort: null, limit: null, columns: null };
  let p = plan;
  if (p.kind === 'project' && (p.input.kind === 'limit' || p.input.kind === 'sort') && p.exprs.every((e) => e.kind === 'column')) {
    finish.columns = p.exprs.map((e) => (e as { index: number }).index);
    p = p.input;
  }
  if (p.kind === 'limit') {
    finish.limit = p;
    p = p.input;
  }
  if (p.kind === 'sort') {
    finish.sort = p.keys;
    p = p.input;
  }
  return { body: p, finish };
}

export function finishRead(rows: Row[], f: ReadFinish, params: readonly Value[], types: readonly SqlType[]): Row[] {
  return runSync(finishReadWork(rows, f, params, types));
}

/** finishRead as a Work: the sort yields between runs and during merges. */
export function* finishReadWork(rows: Row[], f: ReadFinish, params: readonly Value[], types: readonly SqlType[]): Work<Row[]> {
  let out = rows;
  // LIMIT and OFFSET are evaluated before the rows are fetched, as PostgreSQL's Limit node does
  const { offset, limit } = limitBounds(f, params);
  if (f.sort) out = yield* sortRows(out, f.sort, params, types, limit === null ? null : offset + limit);
  if (f.limit) out = out.slice(offset, limit === null ? undefined : offset + limit);
  if (f.columns) {
    const cols = f.columns;
    const tick = ticker();
    const projected: Row[] = new Array(out.length);
    for (let i = 0; i < out.length; i++) {
      const r = out[i];
      projected[i] = cols.map((c) => r[c]);
      if (tick()) yield;
    }
    out = projected;
  }
  return out;
}

/** OFFSET and LIMIT (null: none) of a read, checked as PostgreSQL checks them. */
export function limitBounds(f: ReadFinish, params: readonly Value[]): { offset: number; limit: number | null } {
  if (!f.limit) return { offset: 0, limit: null };
  const offset = f.limit.offset ? countValue(evalConstant(f.limit.offset, params), 'OFFSET') : 0;
  const limit = f.limit.limit ? countValue(evalConstant(f.limit.limit, params), 'LIMIT') : null;
  return { offset, limit };
}

/** The first k of 0 … n-1 in `cmp` order (a total order), sorted. */
function* topK(n: number, k: number, cmp: (a: number, b: number) => number): Work<number[]> {
  const heap: number[] = []; // the k best so far, the worst on top
  const tick = ticker();
  const down = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let worst = i;
      if (l < heap.length && cmp(heap[l], heap[worst]) > 0) worst = l;
      if (r < heap.length && cmp(heap[r], heap[worst]) > 0) worst = r;
      if (worst === i) return;
      [heap[i], heap[worst]] = [heap[worst], heap[i]];
      i = worst;
    }
  };
  for (let x = 0; x < n && k > 0; x++) {
    if (heap.length < k) {
      heap.push(x);
      for (let i = heap.length - 1; i > 0; ) {
        const p = (i - 1) >> 1;
        if (cmp(heap[i], heap[p]) <= 0) break;
        [heap[i], heap[p]] = [heap[p], heap[i]];
        i = p;
      }
    } else if (cmp(x, heap[0]) < 0) {
      heap[0] = x;
      down(0);
    }
    if (tick()) yield;
  }
  return yield* sortWork(heap, cmp);
}

/** The rows in ORDER BY order (stable); with `keep`, only the first `keep` of them. */
function* sortRows(rows: Row[], keys: SortKey[], params: readonly Value[], types: readonly SqlType[], keep: number | null): Work<Row[]> {
  if (rows.length === 0) return rows;
  // Keys are evaluated once per row (they are usually plain column references).
  const keyVals: Value[][] = new Array(rows.length);
  const tick = ticker();
  if (keys.every((k) => k.expr.kind === 'column')) {
    const cols = keys.map((k) => (k.expr as { index: number }).index);
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i];
      keyVals[i] = cols.map((c) => r[c]);
      if (tick()) yield;
    }
  } else {
    const batch = yield* batchWork(types, rows);
    const evals = keys.map((k) => compileExpr(k.expr, params));
    for (let i = 0; i < rows.length; i++) {
      keyVals[i] = evals.map((e) => e(batch, i));
      if (tick()) yield;
    }
  }
  const cmps = keys.map((k) => comparator(k.expr.type));
  const cmp = (a: number, b: number): number => {
    for (let k = 0; k < keys.length; k++) {
      const x = keyVals[a][k];
      const y = keyVals[b][k];
      if (x === null || y === null) {
        if (x === y) continue;
        return (x === null) === keys[k].nullsFirst ? -1 : 1;
      }
      const c = cmps[k](x, y);
      if (c !== 0) return keys[k].desc ? -c : c;
    }
    return a - b;
  };
  let sorted: number[];
  if (keep !== null && keep * 4 < rows.length) {
    // ORDER BY … LIMIT k: keep the k first rows in a heap (PostgreSQL's bounded sort); ties
    // are broken by position, so these are exactly the stable sort's first k
    sorted = yield* topK(rows.length, keep, cmp);
  } else {
    const idx: number[] = new Array(rows.length);
    for (let i = 0; i < rows.length; i++) {
      idx[i] = i;
      if (tick()) yield;
    }
    sorted = yield* sortWork(idx, cmp);
  }
  const out: Row[] = new Array(sorted.length);
  for (let i = 0; i < sorted.length; i++) {
    out[i] = rows[sorted[i]];
    if (tick()) yield;
  }
  return out;
}
