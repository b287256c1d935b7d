// Lowering: a logical plan becomes dataflow operators. Leaves (scans) are resolved by the
// caller to existing operators (table sources, materialized-view outputs) or to one-shot
// snapshots (ad-hoc reads). Joins arrange their inputs by key; arrangements of a base table
// or a view by the same plain columns are shared between all views (Differential Dataflow's
// shared arrangements), since memory is what an IVM engine runs out of first.

import type { Plan } from './logical.js';
import type { Operator } from '../dataflow/operator.js';
import type { Value } from '../expr/value.js';
import { type Expr, remapColumns } from '../expr/expr.js';
import { compileExpr, compileQual, evalConstant } from '../expr/compile.js';
import { compileIntKernel } from '../expr/int_kernel.js';
import { batchFromRows } from '../dataflow/batch.js';
import { SnapshotOp, SourceOp } from '../dataflow/source.js';
import { IntegrateOp } from '../dataflow/operators/integrate.js';
import { FilterOp } from '../dataflow/operators/filter.js';
import { MapOp } from '../dataflow/operators/map.js';
import { ProjectOp } from '../dataflow/operators/project.js';
import { ArrangeOp } from '../dataflow/operators/arrange.js';
import { JoinOp } from '../dataflow/operators/join.js';
import { AggregateOp } from '../dataflow/operators/aggregate.js';
import { DistinctOp } from '../dataflow/operators/distinct.js';
import { UnionOp } from '../dataflow/operators/union.js';
import { SetOpOp } from '../dataflow/operators/set_op.js';
import { TopKOp } from '../dataflow/operators/top_k.js';
import { unsupported } from '../errors.js';
import { limitTopK, rowNumberFilter, type TopKPlan } from './top_k.js';
import { GatedErrors, type Gate } from '../dataflow/gated_errors.js';
import { schemaTypes } from './logical.js';
import { splitTemporal } from './temporal_filter.js';
import { andOf } from './rules/pushdown.js';
import { TemporalFilterOp } from '../dataflow/operators/temporal_filter.js';
import type { StepClock } from '../dataflow/clock.js';
import { ClosedWindows } from '../dataflow/closed_windows.js';
import { ClosingGroups } from '../dataflow/closing_groups.js';
import type { TableWatermark } from '../sources/watermark.js';

export interface LowerContext {
  /** The operator producing a scanned relation's changes (must keep integrated contents). */
  /** The operator reading a relation; `scan` is the plan node (reads may narrow it by index). */
  leaf(relation: string, scan?: Plan): Operator;
  /** Existing arrangement of `input` by `keys`, if any (shared arrangements). */
  findArrangement?(input: Operator, keys: number[]): ArrangeOp | undefined;
  params: readonly Value[];
  /** Operators created by this lowering, in creation (= topological) order. */
  created: Operator[];
  /** Arrangements created by this lowering that may be shared later. */
  sharedArrangements?: ArrangeOp[];
  /** Gates of the gated join sides being lowered (plan/logical.ts, gate); set by lower(). */
  gates?: Gate[];
  /** The clock a maintained dataflow's temporal filters follow (absent in one-shot reads, which see mz_now() as a constant). */
  clock?: StepClock;
  /** A maintained dataflow: `e` over `p`'s output as a window a table's watermark closes (closed_windows.ts). */
  windowOf?(p: Plan, e: Expr): { endOffset: bigint; watermark: TableWatermark } | null;
  /** A maintained dataflow: whether `p` only ever inserts (plan/insert_only.ts). */
  insertOnly?(p: Plan): boolean;
  /** Lowered subplans by structure: equal ones share one dataflow (maintained views; not in gated sides). */
  shareSubplans?: Map<string, Operator>;
  /** A maintained dataflow: the group column of aggregate `p` that is a window a watermark closes (closing_groups.ts). */
  groupWindow?(p: Extract<Plan, { kind: 'aggregate' | 'distinct' }>): { col: number; endOffset: bigint; watermark: TableWatermark } | null;
  /** The same for a top-k: a partition column that is such a window. */
  partitionWindow?(t: TopKPlan): { col: number; endOffset: bigint; watermark: TableWatermark } | null;
}

/** Where the operators being made record their errors: nowhere (they raise) outside gated sides. */
function errorsFor(cx: LowerContext): GatedErrors | null {
  return cx.gates?.length ? new GatedErrors(cx.gates) : null;
}

/** Lower `f` inside a gated join side: its operators' errors count while `gate` is open. */
function gated<T>(cx: LowerContext, gate: Gate | null, f: () => T): T {
  if (!gate) return f();
  const saved = cx.gates;
  cx.gates = [...(saved ?? []), gate];
  try {
    return f();
  } finally {
    cx.gates = saved;
  }
}

export function lower(p: Plan, cx: LowerContext): Operator {
  // the same subplan twice (a WITH query read twice): one dataflow, read by both
  if (!cx.shareSubplans || p.kind === 'scan' || cx.gates?.length) return lowerNode(p, cx);
  const key = planKey(p);
  let op = cx.shareSubplans.get(key);
  if (!op) cx.shareSubplans.set(key, (op = lowerNode(p, cx)));
  return op;
}

/**
 * A subplan's structure, for sharing: its nodes and expressions, literals exactly (-0, NaN,
 * numeric scales, jsonb apart), output columns by type (their names do not change the rows).
 */
function planKey(p: Plan): string {
  return JSON.stringify(p, function (this: Record<string, unknown>, k, v) {
    if (k === 'value' && this.kind === 'literal') return `L${JSON.stringify(v, exact)}`;
    if (k === 'schema' && Array.isArray(v) && typeof this.kind === 'string') return v.map((f: { type: unknown }) => f.type);
    return exact(k, v);
  });
}

function exact(_: string, v: unknown): unknown {
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'number' && (Object.is(v, -0) || !Number.isFinite(v))) return `#${Object.is(v, -0) ? '-0' : v}`;
  return v;
}

function lowerNode(p: Plan, cx: LowerContext): Operator {
  const make = <T extends Operator>(op: T): T => {
    cx.created.push(op);
    return op;
  };
  switch (p.kind) {
    case 'scan':
      return cx.leaf(p.relation, p);
    case 'values': {
      const rows = p.rows.map((r) => r.map((e) => evalConstant(e, cx.params)));
      const types = schemaTypes(p);
      const batch = batchFromRows(types, rows);
      return make(new SnapshotOp(types, () => batch));
    }
    case 'filter': {
      const ranked = rowNumberFilter(p, cx.params);
      if (ranked) {
        const top = topKOp(ranked.topK, cx, make);
        const shown = ranked.project ? projectOp(top, ranked.project.exprs, cx, make) : top;
        return ranked.rest ? make(new FilterOp(shown, compileQual(ranked.rest, cx.params), errorsFor(cx))) : shown;
      }
      const input = lower(p.input, cx);
      const { bounds, rest } = cx.clock ? splitTemporal(p.predicate) : { bounds: [], rest: [p.predicate] };
      const pred = andOf(rest);
      const filtered = pred ? make(new FilterOp(input, compileQual(pred, cx.params), errorsFor(cx))) : input;
      if (bounds.length === 0) return filtered;
      const compiled = bounds.map((b) => ({ row: compileExpr(b.row, cx.params), isDate: b.row.type.id === 'date', now: b.now, shift: b.shift }));
      return make(new TemporalFilterOp(filtered, compiled, cx.clock!, errorsFor(cx)));
    }
    case 'project': {
      const input = lower(p.input, cx);
      return projectOp(input, p.exprs, cx, make);
    }
    case 'join':
      return lowerJoin(p, cx, make);
    case 'aggregate': {
      const input = lower(p.input, cx);
      const argExprs = p.aggs.map((a) => a.arg);
      const cols: Expr[] = [...p.groupBy];
      const argIndex = argExprs.map((a) => {
        if (!a) return -1;
        cols.push(a);
        return cols.length - 1;
      });
      const pre = projectOp(input, cols, cx, make);
      const insertOnly = cx.insertOnly?.(p.input) ?? false;
      const agg = make(
        new AggregateOp(pre, {
          groupCols: p.groupBy.map((_, i) => i),
          aggs: p.aggs.map((a, k) => ({
            fn: a.fn,
            arg: argIndex[k],
            argType: a.arg ? a.arg.type : a.type,
            resultType: a.type,
            distinct: a.distinct,
            insertOnly,
          })),
        }),
      );
      const w = cx.groupWindow?.(p);
      if (w) agg.closing = new ClosingGroups(w.col, w.endOffset, w.watermark);
      return agg;
    }
    case 'distinct':
      // UNION: one DistinctOp over the branches, which know their order (distinct.ts)
      if (p.input.kind === 'union') return make(new DistinctOp(unionBranches(p.input).map((b) => lower(b, cx))));
      const distinct = make(new DistinctOp(lower(p.input, cx)));
      const w = cx.groupWindow?.(p);
      if (w) distinct.closing = new ClosingGroups(w.col, w.endOffset, w.watermark);
      return distinct;
    case 'union':
      return make(new UnionOp(p.inputs.map((i) => lower(i, cx))));
    case 'setop':
      return make(new SetOpOp(lower(p.left, cx), lower(p.right, cx), p.op));
    case 'sort':
      // Order is not a property of a collection: a sort below the top of a read, or in a view, is a no-op.
      return lower(p.input, cx);
    case 'limit':
      return topKOp(limitTopK(p, cx.params), cx, make);
    // ad-hoc reads compute these before lowering (engine/window.ts); a view's row_number()
    // bounded by a filter is a top-k (above)
    case 'window':
      throw unsupported('window functions in materialized views (other than row_number() with a filter such as rn <= 10 over it)');
    case 'project_set':
      throw unsupported('set-returning functions in the SELECT list of a materialized view');
  }
}

/** A top-k over its input's rows, with the computed partition and order keys appended as columns. */
function topKOp(t: TopKPlan, cx: LowerContext, make: <T extends Operator>(op: T) => T): Operator {
  const input = lower(t.input, cx);
  const width = t.input.schema.length;
  const cols: Expr[] = t.input.schema.map((f, i): Expr => ({ kind: 'column', index: i, type: f.type }));
  const colOf = (e: Expr): number => {
    if (e.kind === 'column') return e.index;
    cols.push(e);
    return cols.length - 1;
  };
  const partitionCols = t.partitionBy.map(colOf);
  const order = t.orderBy.map((k) => ({ col: colOf(k.expr), desc: k.desc, nullsFirst: k.nullsFirst }));
  const keyed = cols.length > width ? projectOp(input, cols, cx, make) : input;
  const insertOnly = cx.insertOnly?.(t.input) ?? false;
  const top = make(new TopKOp(keyed, { partitionCols, order, offset: t.offset, limit: t.limit, width, rowNumber: t.rowNumber, insertOnly }));
  const w = cx.partitionWindow?.(t);
  if (w) top.closing = new ClosingGroups(w.col, w.endOffset, w.watermark);
  return top;
}

function projectOp(input: Operator, exprs: readonly Expr[], cx: LowerContext, make: <T extends Operator>(op: T) => T): Operator {
  if (exprs.every((e) => e.kind === 'column')) {
    const idx = exprs.map((e) => (e as { index: number }).index);
    if (idx.length === input.types.length && idx.every((c, i) => c === i)) return input;
    return make(new ProjectOp(input, idx));
  }
  const errors = errorsFor(cx);
  // integer arithmetic a batch at a time (the columns beside it copied whole), when nothing is gated
  const kernels = errors === null ? exprs.map((e) => (e.kind === 'column' ? e.index : compileIntKernel(e, cx.params))) : null;
  const anyKernel = kernels?.some((k) => k !== null && typeof k !== 'number') ?? false;
  return make(new MapOp(input, exprs.map((e) => compileExpr(e, cx.params)), exprs.map((e) => e.type), errors, anyKernel ? kernels : null));
}

function lowerJoin(p: Extract<Plan, { kind: 'join' }>, cx: LowerContext, make: <T extends Operator>(op: T) => T): Operator {
  // a gated side's errors count while the other side's arrangement has rows (the right one is
  // made after the left side is lowered, hence the late binding)
  let rightArr: ArrangeOp | null = null;
  const leftGate: Gate | null = p.gate === 'left' ? () => rightArr!.arrangement.size > 0 : null;
  // an inner join's side that only ever inserts is arranged without an index to find its rows
  // again (outer joins find rows to keep their match counts)
  const insertOnly = (side: Plan) => p.type === 'inner' && (cx.insertOnly?.(side) ?? false);
  const left = gated(cx, leftGate, () => arrangeSide(lower(p.left, cx), p.leftKeys, cx, make, insertOnly(p.left)));
  const rightGate: Gate | null = p.gate === 'right' ? () => left.arr.arrangement.size > 0 : null;
  const right = gated(cx, rightGate, () => arrangeSide(lower(p.right, cx), p.rightKeys, cx, make, insertOnly(p.right)));
  rightArr = right.arr;
  // The join's output is the arranged rows side by side; plan column i of a side lives at
  // position map[i] of its arranged rows.
  const nl = left.arr.types.length;
  const planLeft = p.left.schema.length;
  const toArranged = (i: number) => (i < planLeft ? left.map[i] : nl + right.map[i - planLeft]);
  const residual = p.on ? compileQual(remapColumns(p.on, toArranged), cx.params) : undefined;
  const join = make(new JoinOp(left.arr, right.arr, { type: p.type, residual, errors: residual ? errorsFor(cx) : null }));
  if (p.type === 'inner' && !left.shared && !right.shared) join.closer = closedWindows(p, left.arr, right.arr, cx);
  const keep = p.schema.map((_, i) => toArranged(i));
  if (keep.length === join.types.length && keep.every((c, i) => c === i)) return join;
  return make(new ProjectOp(join, keep));
}

interface ArrangedSide {
  arr: ArrangeOp;
  /** Position of each of the plan input's columns in the arranged rows. */
  map: number[];
  /** The arrangement is another dataflow's too (it must keep every row). */
  shared: boolean;
}

/**
 * An inner join whose sides are equated on windows that watermarks close (a key that is, on
 * each side, a window of an append-only table's watermark column): prune closed windows.
 */
function closedWindows(p: Extract<Plan, { kind: 'join' }>, left: ArrangeOp, right: ArrangeOp, cx: LowerContext): ClosedWindows | null {
  if (!cx.windowOf) return null;
  for (let k = 0; k < p.leftKeys.length; k++) {
    const lw = cx.windowOf(p.left, p.leftKeys[k]);
    const rw = lw && cx.windowOf(p.right, p.rightKeys[k]);
    if (!lw || !rw) continue;
    return new ClosedWindows([
      { arrangement: left.arrangement, col: left.keyCols[k], endOffset: lw.endOffset, closedBy: rw.watermark },
      { arrangement: right.arrangement, col: right.keyCols[k], endOffset: rw.endOffset, closedBy: lw.watermark },
    ]);
  }
  return null;
}

/**
 * Arrange one join input by its keys. A column selection over a table (that keeps its rows)
 * or view is looked through, so the arrangement indexes the relation itself and can be shared
 * by every view that joins it on the same key; computed keys are appended as extra columns first.
 */
function arrangeSide(input: Operator, keys: Expr[], cx: LowerContext, make: <T extends Operator>(op: T) => T, insertOnly: boolean): ArrangedSide {
  let src = input;
  let map = input.types.map((_, i) => i);
  // not a projection to no columns (whether a relation has rows, as IN/EXISTS ask): its rows
  // are one row with a weight, where the relation's own arrangement has a slot per row, and
  // a cross join with it would list every pair
  if (cx.findArrangement && input instanceof ProjectOp && input.indices.length > 0 && isIntegrated(input.inputs[0])) {
    src = input.inputs[0];
    map = [...input.indices];
  }
  let keyCols: number[];
  if (keys.every((k) => k.kind === 'column')) keyCols = keys.map((k) => map[(k as { index: number }).index]);
  else {
    const width = src.types.length;
    const exprs: Expr[] = [
      ...src.types.map((t, i): Expr => ({ kind: 'column', index: i, type: t })),
      ...keys.map((k) => remapColumns(k, (i) => map[i])),
    ];
    src = projectOp(src, exprs, cx, make);
    keyCols = keys.map((_, k) => width + k);
  }
  const found = cx.findArrangement?.(src, keyCols);
  if (found) return { arr: found, map, shared: true };
  const shared = isIntegrated(src);
  const arr = make(new ArrangeOp(src, keyCols, insertOnly && !shared));
  cx.sharedArrangements?.push(arr);
  return { arr, map, shared };
}

/**
 * Operators that keep their whole contents: sources of tables that keep their rows, and view
 * outputs. An append-only table keeps none, so an arrangement of it is never shared: it holds
 * only the columns its join reads (a wide stream's every column was most of such a join's
 * memory and upkeep).
 */
function isIntegrated(op: Operator): boolean {
  return (op instanceof SourceOp && op.keepsRows) || op instanceof IntegrateOp;
}

/** The branches of nested UNION ALLs, in scan order (PostgreSQL flattens them into one Append). */
function unionBranches(p: Plan): Plan[] {
  return p.kind === 'union' ? p.inputs.flatMap(unionBranches) : [p];
}
