// DDL inside a transaction (a BEGIN block, or several statements of one query string) is part
// of it, as in PostgreSQL: it takes effect at once for the transaction, holds the names it
// creates or drops until the transaction ends (another transaction touching them gets 55P03,
// where PostgreSQL would make it wait), and is undone if the transaction rolls back, or rolls
// back to a savepoint made before it.

import type { TableEntry } from '../catalog/catalog.js';
import { SqlError, SQLSTATE } from '../errors.js';
import type { Engine } from './engine.js';
import { removeIndex, restoreIndex, type Dropper } from './ddl.js';
import type { StatementResult } from './statement.js';
import type { Transaction } from './transaction.js';

/** Run a DDL statement (`run`, given the dropper DROP must use) as part of `txn` (`inBlock`: a BEGIN block or several statements). */
export function ddlInTransaction(engine: Engine, txn: Transaction, tag: string, run: (dropper?: Dropper) => StatementResult, inBlock: boolean): StatementResult {
  const hold = (names: string[], undo: () => void) => {
    txn.hold(names, engine.catalog);
    txn.ddl.push(undo);
  };
  if (tag === 'DropStmt') {
    return run({
      relation: (name, cascade) => {
        // a stopped consumer cannot be rolled back, so a source's table is dropped on its own
        const fed = inBlock && engine.catalog.dropOrder(name).find((e) => e.kind === 'table' && e.feed);
        if (fed) throw new SqlError(SQLSTATE.ACTIVE_SQL_TRANSACTION, `DROP TABLE of a table fed by a source ("${fed.name}") cannot run inside a transaction block`);
        const r = engine.dropUndoable(name, cascade);
        const tables = r.dropped.filter((e): e is TableEntry => e.kind === 'table');
        for (const t of tables) txn.dropped.add(t);
        hold(
          r.dropped.map((e) => e.name),
          () => {
            r.undo();
            for (const t of tables) txn.dropped.delete(t);
          },
        );
        return r.dropped;
      },
      // PostgreSQL's DROP INDEX locks the table too; here that keeps a UNIQUE index restorable
      index: (ix) => hold([ix.name, ix.relation], () => restoreIndex(engine, ix)),
    });
  }
  const relations = new Set(engine.catalog.all().map((e) => e.name));
  const indexes = new Set(engine.catalog.indexes.keys());
  try {
    return run();
  } finally {
    // whatever the statement created, even if it then failed, is undone with the transaction
    const created = engine.catalog.all().filter((e) => !relations.has(e.name));
    const createdIndexes = [...engine.catalog.indexes.values()].filter((ix) => !indexes.has(ix.name) && !created.some((e) => e.name === ix.relation));
    if (created.length > 0 || createdIndexes.length > 0) {
      hold([...created.map((e) => e.name), ...createdIndexes.map((ix) => ix.name)], () => {
        for (const ix of createdIndexes) removeIndex(engine, ix.name);
        for (const e of [...created].reverse()) {
          if (engine.catalog.get(e.name) !== e) continue;
          engine.drop(e.name, true);
          if (e.kind === 'table') txn.dropped.add(e);
        }
      });
    }
  }
}
