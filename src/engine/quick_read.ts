// Reads that an index narrows to a few rows (Materialize's "fast path peeks"): a point or short
// range read of one table or materialized view, through filters and projections. They are
// answered at once, without the slicing a long read needs: the candidate rows come from the
// index, the filters and projection are evaluated on them row by row, as FilterOp and MapOp
// would, and the read is done. Anything else, or more candidates than QUICK_ROWS, is left to
// the general read (Engine.readWork), which gives the same rows.

import type { Plan } from '../plan/logical.js';
import type { Row, Value } from '../expr/value.js';
import { remapColumns, type Expr } from '../expr/expr.js';
import { compileExpr, compileQual } from '../expr/compile.js';
import { rowAt, type Batch } from '../dataflow/batch.js';
import { readsClock } from '../plan/temporal_filter.js';
import { finishRead, splitRead } from './read.js';
import { tableCandidates } from './index_read.js';
import type { TableReader } from './transaction.js';
import type { Engine } from './engine.js';
import { internalError } from '../errors.js';

/** More candidate rows than this are read in slices (a long range is no peek). */
export const QUICK_ROWS = 1024;

type Scan = Plan & { kind: 'scan' };

/**
 * A read's body as a scan, the filters over it (lowest first) and the projection on top,
 * with every expression over the scan's columns: projections that only pick columns (the
 * optimizer puts them below filters) are folded in. Null for any other shape.
 */
interface Shape {
  scan: Scan;
  filters: Expr[];
  project: Expr[] | null;
}

/** Shapes of cached plans' bodies (the same objects come back at each execution). */
const shapes = new WeakMap<Plan, Shape | null>();

function shapeOf(body: Plan): Shape | null {
  let s = shapes.get(body);
  if (s === undefined) shapes.set(body, (s = findShape(body)));
  return s;
}

function findShape(body: Plan): Shape | null {
  const chain: Plan[] = [];
  let p = body;
  while (p.kind === 'filter' || p.kind === 'project') {
    chain.push(p);
    p = p.input;
  }
  if (p.kind !== 'scan') return null;
  // columns of the current level as columns of the scan
  let map: number[] | null = null;
  const over = (e: Expr) => (map === null ? e : remapColumns(e, (i) => map![i]));
  const filters: Expr[] = [];
  let project: Expr[] | null = null;
  for (let k = chain.length - 1; k >= 0; k--) {
    const n = chain[k];
    if (n.kind === 'filter') {
      if (project) return null;
      filters.push(over(n.predicate));
    } else if (n.kind === 'project') {
      if (project) return null;
      if (n.exprs.every((e) => e.kind === 'column')) map = n.exprs.map((e) => (map === null ? (e as { index: number }).index : map[(e as { index: number }).index]));
      else project = n.exprs.map(over);
    }
  }
  if (!project && map) project = map.map((i, k) => ({ kind: 'column', index: i, type: body.schema[k].type }) as Expr);
  return { scan: p, filters, project };
}

/**
 * The rows of `plan` when an index narrows its one scan to at most QUICK_ROWS candidates;
 * null when it does not (nothing was read then but the candidates). Errors are the general
 * read's: the caller runs that instead whenever this throws.
 */
export function quickRead(engine: Engine, plan: Plan, params: readonly Value[], tables: TableReader): Row[] | null {
  // views that follow the clock, and reads of them while a tick fails, take the general path
  if (engine.ticks.error !== null || readsClock(plan)) return null;
  const { body, finish } = splitRead(plan);
  const shape = shapeOf(body);
  if (!shape) return null;
  const path = engine.accessPaths(body).find((a) => a.scan === shape.scan)?.path;
  if (!path) return null;
  const e = engine.catalog.resolve(shape.scan.relation);
  let rows: Batch | null = null;
  // the index stops as soon as there are more candidates than a quick read takes
  if (e.kind === 'table') rows = tableCandidates(e, path, params, tables, QUICK_ROWS);
  else if (e.kind === 'materialized view') {
    tables.noteRead?.(e);
    rows = engine.viewIndexCandidates(path, params, QUICK_ROWS);
  }
  // (a transaction's own inserts come on top of the index's rows)
  if (rows === null || rows.length > QUICK_ROWS) return null;
  // What FilterOp and MapOp compute, row by row: each filter in turn, then the projection of
  // the rows that pass (a row of a view may carry a weight above 1: that many copies)
  const quals = shape.filters.map((f) => compileQual(f, params));
  const exprs = shape.project?.map((x) => compileExpr(x, params)) ?? null;
  const out: Row[] = [];
  next: for (let i = 0; i < rows.length; i++) {
    for (let q = 0; q < quals.length; q++) if (quals[q](rows, i) !== true) continue next;
    const w = rows.weights[i];
    if (w <= 0) throw internalError('a read through an index found a retracted row');
    let row: Row;
    if (exprs === null) row = rowAt(rows, i);
    else {
      row = new Array(exprs.length);
      for (let k = 0; k < exprs.length; k++) row[k] = exprs[k](rows, i);
    }
    for (let k = 0; k < w; k++) out.push(k === 0 ? row : row.slice());
  }
  if (finish.sort === null && finish.limit === null && finish.columns === null) return out;
  const types = shape.project?.map((x) => x.type) ?? shape.scan.schema.map((f) => f.type);
  return finishRead(out, finish, params, types);
}

/** quickRead, or null when it fails too (the general read then reports the error). */
export function quickReadOrNull(engine: Engine, plan: Plan, params: readonly Value[], tables: TableReader): Row[] | null {
  try {
    return quickRead(engine, plan, params, tables);
  } catch {
    return null;
  }
}
