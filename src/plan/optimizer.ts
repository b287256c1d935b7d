// The optimizer: a fixed sequence of small rewrite rules over logical plans (rules/*.ts).

import type { Plan } from './logical.js';
import { foldConstants } from './rules/fold_constants.js';
import { pushDownPredicates } from './rules/pushdown.js';
import { reorderJoins } from './rules/reorder_joins.js';
import { extractJoinKeys } from './rules/join_keys.js';
import { mapPlanChildren, mapPlanExprs } from './rules/walk.js';
import { pruneColumns } from './rules/prune_columns.js';
import { mergeProjections } from './rules/merge_projections.js';

export function optimize(p: Plan): Plan {
  let q = foldAll(p);
  q = reorderJoins(q);
  q = pushDownPredicates(q);
  q = extractJoinKeys(q);
  q = pruneColumns(q);
  q = mergeProjections(q);
  return q;
}

function foldAll(p: Plan): Plan {
  const q = mapPlanExprs(mapPlanChildren(p, foldAll), foldConstants);
  // WHERE true (often what folding leaves) filters nothing
  if (q.kind === 'filter' && q.predicate.kind === 'literal' && q.predicate.value === true) return q.input;
  return q;
}
