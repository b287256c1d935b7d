// Projection merging: a projection over a projection becomes one (by substituting the inner
// expressions), and a projection that returns its input unchanged disappears. Binding and
// column pruning both introduce such stacks; each would otherwise cost an operator.

import { type Expr, children, substituteColumns } from '../../expr/expr.js';
import { movedWindow, type Plan } from '../logical.js';
import { isPure } from './pushdown.js';
import { mapPlanChildren } from './walk.js';

type Project = Extract<Plan, { kind: 'project' }>;

export function mergeProjections(p: Plan): Plan {
  const q = mapPlanChildren(p, mergeProjections);
  if (q.kind !== 'project') return q;
  const input = q.input;
  if (isIdentity(q.exprs, input.schema.length)) return { ...input, schema: q.schema } as Plan;
  if (input.kind === 'project' && q.exprs.every(isPure) && input.exprs.every(isPure) && !duplicatesWork(q, input)) {
    // the inner projection's windows, where the outer one passes them on unchanged (TUMBLE/HOP)
    const window = q.window ?? movedWindow(input.window, (c) => q.exprs.findIndex((e) => e.kind === 'column' && e.index === c));
    return { ...q, input: input.input, exprs: q.exprs.map((e) => substituteColumns(e, input.exprs)), ...(window ? { window } : {}) };
  }
  return q;
}

function isIdentity(exprs: Expr[], width: number): boolean {
  return exprs.length === width && exprs.every((e, i) => e.kind === 'column' && e.index === i);
}

/** Do not inline a computed inner expression that the outer projection reads more than once. */
function duplicatesWork(outer: Project, inner: Project): boolean {
  const uses = new Map<number, number>();
  const visit = (e: Expr): void => {
    if (e.kind === 'column') uses.set(e.index, (uses.get(e.index) ?? 0) + 1);
    else children(e).forEach(visit);
  };
  outer.exprs.forEach(visit);
  for (const [i, n] of uses) {
    const k = inner.exprs[i].kind;
    if (n > 1 && k !== 'column' && k !== 'literal') return true;
  }
  return false;
}
