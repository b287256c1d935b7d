// Join ordering for chains of inner (and cross) joins: the FROM list's order is not a good
// join order when predicates link relations far apart (FROM t1, t2, t3 WHERE t1.a = t3.a AND
// t3.b = t2.b would cross t1 with t2 first). The chain is flattened into its relations and
// conjuncts and rebuilt left-deep, greedily adding next a relation that an equality links to
// those already joined, so no cross product is formed while the join graph is connected.
// Each conjunct is attached to the first join where all its relations are present, and a
// projection restores the original column order.

import { type Expr, columnsUsed, conjuncts, remapColumns } from '../../expr/expr.js';
import type { Plan } from '../logical.js';
import { andOf } from './pushdown.js';
import { mapPlanChildren } from './walk.js';

interface Leaf {
  plan: Plan;
  /** First column of this relation in the chain's original layout. */
  offset: number;
  width: number;
}

export function reorderJoins(p: Plan): Plan {
  // an inner-join chain, possibly under a filter
  if (p.kind === 'filter' && isInnerJoin(p.input)) return rebuild(p.input, conjuncts(p.predicate)) ?? mapPlanChildren(p, reorderJoins);
  if (isInnerJoin(p)) return rebuild(p, []) ?? mapPlanChildren(p, reorderJoins);
  return mapPlanChildren(p, reorderJoins);
}

function isInnerJoin(p: Plan): p is Extract<Plan, { kind: 'join' }> {
  // a gated join is a unit: which side gates the other must not change
  return p.kind === 'join' && p.type === 'inner' && p.leftKeys.length === 0 && !p.gate;
}

function flatten(p: Plan, offset: number, leaves: Leaf[], conds: Expr[]): void {
  if (isInnerJoin(p)) {
    flatten(p.left, offset, leaves, conds);
    flatten(p.right, offset + p.left.schema.length, leaves, conds);
    if (p.on) for (const c of conjuncts(p.on)) conds.push(remapColumns(c, (i) => i + offset));
    return;
  }
  leaves.push({ plan: reorderJoins(p), offset, width: p.schema.length });
}

function rebuild(root: Extract<Plan, { kind: 'join' }>, extra: Expr[]): Plan | null {
  const leaves: Leaf[] = [];
  const conds: Expr[] = [...extra];
  flatten(root, 0, leaves, conds);
  if (leaves.length < 3) return null; // two relations have only one order
  const leafOf = (col: number) => leaves.findIndex((l) => col >= l.offset && col < l.offset + l.width);
  const condLeaves = conds.map((c) => new Set([...columnsUsed(c)].map(leafOf)));
  const links = (a: number, joined: Set<number>) =>
    conds.some((c, k) => isEquality(c) && condLeaves[k].has(a) && condLeaves[k].size > 1 && [...condLeaves[k]].every((l) => l === a || joined.has(l)));

  const order: number[] = [0];
  const joined = new Set([0]);
  while (order.length < leaves.length) {
    let next = -1;
    for (let l = 0; l < leaves.length && next < 0; l++) if (!joined.has(l) && links(l, joined)) next = l;
    if (next < 0) next = [...leaves.keys()].find((l) => !joined.has(l))!;
    order.push(next);
    joined.add(next);
  }
  if (order.every((l, k) => l === k)) return null; // already in a good order

  // position of each original column in the new layout
  const newPos = new Map<number, number>();
  let pos = 0;
  for (const l of order) for (let c = 0; c < leaves[l].width; c++) newPos.set(leaves[l].offset + c, pos++);
  const remap = (e: Expr) => remapColumns(e, (i) => newPos.get(i)!);

  const attached = new Set<number>();
  const present = new Set<number>();
  let plan: Plan | null = null;
  for (const l of order) {
    present.add(l);
    const leaf = leaves[l].plan;
    if (plan === null) {
      plan = leaf;
      continue;
    }
    const on: Expr[] = [];
    conds.forEach((c, k) => {
      if (!attached.has(k) && [...condLeaves[k]].every((x) => present.has(x))) {
        attached.add(k);
        on.push(remap(c));
      }
    });
    plan = {
      kind: 'join',
      type: 'inner',
      left: plan,
      right: leaf,
      on: andOf(on),
      leftKeys: [],
      rightKeys: [],
      schema: [...plan.schema, ...leaf.schema],
    };
  }
  const rest = conds.filter((_, k) => !attached.has(k)).map(remap);
  if (rest.length) plan = { kind: 'filter', input: plan!, predicate: andOf(rest)!, schema: plan!.schema };
  const width = root.schema.length;
  return {
    kind: 'project',
    input: plan!,
    exprs: Array.from({ length: width }, (_, i): Expr => ({ kind: 'column', index: newPos.get(i)!, type: root.schema[i].type })),
    schema: root.schema,
  };
}

function isEquality(e: Expr): boolean {
  return e.kind === 'call' && e.args.length === 2 && /eq$/.test(e.fn);
}
