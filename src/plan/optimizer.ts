// The optimizer: a fixed sequence of small rewrite rules over logical plans (rules/*.ts).

import type { Plan } from './logical.js';
import { foldPlan } from './rules/fold_constants.js';
import { pushDownPredicates } from './rules/pushdown.js';
import { reorderJoins } from './rules/reorder_joins.js';
import { extractJoinKeys } from './rules/join_keys.js';
import { pruneColumns } from './rules/prune_columns.js';
import { mergeProjections } from './rules/merge_projections.js';
import { orderQuals } from './rules/order_quals.js';
import { liftProjections } from './rules/lift_projections.js';

export function optimize(p: Plan): Plan {
  let q = foldPlan(p);
  q = liftProjections(q);
  q = reorderJoins(q);
  q = pushDownPredicates(q);
  q = extractJoinKeys(q);
  q = pruneColumns(q);
  q = mergeProjections(q);
  q = orderQuals(q);
  return q;
}
