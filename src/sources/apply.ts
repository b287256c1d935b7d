// A poll's row changes as one transaction's changes to the table: upserts and deletes are
// resolved by primary key against the committed rows, and within the poll the last change
// of a key wins, so a poll is applied as the net effect of its messages in order.

import type { TableEntry } from '../catalog/catalog.js';
import type { TableChanges } from '../engine/engine.js';
import { compositeKeyFn } from '../expr/compare.js';
import type { Row } from '../expr/value.js';
import type { RowChange } from './types.js';

/** A change that cannot be applied: its index in the poll and why. */
export interface ChangeError {
  index: number;
  reason: string;
}

/** `partitionOf`: the partition of change i's message (a partitioned watermark needs each insert's). */
export function tableChanges(table: TableEntry, changes: readonly RowChange[], errors: ChangeError[], partitionOf?: (i: number) => number): TableChanges {
  const store = table.store;
  const inserts: Row[] = [];
  if (!table.primaryKey) {
    // no key: only appends are meaningful (the decoders emit nothing else for such tables)
    const partitions: number[] | undefined = partitionOf && table.watermark ? [] : undefined;
    for (let i = 0; i < changes.length; i++) {
      const c = changes[i];
      if (c.kind !== 'insert') continue;
      inserts.push(c.row);
      partitions?.push(partitionOf!(i));
    }
    return { deletes: [], inserts, partitions };
  }
  // key → the row it has at the end of the poll (null: deleted)
  const net = new Map<unknown, Row | null>();
  for (let i = 0; i < changes.length; i++) {
    const c = changes[i];
    switch (c.kind) {
      case 'insert': {
        const k = store.pkOf(c.row);
        const now = net.has(k) ? net.get(k) : store.lookupPk(k) !== undefined ? true : null;
        if (now) errors.push({ index: i, reason: `duplicate key value violates unique constraint "${table.name}_pkey"` });
        else net.set(k, c.row);
        break;
      }
      case 'upsert':
        net.set(store.pkOf(c.row), c.row);
        break;
      case 'delete':
        net.set(store.pkOf(c.key), null);
        break;
      case 'update': {
        const before = store.pkOf(c.before);
        const after = store.pkOf(c.row);
        if (before !== after) net.set(before, null);
        net.set(after, c.row);
        break;
      }
    }
  }
  const deletes: number[] = [];
  const identity = compositeKeyFn(store.types, 'identity');
  for (const [k, row] of net) {
    const id = store.lookupPk(k);
    if (id !== undefined) {
      // a message repeating the present row (a redelivered snapshot) changes nothing
      if (row && identity(store.row(id)) === identity(row)) continue;
      deletes.push(id);
    }
    if (row) inserts.push(row);
  }
  return { deletes, inserts };
}
