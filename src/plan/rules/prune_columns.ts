// Column pruning: every operator keeps only the columns something above it reads, so state
// (arrangements, join outputs) holds no dead columns. Top-down: each node is asked for a set
// of its output columns and returns a plan producing exactly those, in order.

import { type Expr, columnsUsed, remapColumns } from '../../expr/expr.js';
import { movedWindow, type Plan } from '../logical.js';

export function pruneColumns(p: Plan): Plan {
  return prune(p, p.schema.map((_, i) => i));
}

function prune(p: Plan, req: number[]): Plan {
  switch (p.kind) {
    case 'scan':
      return select(p, req);
    case 'values':
      return { ...p, rows: p.rows.map((r) => req.map((i) => r[i])), schema: req.map((i) => p.schema[i]) };
    case 'filter': {
      const need = union(req, columnsUsed(p.predicate));
      const input = prune(p.input, need);
      const m = indexMap(need);
      const f: Plan = { kind: 'filter', input, predicate: remap(p.predicate, m), schema: input.schema };
      return select(f, req.map((i) => m.get(i)!));
    }
    case 'project': {
      const exprs = req.map((i) => p.exprs[i]);
      const need = union([], ...exprs.map((e) => columnsUsed(e)));
      const input = prune(p.input, need);
      const m = indexMap(need);
      const window = movedWindow(p.window, (c) => req.indexOf(c));
      return { kind: 'project', input, exprs: exprs.map((e) => remap(e, m)), schema: req.map((i) => p.schema[i]), ...(window ? { window } : {}) };
    }
    case 'join': {
      const nl = p.left.schema.length;
      const used = union(req, ...(p.on ? [columnsUsed(p.on)] : []));
      const lneed = union(used.filter((i) => i < nl), ...p.leftKeys.map((e) => columnsUsed(e)));
      const rneed = union(used.filter((i) => i >= nl).map((i) => i - nl), ...p.rightKeys.map((e) => columnsUsed(e)));
      const left = prune(p.left, lneed);
      const right = prune(p.right, rneed);
      const lm = indexMap(lneed);
      const rm = indexMap(rneed);
      const m = new Map<number, number>();
      lneed.forEach((i, k) => m.set(i, k));
      rneed.forEach((i, k) => m.set(i + nl, lneed.length + k));
      const j: Plan = {
        ...p,
        left,
        right,
        on: p.on ? remap(p.on, m) : null,
        leftKeys: p.leftKeys.map((e) => remap(e, lm)),
        rightKeys: p.rightKeys.map((e) => remap(e, rm)),
        schema: [...left.schema, ...right.schema],
      };
      return select(j, req.map((i) => m.get(i)!));
    }
    case 'aggregate': {
      const ng = p.groupBy.length;
      const aggIdx = req.filter((i) => i >= ng).map((i) => i - ng);
      const aggs = aggIdx.map((k) => p.aggs[k]);
      const need = union([], ...p.groupBy.map((e) => columnsUsed(e)), ...aggs.map((a) => (a.arg ? columnsUsed(a.arg) : new Set<number>())));
      const input = prune(p.input, need);
      const m = indexMap(need);
      const a: Plan = {
        kind: 'aggregate',
        input,
        groupBy: p.groupBy.map((e) => remap(e, m)),
        aggs: aggs.map((x) => ({ ...x, arg: x.arg ? remap(x.arg, m) : null })),
        schema: [...p.schema.slice(0, ng), ...aggIdx.map((k) => p.schema[ng + k])],
      };
      const out = new Map<number, number>();
      for (let g = 0; g < ng; g++) out.set(g, g);
      aggIdx.forEach((k, j) => out.set(ng + k, ng + j));
      return select(a, req.map((i) => out.get(i)!));
    }
    case 'union':
      return { ...p, inputs: p.inputs.map((i) => prune(i, req)), schema: req.map((i) => p.schema[i]) };
    case 'setop': {
      // set operations compare whole rows: both inputs keep every column
      const all = p.schema.map((_, i) => i);
      return select({ ...p, left: prune(p.left, all), right: prune(p.right, all) }, req);
    }
    case 'window':
    case 'project_set': {
      // window calls and set-returning functions read arbitrary input columns, and their
      // outputs are appended: keep every input column and every call
      const all = p.input.schema.map((_, i) => i);
      return select({ ...p, input: prune(p.input, all) } as Plan, req);
    }
    case 'distinct':
    case 'sort':
    case 'limit': {
      // these read every column of their input (sort: keys may be hidden columns)
      const all = p.schema.map((_, i) => i);
      const inner = { ...p, input: prune(p.input, all) } as Plan;
      return select(inner, req);
    }
  }
}

/** A projection of `p` onto columns `cols`, or `p` itself when that is all of them in order. */
function select(p: Plan, cols: number[]): Plan {
  if (cols.length === p.schema.length && cols.every((c, i) => c === i)) return p;
  return {
    kind: 'project',
    input: p,
    exprs: cols.map((c): Expr => ({ kind: 'column', index: c, type: p.schema[c].type })),
    schema: cols.map((c) => p.schema[c]),
  };
}

function union(base: number[], ...sets: Set<number>[]): number[] {
  const s = new Set(base);
  for (const x of sets) for (const i of x) s.add(i);
  return [...s].sort((a, b) => a - b);
}

function indexMap(cols: number[]): Map<number, number> {
  return new Map(cols.map((c, k) => [c, k]));
}

function remap(e: Expr, m: Map<number, number>): Expr {
  return remapColumns(e, (i) => m.get(i)!);
}
