// Access paths for ad-hoc reads: which index, if any, can narrow a scan under a filter.
//
// A read whose WHERE compares indexed columns with values known before the scan (constants,
// parameters, stable expressions) reads only the rows an index lookup gives: equality on every
// column of a unique index (a hash lookup), or equality on a prefix of an ordered index's
// columns plus a range on the next one. Like Materialize's fast-path peeks, no dataflow is
// built over the rest of the relation. The filter stays in the plan above the narrowed scan
// and is checked on every candidate row, so an index only has to give a superset of the rows
// that pass it: the answer is the one a full scan gives.

import { planChildren, type Plan } from './logical.js';
import { exprText } from './explain.js';
import { type Expr, columnsUsed, conjuncts, children, remapColumns } from '../expr/expr.js';
import { elementType, type SqlType } from '../sql/types.js';
import { resolveOperator } from '../expr/functions/registry.js';
import { functionVolatility } from '../expr/volatility.js';

/** An index a relation has, as the planner sees it. */
export interface IndexInfo {
  name: string;
  /** Key columns, as positions in the relation. */
  cols: readonly number[];
  /** A hash index whose key is all of `cols` (unique table indexes, view arrangements). */
  hash: boolean;
  /** Ordered: equality on a prefix plus a range on the next column. */
  ordered: boolean;
}

export interface RangeBound {
  expr: Expr;
  inclusive: boolean;
}

/** How to read one scan through an index. */
export interface AccessPath {
  index: IndexInfo;
  /** One value expression per leading key column; an array-valued one (`= ANY`) gives several keys. */
  eq: { expr: Expr; any: boolean }[];
  lower: RangeBound | null;
  upper: RangeBound | null;
  /** Types of the relation's key columns, in index order. */
  keyTypes: readonly SqlType[];
}

const INTEGER = new Set(['int2', 'int4', 'int8']);
const OPS = ['=', '<', '<=', '>', '>='] as const;
type Op = (typeof OPS)[number];
const FLIP: Record<Op, Op> = { '=': '=', '<': '>', '<=': '>=', '>': '<', '>=': '<=' };
const opCache = new Map<string, Op | null>();

/** Which comparison `fn` is, when it is the btree operator of `colType` against `otherType`. */
function comparisonOf(fn: string, colType: SqlType, otherType: SqlType): Op | null {
  const key = `${fn}|${colType.id}|${otherType.id}`;
  let op = opCache.get(key);
  if (op === undefined) {
    op = null;
    // the column's own type, or another integer width (cross-type integer comparison is exact)
    if (colType.id === otherType.id || (INTEGER.has(colType.id) && INTEGER.has(otherType.id))) {
      for (const o of OPS) {
        try {
          if (resolveOperator(o, colType, otherType).impl.name === fn) op = o;
        } catch {
          // no such operator
        }
      }
    }
    opCache.set(key, op);
  }
  return op;
}

/** True when e can be computed once before the scan: no columns, nothing volatile. */
function isScanConstant(e: Expr): boolean {
  if (columnsUsed(e).size > 0) return false;
  const volatile = (x: Expr): boolean => (x.kind === 'call' && functionVolatility(x.fn) === 'volatile') || children(x).some(volatile);
  return !volatile(e);
}

interface KeyCondition {
  col: number;
  op: Op;
  expr: Expr;
  any: boolean;
}

/** The conjuncts of a predicate over the scan's columns that an index can serve. */
function keyConditions(pred: Expr, types: readonly SqlType[]): KeyCondition[] {
  const out: KeyCondition[] = [];
  for (const c of conjuncts(pred)) {
    if (c.kind !== 'call' || c.args.length !== 2) continue;
    const [a, b] = c.args;
    const any = c.fn.startsWith('any:');
    const fn = any ? c.fn.slice(4) : c.fn;
    if (any) {
      // col = ANY(array): a list of equality keys
      if (a.kind !== 'column' || !isScanConstant(b)) continue;
      const elemType = elementType(b.type) ?? null;
      if (!elemType || comparisonOf(fn, types[a.index], elemType) !== '=') continue;
      out.push({ col: a.index, op: '=', expr: b, any: true });
      continue;
    }
    if (c.fn.startsWith('all:')) continue;
    if (a.kind === 'column' && isScanConstant(b)) {
      const op = comparisonOf(fn, types[a.index], b.type);
      if (op) out.push({ col: a.index, op, expr: b, any: false });
    } else if (b.kind === 'column' && isScanConstant(a)) {
      const op = comparisonOf(fn, types[b.index], a.type);
      if (op) out.push({ col: b.index, op: FLIP[op], expr: a, any: false });
    }
  }
  return out;
}

/** The best index for a filter over a relation with `types`, or null for a full scan. */
export function chooseAccessPath(pred: Expr, types: readonly SqlType[], indexes: readonly IndexInfo[]): AccessPath | null {
  if (indexes.length === 0) return null;
  const conds = keyConditions(pred, types);
  if (conds.length === 0) return null;
  let best: AccessPath | null = null;
  let bestScore = 0;
  for (const ix of indexes) {
    const eq: AccessPath['eq'] = [];
    for (const col of ix.cols) {
      const c = conds.find((k) => k.col === col && k.op === '=' && !k.any) ?? conds.find((k) => k.col === col && k.op === '=');
      if (!c) break;
      eq.push({ expr: c.expr, any: c.any });
    }
    let lower: RangeBound | null = null;
    let upper: RangeBound | null = null;
    let score: number;
    if (eq.length === ix.cols.length && ix.hash) {
      score = 3 * eq.length + 10; // a point lookup
    } else if (ix.ordered) {
      if (eq.length < ix.cols.length) {
        const next = ix.cols[eq.length];
        for (const k of conds) {
          if (k.col !== next || k.any) continue;
          if ((k.op === '>' || k.op === '>=') && !lower) lower = { expr: k.expr, inclusive: k.op === '>=' };
          if ((k.op === '<' || k.op === '<=') && !upper) upper = { expr: k.expr, inclusive: k.op === '<=' };
        }
      }
      if (eq.length === 0 && !lower && !upper) continue;
      score = 3 * eq.length + (lower ? 1 : 0) + (upper ? 1 : 0) + (eq.length === ix.cols.length ? 1 : 0);
    } else {
      continue;
    }
    if (score > bestScore) {
      bestScore = score;
      best = { index: ix, eq, lower, upper, keyTypes: ix.cols.map((c) => types[c]) };
    }
  }
  return best;
}

/** The filters of a plan that sit over a scan (through column-only projections), with the column map. */
export function scansUnderFilters(plan: Plan, visit: (scan: Plan & { kind: 'scan' }, pred: Expr) => void): void {
  const walk = (p: Plan): void => {
    if (p.kind === 'filter') {
      let q: Plan = p.input;
      let map: number[] | null = null; // filter column → scan column
      while (q.kind === 'project' && q.exprs.every((e) => e.kind === 'column')) {
        const cols = q.exprs.map((e) => (e as { index: number }).index);
        map = map ? map.map((i) => cols[i]) : cols;
        q = q.input;
      }
      if (q.kind === 'scan') {
        const m = map;
        visit(q, m ? remap(p.predicate, m) : p.predicate);
      }
    }
    for (const c of planChildren(p)) walk(c);
  };
  walk(plan);
}

function remap(e: Expr, map: readonly number[]): Expr {
  return remapColumns(e, (i) => map[i]);
}

/** EXPLAIN's line for a scan read through an index: `Index Scan using ix on t (#0 = 5::int4, #1 > $1)`. */
export function accessPathText(relation: string, p: AccessPath): string {
  const conds = p.eq.map((e, k) => `#${p.index.cols[k]} ${e.any ? '= ANY' : '='} ${exprText(e.expr)}`);
  const next = p.index.cols[p.eq.length];
  if (p.lower) conds.push(`#${next} ${p.lower.inclusive ? '>=' : '>'} ${exprText(p.lower.expr)}`);
  if (p.upper) conds.push(`#${next} ${p.upper.inclusive ? '<=' : '<'} ${exprText(p.upper.expr)}`);
  return `Index Scan using ${p.index.name} on ${relation} (${conds.join(', ')})`;
}
