// Lowering: a logical plan becomes dataflow operators. Leaves (scans) are resolved by the
// caller to existing operators (table sources, materialized-view outputs) or to one-shot
// snapshots (ad-hoc reads). Joins arrange their inputs by key; arrangements of a base table
// or a view by the same plain columns are shared between all views (Differential Dataflow's
// shared arrangements), since memory is what an IVM engine runs out of first.

import type { Plan } from './logical.js';
import type { Operator } from '../dataflow/operator.js';
import type { Value } from '../expr/value.js';
import { type Expr, remapColumns } from '../expr/expr.js';
import { compileExpr, evalConstant } from '../expr/compile.js';
import { batchFromRows } from '../dataflow/batch.js';
import { SnapshotOp } from '../dataflow/source.js';
import { FilterOp } from '../dataflow/operators/filter.js';
import { MapOp } from '../dataflow/operators/map.js';
import { ProjectOp } from '../dataflow/operators/project.js';
import { ArrangeOp } from '../dataflow/operators/arrange.js';
import { JoinOp } from '../dataflow/operators/join.js';
import { AggregateOp } from '../dataflow/operators/aggregate.js';
import { DistinctOp } from '../dataflow/operators/distinct.js';
import { UnionOp } from '../dataflow/operators/union.js';
import { unsupported } from '../errors.js';
import { schemaTypes } from './logical.js';

export interface LowerContext {
  /** The operator producing a scanned relation's changes (must keep integrated contents). */
  leaf(relation: string): Operator;
  /** Existing arrangement of `input` by `keys`, if any (shared arrangements). */
  findArrangement?(input: Operator, keys: number[]): ArrangeOp | undefined;
  params: readonly Value[];
  /** Operators created by this lowering, in creation (= topological) order. */
  created: Operator[];
  /** Arrangements created by this lowering that may be shared later. */
  sharedArrangements?: ArrangeOp[];
}

export function lower(p: Plan, cx: LowerContext): Operator {
  const make = <T extends Operator>(op: T): T => {
    cx.created.push(op);
    return op;
  };
  switch (p.kind) {
    case 'scan':
      return cx.leaf(p.relation);
    case 'values': {
      const rows = p.rows.map((r) => r.map((e) => evalConstant(e, cx.params)));
      const types = schemaTypes(p);
      const batch = batchFromRows(types, rows);
      return make(new SnapshotOp(types, () => batch));
    }
    case 'filter': {
      const input = lower(p.input, cx);
      return make(new FilterOp(input, compileExpr(p.predicate, cx.params)));
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
      return make(
        new AggregateOp(pre, {
          groupCols: p.groupBy.map((_, i) => i),
          aggs: p.aggs.map((a, k) => ({
            fn: a.fn,
            arg: argIndex[k],
            argType: a.arg ? a.arg.type : a.type,
            resultType: a.type,
            distinct: a.distinct,
          })),
        }),
      );
    }
    case 'distinct':
      return make(new DistinctOp(lower(p.input, cx)));
    case 'union':
      return make(new UnionOp(p.inputs.map((i) => lower(i, cx))));
    case 'sort':
      // Order is not a property of a collection: a sort below the top of a read, or in a view, is a no-op.
      return lower(p.input, cx);
    case 'limit':
      throw unsupported('LIMIT/OFFSET in a materialized view or subquery');
  }
}

function projectOp(input: Operator, exprs: readonly Expr[], cx: LowerContext, make: <T extends Operator>(op: T) => T): Operator {
  if (exprs.every((e) => e.kind === 'column')) {
    const idx = exprs.map((e) => (e as { index: number }).index);
    if (idx.length === input.types.length && idx.every((c, i) => c === i)) return input;
    return make(new ProjectOp(input, idx));
  }
  return make(new MapOp(input, exprs.map((e) => compileExpr(e, cx.params)), exprs.map((e) => e.type)));
}

function lowerJoin(p: Extract<Plan, { kind: 'join' }>, cx: LowerContext, make: <T extends Operator>(op: T) => T): Operator {
  const left = lower(p.left, cx);
  const right = lower(p.right, cx);
  const arrangeSide = (input: Operator, keys: Expr[]): { arr: ArrangeOp; extra: number } => {
    // Keys that are plain columns index the input as it is; computed keys are appended first.
    let keyCols: number[];
    let src = input;
    let extra = 0;
    if (keys.every((k) => k.kind === 'column')) keyCols = keys.map((k) => (k as { index: number }).index);
    else {
      const width = input.types.length;
      const exprs: Expr[] = [...input.types.map((t, i): Expr => ({ kind: 'column', index: i, type: t })), ...keys];
      src = projectOp(input, exprs, cx, make);
      keyCols = keys.map((_, k) => width + k);
      extra = keys.length;
    }
    const shared = cx.findArrangement?.(src, keyCols);
    if (shared) return { arr: shared, extra };
    const arr = make(new ArrangeOp(src, keyCols));
    cx.sharedArrangements?.push(arr);
    return { arr, extra };
  };
  const l = arrangeSide(left, p.leftKeys);
  const r = arrangeSide(right, p.rightKeys);
  const nl = left.types.length;
  const residual = p.on
    ? compileExpr(shiftRight(p.on, nl, l.extra), cx.params)
    : undefined;
  const join = make(new JoinOp(l.arr, r.arr, { type: p.type, residual }));
  if (l.extra === 0 && r.extra === 0) return join;
  const nr = right.types.length;
  const keep = [...Array(nl).keys(), ...Array.from({ length: nr }, (_, i) => nl + l.extra + i)];
  return make(new ProjectOp(join, keep));
}

/** Column references to the right side move past the computed key columns appended on the left. */
function shiftRight(e: Expr, nl: number, extra: number): Expr {
  return extra === 0 ? e : remapColumns(e, (i) => (i >= nl ? i + extra : i));
}
