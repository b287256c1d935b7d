import type { Plan } from '../logical.js';

/** Rebuild a plan node with each child replaced by f(child). */
export function mapPlanChildren(p: Plan, f: (c: Plan) => Plan): Plan {
  switch (p.kind) {
    case 'scan':
    case 'values':
      return p;
    case 'join':
    case 'setop':
      return { ...p, left: f(p.left), right: f(p.right) };
    case 'union':
      return { ...p, inputs: p.inputs.map(f) };
    default:
      return { ...p, input: f(p.input) } as Plan;
  }
}

/** Apply f to every expression held directly by a node. */
export function mapPlanExprs(p: Plan, f: (e: import('../../expr/expr.js').Expr) => import('../../expr/expr.js').Expr): Plan {
  switch (p.kind) {
    case 'filter':
      return { ...p, predicate: f(p.predicate) };
    case 'project':
      return { ...p, exprs: p.exprs.map(f) };
    case 'values':
      return { ...p, rows: p.rows.map((r) => r.map(f)) };
    case 'join':
      return { ...p, on: p.on ? f(p.on) : null, leftKeys: p.leftKeys.map(f), rightKeys: p.rightKeys.map(f) };
    case 'aggregate':
      return { ...p, groupBy: p.groupBy.map(f), aggs: p.aggs.map((a) => ({ ...a, arg: a.arg ? f(a.arg) : null })) };
    case 'sort':
      return { ...p, keys: p.keys.map((k) => ({ ...k, expr: f(k.expr) })) };
    case 'limit':
      return { ...p, limit: p.limit ? f(p.limit) : null, offset: p.offset ? f(p.offset) : null };
    case 'window':
      return {
        ...p,
        calls: p.calls.map((c) => ({
          ...c,
          args: c.args.map(f),
          partitionBy: c.partitionBy.map(f),
          orderBy: c.orderBy.map((k) => ({ ...k, expr: f(k.expr) })),
          frame: { ...c.frame, start: { ...c.frame.start, offset: c.frame.start.offset && f(c.frame.start.offset) }, end: { ...c.frame.end, offset: c.frame.end.offset && f(c.frame.end.offset) } },
        })),
      };
    case 'project_set':
      return { ...p, calls: p.calls.map((c) => ({ ...c, args: c.args.map(f) })) };
    default:
      return p;
  }
}
