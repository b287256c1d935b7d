// Window functions and SELECT-list set-returning functions in ad-hoc reads. Neither is a
// collection operator here (a window's result depends on the order of rows, which a Z-set does
// not have; a maintained version is future work), so a read computes them over the rows of
// their input, once: `materializeReadOnly` evaluates each such node bottom-up through `run`
// (a full read of the node's input) and replaces it by a scan of the result rows. All of it
// is a Work (work.ts), so a big window runs in slices over the wire. Semantics follow PostgreSQL's nodeWindowAgg.c / windowfuncs.c and nodeProjectSet.c.

import type { Plan, SrfCall, WindowCall, FrameBound } from '../plan/logical.js';
import { planChildren } from '../plan/logical.js';
import { mapPlanChildren } from '../plan/rules/walk.js';
import type { Row, Value } from '../expr/value.js';
import type { Expr } from '../expr/expr.js';
import { comparator, compositeKeyFn, type Comparator } from '../expr/compare.js';
import type { Batch } from '../dataflow/batch.js';
import { compileExpr, evalConstant } from '../expr/compile.js';
import { accFactory, type Acc } from '../dataflow/accumulators.js';
import { SqlError, SQLSTATE } from '../errors.js';
import { PgArray } from '../expr/array.js';
import { PgRecord } from '../expr/record.js';
import type { SqlType } from '../sql/types.js';
import { batchWork, sortWork, ticker, type Work } from './work.js';

export function hasReadOnlyNodes(p: Plan): boolean {
  if (p.kind === 'window' || p.kind === 'project_set') return true;
  return planChildren(p).some(hasReadOnlyNodes);
}

/**
 * Replace window / project_set nodes by scans of their rows (deepest first), as a Work that
 * yields while reading inputs (`run`), sorting partitions and computing rows. The rows are put
 * in `batches` under the scanned pseudo-relation's name (as UPDATE … FROM's `?target`).
 */
export function* materializeReadOnly(p: Plan, params: readonly Value[], run: (p: Plan) => Work<Row[]>, batches: Map<string, Batch>): Work<Plan> {
  if (!hasReadOnlyNodes(p)) return p;
  const children: Plan[] = [];
  for (const c of planChildren(p)) children.push(yield* materializeReadOnly(c, params, run, batches));
  let k = 0;
  const q = mapPlanChildren(p, () => children[k++]);
  if (q.kind !== 'window' && q.kind !== 'project_set') return q;
  const input = yield* run(q.input);
  const types = q.input.schema.map((f) => f.type);
  const rows = q.kind === 'window' ? yield* computeWindows(input, types, q.calls, params) : yield* projectSet(input, types, q.calls, params);
  const relation = `?computed${batches.size + 1}`;
  batches.set(relation, yield* batchWork(q.schema.map((f) => f.type), rows));
  return { kind: 'scan', relation, relKind: 'table', schema: q.schema };
}

// ---- window functions ---------------------------------------------------------------------

function* evalAll(rows: Row[], types: readonly SqlType[], exprs: readonly Expr[], params: readonly Value[]): Work<Value[][]> {
  if (exprs.length === 0) return rows.map(() => []);
  const batch = exprs.every((e) => e.kind === 'column') ? null : yield* batchWork(types, rows);
  const fns = exprs.map((e) => (e.kind === 'column' ? null : compileExpr(e, params)));
  const out: Value[][] = new Array(rows.length);
  const tick = ticker();
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    out[i] = exprs.map((e, k) => (fns[k] ? fns[k]!(batch!, i) : r[(e as { index: number }).index]));
    if (tick()) yield;
  }
  return out;
}

function compareKeys(a: Value[], b: Value[], cmps: Comparator[], desc: boolean[], nullsFirst: boolean[]): number {
  for (let k = 0; k < cmps.length; k++) {
    const x = a[k];
    const y = b[k];
    if (x === null || y === null) {
      if (x === y) continue;
      return (x === null) === nullsFirst[k] ? -1 : 1;
    }
    const c = cmps[k](x, y);
    if (c !== 0) return desc[k] ? -c : c;
  }
  return 0;
}

export function* computeWindows(rows: Row[], types: readonly SqlType[], calls: readonly WindowCall[], params: readonly Value[]): Work<Row[]> {
  const n = rows.length;
  const results: Value[][] = calls.map(() => new Array<Value>(n).fill(null));
  let outOrder: number[] = rows.map((_, i) => i);
  const tick = ticker();
  for (let ci = 0; ci < calls.length; ci++) {
    const call = calls[ci];
    const pvals = yield* evalAll(rows, types, call.partitionBy, params);
    const ovals = yield* evalAll(rows, types, call.orderBy.map((k) => k.expr), params);
    const avals = yield* evalAll(rows, types, call.args, params);
    // partitions by equality of their key; ordered by the key (ascending, NULLs last) and then
    // by the window's ORDER BY, ties in input order — PostgreSQL sorts by exactly these keys
    // (NULL, NaN and ±Infinity are apart; -0 and 0, 1.5 and 1.50 together)
    const pkey = compositeKeyFn(call.partitionBy.map((e) => e.type), 'equality');
    const parts = new Map<unknown, number[]>();
    for (let i = 0; i < n; i++) {
      const key = pkey(pvals[i]);
      let list = parts.get(key);
      if (!list) parts.set(key, (list = []));
      list.push(i);
      if (tick()) yield;
    }
    const pc = call.partitionBy.map((e) => comparator(e.type));
    const oc = call.orderBy.map((k) => comparator(k.expr.type));
    const odesc = call.orderBy.map((k) => k.desc);
    const onf = call.orderBy.map((k) => k.nullsFirst);
    const partList = [...parts.values()];
    const noNulls = pc.map(() => false);
    // partitions are ordered by their key; first rows are distinct per partition, so the
    // index breaks no real tie and the order is the stable sort's
    const firsts = yield* sortWork(partList.map((_, k) => k), (a, b) => compareKeys(pvals[partList[a][0]], pvals[partList[b][0]], pc, noNulls, noNulls) || a - b);
    const order: number[] = [];
    for (const k of firsts) {
      const part = yield* sortWork(partList[k], (a, b) => compareKeys(ovals[a], ovals[b], oc, odesc, onf) || a - b);
      yield* computePartition(call, part, ovals, avals, oc, odesc, onf, params, results[ci]);
      for (let j = 0; j < part.length; j++) order.push(part[j]);
      yield;
    }
    // rows come out in the order of the last window's sort (PostgreSQL: the last WindowAgg's)
    outOrder = order;
  }
  const out: Row[] = new Array(n);
  for (let j = 0; j < outOrder.length; j++) {
    const i = outOrder[j];
    out[j] = [...rows[i], ...results.map((r) => r[i])];
    if (tick()) yield;
  }
  return out;
}

function offsetValue(b: FrameBound, which: 'starting' | 'ending', params: readonly Value[]): number {
  const v = evalConstant(b.offset!, params);
  if (v === null) throw new SqlError('22004', `frame ${which} offset must not be null`);
  const x = Number(v as bigint);
  if (x < 0) throw new SqlError('22013', `frame ${which} offset must not be negative`);
  return x;
}

function* computePartition(
  call: WindowCall,
  part: number[],
  ovals: Value[][],
  avals: Value[][],
  oc: Comparator[],
  odesc: boolean[],
  onf: boolean[],
  params: readonly Value[],
  out: Value[],
): Work<void> {
  const len = part.length;
  const tick = ticker();
  // peer groups: rows equal on every ORDER BY key (all rows are peers without ORDER BY)
  const peerStart = new Array<number>(len);
  const peerEnd = new Array<number>(len); // exclusive
  for (let i = 0; i < len; ) {
    let j = i + 1;
    while (j < len && compareKeys(ovals[part[i]], ovals[part[j]], oc, odesc, onf) === 0) j++;
    for (let k = i; k < j; k++) {
      peerStart[k] = i;
      peerEnd[k] = j;
    }
    i = j;
    if (tick()) yield;
  }
  const arg = (i: number, k: number): Value => avals[part[i]][k];
  switch (call.fn) {
    case 'row_number':
      for (let i = 0; i < len; i++) out[part[i]] = BigInt(i + 1);
      return;
    case 'rank':
      for (let i = 0; i < len; i++) out[part[i]] = BigInt(peerStart[i] + 1);
      return;
    case 'dense_rank': {
      let g = 0;
      for (let i = 0; i < len; i++) {
        if (i === peerStart[i]) g++;
        out[part[i]] = BigInt(g);
      }
      return;
    }
    case 'percent_rank':
      for (let i = 0; i < len; i++) out[part[i]] = len > 1 ? peerStart[i] / (len - 1) : 0;
      return;
    case 'cume_dist':
      for (let i = 0; i < len; i++) out[part[i]] = peerEnd[i] / len;
      return;
    case 'ntile': {
      // the bucket count is evaluated at the partition's first row (windowfuncs.c)
      const nb = arg(0, 0);
      if (nb === null) return;
      const buckets = Number(nb);
      if (buckets <= 0) throw new SqlError('22014', 'argument of ntile must be greater than zero');
      const per = Math.floor(len / buckets);
      const extra = len % buckets;
      let bucket = 1;
      let inBucket = 0;
      for (let i = 0; i < len; i++) {
        const size = per + (bucket <= extra ? 1 : 0);
        if (inBucket >= size) {
          bucket++;
          inBucket = 0;
        }
        out[part[i]] = bucket;
        inBucket++;
      }
      return;
    }
    case 'lag':
    case 'lead': {
      for (let i = 0; i < len; i++) {
        if (tick()) yield;
        const off = call.args.length > 1 ? arg(i, 1) : 1;
        if (off === null) {
          out[part[i]] = null;
          continue;
        }
        const j = call.fn === 'lag' ? i - Number(off) : i + Number(off);
        out[part[i]] = j >= 0 && j < len ? arg(j, 0) : call.args.length > 2 ? arg(i, 2) : null;
      }
      return;
    }
    default:
      break;
  }
  // frame-based: first_value, last_value, nth_value and aggregates
  const { mode, start, end } = call.frame;
  const so = start.offset ? offsetValue(start, 'starting', params) : 0;
  const eo = end.offset ? offsetValue(end, 'ending', params) : 0;
  const frameStart = (i: number): number => {
    switch (start.kind) {
      case 'unbounded_preceding': return 0;
      case 'current_row': return mode === 'range' ? peerStart[i] : i;
      case 'preceding': return Math.max(0, i - so);
      case 'following': return Math.min(len, i + so);
      default: return len;
    }
  };
  const frameEnd = (i: number): number => { // exclusive
    switch (end.kind) {
      case 'unbounded_following': return len;
      case 'current_row': return mode === 'range' ? peerEnd[i] : i + 1;
      case 'preceding': return Math.max(0, i - eo + 1);
      case 'following': return Math.min(len, i + eo + 1);
      default: return 0;
    }
  };
  if (call.fn === 'first_value' || call.fn === 'last_value' || call.fn === 'nth_value') {
    for (let i = 0; i < len; i++) {
      if (tick()) yield;
      const s = frameStart(i);
      const e = frameEnd(i);
      let j: number;
      if (call.fn === 'first_value') j = s;
      else if (call.fn === 'last_value') j = e - 1;
      else {
        const nth = arg(i, 1);
        if (nth === null) {
          out[part[i]] = null;
          continue;
        }
        if (Number(nth) <= 0) throw new SqlError('22016', 'argument of nth_value must be greater than zero');
        j = s + Number(nth) - 1;
      }
      out[part[i]] = j >= s && j < e ? arg(j, 0) : null;
    }
    return;
  }
  // aggregates: the frame's bounds never move backwards, so one accumulator slides along
  const fn = call.fn;
  const argType = call.args.length ? call.args[0].type : call.type;
  const make = accFactory({ fn, arg: 0, argType, resultType: call.type, distinct: false });
  let acc: Acc = make();
  let a = 0;
  let b = 0;
  const put = (j: number, w: number) => {
    if (fn === 'count_star') acc.add(null, w);
    else {
      const v = arg(j, 0);
      if (v !== null) acc.add(v, w);
    }
  };
  // PostgreSQL has no inverse for these: when the frame's start moves it aggregates the frame
  // afresh, so float sums add in frame order and bpchar ties keep the frame's first
  const restart = ((fn === 'sum' || fn === 'avg') && (argType.id === 'float4' || argType.id === 'float8')) ||
    ((fn === 'min' || fn === 'max') && argType.id === 'bpchar');
  for (let i = 0; i < len; i++) {
    if (tick()) yield;
    const s = frameStart(i);
    const t = Math.max(frameEnd(i), s);
    if (s >= b || (restart && s > a)) {
      // no overlap with the previous frame (or no inverse): start afresh
      acc = make();
      a = b = s;
    }
    while (b < t) put(b++, 1);
    while (a < s) put(a++, -1);
    out[part[i]] = acc.result();
  }
}

// ---- set-returning functions in the SELECT list -------------------------------------------

export function* projectSet(rows: Row[], types: readonly SqlType[], calls: readonly SrfCall[], params: readonly Value[]): Work<Row[]> {
  const out: Row[] = [];
  const args = yield* evalAll(rows, types, calls.flatMap((c) => c.args), params);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    let k = 0;
    const series = calls.map((c) => {
      const a = args[i].slice(k, k + c.args.length);
      k += c.args.length;
      return expand(c, a);
    });
    const count = Math.max(0, ...series.map((s) => s.length));
    for (let j = 0; j < count; j++) out.push([...r, ...series.map((s) => (j < s.length ? s[j] : null))]);
    if (i % 256 === 255 || count > 256) yield;
  }
  return out;
}

function expand(c: SrfCall, a: Value[]): Value[] {
  switch (c.fn) {
    case 'unnest':
      return a[0] === null ? [] : [...(a[0] as PgArray).elems];
    case '_pg_expandarray': {
      // information_schema._pg_expandarray(anyarray) → (x, n): element and 1-based position
      if (a[0] === null) return [];
      const arr = a[0] as PgArray;
      return arr.elems.map((x, j) => new PgRecord([x, j + 1]));
    }
    case 'generate_series': {
      if (a.some((v) => v === null)) return [];
      const big = typeof a[0] === 'bigint';
      const start = BigInt(a[0] as number | bigint);
      const stop = BigInt(a[1] as number | bigint);
      const step = a.length > 2 ? BigInt(a[2] as number | bigint) : 1n;
      if (step === 0n) throw new SqlError('22023', 'step size cannot equal zero');
      const vals: Value[] = [];
      for (let v = start; step > 0n ? v <= stop : v >= stop; v += step) {
        vals.push(big ? v : Number(v));
        if (vals.length > 10_000_000) throw new SqlError(SQLSTATE.FEATURE_NOT_SUPPORTED, 'generate_series() of more than 10 million rows is not supported');
      }
      return vals;
    }
  }
}
