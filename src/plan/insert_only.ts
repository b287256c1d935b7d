// Which plans only ever insert: an append-only table (it takes INSERTs only, and its rows are
// never updated or deleted), or VALUES, through filters, projections, UNION ALL and inner
// joins; in an ad-hoc read, any relation.
// Aggregates over them need no way to retract a value: MIN and MAX keep only the extreme
// (dataflow/min_max.ts). A temporal filter retracts rows as the clock passes them, so it ends
// the chain. An inner join of two such inputs lists each new pair once, with the product of
// two positive weights (ΔA⋈B_old + A_new⋈ΔB, operators/join.ts); a gated one (a scalar
// subquery's) may take rows back.

import type { Catalog } from '../catalog/catalog.js';
import type { Plan } from './logical.js';
import { splitTemporal } from './temporal_filter.js';

/** A maintained view's plan: its scans of append-only tables only insert. */
export function insertOnly(p: Plan, catalog: Catalog): boolean {
  return onlyInserts(p, (scan) => {
    const t = catalog.get(scan.relation);
    return t?.kind === 'table' && t.appendOnly === true;
  }, false);
}

/**
 * An ad-hoc read's plan: its leaves give their rows once, as inserts, and its clock does not
 * move, so a temporal filter takes nothing back either. Then the outputs of a chunked read's
 * chunks are final rows and can be sent as they come.
 */
export function readInsertsOnly(p: Plan): boolean {
  return onlyInserts(p, () => true, true);
}

function onlyInserts(p: Plan, scanInserts: (scan: Extract<Plan, { kind: 'scan' }>) => boolean, fixedClock: boolean): boolean {
  const rec = (q: Plan): boolean => onlyInserts(q, scanInserts, fixedClock);
  switch (p.kind) {
    case 'scan':
      return scanInserts(p);
    case 'values':
      return true; // given once
    case 'filter':
      return (fixedClock || splitTemporal(p.predicate).bounds.length === 0) && rec(p.input);
    case 'project':
      return rec(p.input);
    case 'union':
      return p.inputs.every(rec);
    case 'join':
      return p.type === 'inner' && !p.gate && rec(p.left) && rec(p.right);
    default:
      return false;
  }
}
