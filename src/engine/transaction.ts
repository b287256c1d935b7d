// A session's open transaction: its pending changes per table, and the view of each table
// that the session reads (committed rows minus its deletes plus its inserts).

import type { TableEntry } from '../catalog/catalog.js';
import { BatchBuilder, type Batch } from '../dataflow/batch.js';
import type { Row } from '../expr/value.js';
import type { TableChanges } from './engine.js';
import { duplicateKey } from './engine.js';
import type { UniqueIndex } from '../storage/table_store.js';

/** A row the transaction can see: committed (id >= 0) or pending (id < 0). */
export interface VisibleRow {
  id: number;
  row: Row;
}

class PendingTable {
  readonly deletes = new Set<number>();
  readonly inserts = new Map<number, Row>();
  /** Per unique index of the table (same order): key → pending row id. */
  readonly pendingKeys = new Map<UniqueIndex, Map<unknown, number>>();
  keys(u: UniqueIndex): Map<unknown, number> {
    let m = this.pendingKeys.get(u);
    if (!m) this.pendingKeys.set(u, (m = new Map()));
    return m;
  }
}

export class Transaction {
  private tables = new Map<TableEntry, PendingTable>();
  private nextLocal = -1;
  /** True for BEGIN … COMMIT blocks; false for a single autocommit statement. */
  constructor(readonly explicit: boolean) {}
  /** Set when a statement failed inside an explicit block: PostgreSQL's aborted state. */
  failed = false;

  get hasWrites(): boolean {
    for (const p of this.tables.values()) if (p.deletes.size || p.inserts.size) return true;
    return false;
  }

  touches(table: TableEntry): boolean {
    const p = this.tables.get(table);
    return !!p && (p.deletes.size > 0 || p.inserts.size > 0);
  }

  private pending(t: TableEntry): PendingTable {
    let p = this.tables.get(t);
    if (!p) this.tables.set(t, (p = new PendingTable()));
    return p;
  }

  /** Every row of `t` this transaction sees, in storage order then insertion order. */
  visibleRows(t: TableEntry): VisibleRow[] {
    const p = this.tables.get(t);
    const out: VisibleRow[] = [];
    for (const id of t.store.liveIds()) if (!p?.deletes.has(id)) out.push({ id, row: t.store.row(id) });
    if (p) for (const [id, row] of p.inserts) out.push({ id, row });
    return out;
  }

  /** The visible rows whose primary key is `key` (at most one committed, plus pending ones). */
  rowsWithKey(t: TableEntry, key: unknown): VisibleRow[] {
    return t.store.uniques.length ? this.rowsWithUniqueKey(t, t.store.uniques[0], key) : [];
  }

  /** The visible rows with `key` in unique index `u`. */
  rowsWithUniqueKey(t: TableEntry, u: UniqueIndex, key: unknown): VisibleRow[] {
    const p = this.tables.get(t);
    const out: VisibleRow[] = [];
    const id = u.map.get(key);
    if (id !== undefined && !p?.deletes.has(id)) out.push({ id, row: t.store.row(id) });
    const local = p?.keys(u).get(key);
    if (local !== undefined) out.push({ id: local, row: p!.inserts.get(local)! });
    return out;
  }

  contents(t: TableEntry): Batch {
    const p = this.tables.get(t);
    if (!p || (p.deletes.size === 0 && p.inserts.size === 0)) return t.store.scan();
    const b = new BatchBuilder(t.store.types, t.store.size + p.inserts.size);
    for (const v of this.visibleRows(t)) b.push(v.row, 1);
    return b.finish();
  }

  /** Insert a row (checking unique keys); returns its pending id. */
  insert(t: TableEntry, row: Row): number {
    const p = this.pending(t);
    const keys = t.store.uniques.map((u) => u.keyOf(row));
    t.store.uniques.forEach((u, k) => {
      const key = keys[k];
      if (key === undefined) return;
      const committed = u.map.get(key);
      if ((committed !== undefined && !p.deletes.has(committed)) || p.keys(u).has(key)) throw duplicateKey(t, u, row);
    });
    const id = this.nextLocal--;
    p.inserts.set(id, row);
    t.store.uniques.forEach((u, k) => {
      if (keys[k] !== undefined) p.keys(u).set(keys[k], id);
    });
    return id;
  }

  delete(t: TableEntry, id: number): void {
    const p = this.pending(t);
    if (id >= 0) {
      p.deletes.add(id);
      return;
    }
    const row = p.inserts.get(id);
    p.inserts.delete(id);
    if (row) {
      for (const u of t.store.uniques) {
        const key = u.keyOf(row);
        if (key !== undefined) p.keys(u).delete(key);
      }
    }
  }

  changes(): Map<TableEntry, TableChanges> {
    const out = new Map<TableEntry, TableChanges>();
    for (const [t, p] of this.tables) {
      if (p.deletes.size === 0 && p.inserts.size === 0) continue;
      out.set(t, { deletes: [...p.deletes], inserts: [...p.inserts.values()] });
    }
    return out;
  }

  /** Forget pending changes of dropped tables. */
  forget(t: TableEntry): void {
    this.tables.delete(t);
  }
}
