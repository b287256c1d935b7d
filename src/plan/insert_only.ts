// Which plans only ever insert: an append-only table (it takes INSERTs only, and its rows are
// never updated or deleted) through filters, projections, UNION ALL and inner joins.
// Aggregates over them need no way to retract a value: MIN and MAX keep only the extreme
// (dataflow/min_max.ts). A temporal filter retracts rows as the clock passes them, so it ends
// the chain. An inner join of two such inputs lists each new pair once, with the product of
// two positive weights (ΔA⋈B_old + A_new⋈ΔB, operators/join.ts); a gated one (a scalar
// subquery's) may take rows back.

import type { Catalog } from '../catalog/catalog.js';
import type { Plan } from './logical.js';
import { splitTemporal } from './temporal_filter.js';

export function insertOnly(p: Plan, catalog: Catalog): boolean {
  switch (p.kind) {
    case 'scan': {
      const t = catalog.get(p.relation);
      return t?.kind === 'table' && t.appendOnly === true;
    }
    case 'filter':
      return splitTemporal(p.predicate).bounds.length === 0 && insertOnly(p.input, catalog);
    case 'project':
      return insertOnly(p.input, catalog);
    case 'union':
      return p.inputs.every((i) => insertOnly(i, catalog));
    case 'join':
      return p.type === 'inner' && !p.gate && insertOnly(p.left, catalog) && insertOnly(p.right, catalog);
    default:
      return false;
  }
}
