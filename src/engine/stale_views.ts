// A materialized view holds the latest commit's contents. A transaction that sees the tables
// otherwise (its own uncommitted changes, or a REPEATABLE READ / SERIALIZABLE snapshot that
// later commits have passed, or a snapshot taken before the clock moved views that follow it)
// computes the view's query over the tables as it sees them instead, which is what
// PostgreSQL's semantics of the query give.

import type { Plan } from '../plan/logical.js';
import { mapPlanChildren } from '../plan/rules/walk.js';
import type { Engine } from './engine.js';
import type { Transaction } from './transaction.js';

/** `plan` with the materialized views the transaction cannot read as they are replaced by their queries. */
export function inlineStaleViews(engine: Engine, plan: Plan, txn: Transaction): Plan {
  const stale = staleViews(engine, txn);
  if (stale.size === 0) return plan;
  const inline = (p: Plan): Plan => {
    if (p.kind === 'scan' && stale.has(p.relation)) {
      const mv = engine.catalog.get(p.relation);
      if (mv?.kind === 'materialized view') return inline({ ...mv.plan, schema: p.schema } as Plan);
    }
    return mapPlanChildren(p, inline);
  };
  return inline(plan);
}

function staleViews(engine: Engine, txn: Transaction): Set<string> {
  const stale = new Set<string>();
  if (!txn.hasWrites && txn.snapshot === null) return stale;
  // the clock has moved since the snapshot: views that follow it are computed at its time
  if (txn.snapshotClock !== null && txn.snapshotClock < engine.clock.current) {
    for (const e of engine.catalog.all()) if (engine.followsClock(e.name)) stale.add(e.name);
  }
  for (const e of engine.catalog.all()) {
    if (e.kind !== 'table') continue;
    if (txn.touches(e) || txn.pastOf(e) !== null) for (const v of engine.viewsReading(e.name)) stale.add(v);
  }
  return stale;
}
