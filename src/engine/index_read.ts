// Reading a relation through an index (plan/access_path.ts chose which): the candidate rows a
// read's filter is then checked on. Tables answer from their unique hash indexes and ordered
// indexes, seen through the reading transaction (its deletes hidden, its inserts added);
// materialized views from the ordered arrangements their indexes keep.

import type { TableEntry } from '../catalog/catalog.js';
import type { AccessPath, IndexInfo } from '../plan/access_path.js';
import type { Value } from '../expr/value.js';
import { evalConstant } from '../expr/compile.js';
import { PgArray } from '../expr/array.js';
import { BatchBuilder, type Batch } from '../dataflow/batch.js';
import type { Bound } from '../dataflow/ordered_index.js';
import type { TableReader } from './transaction.js';
import type { SqlType } from '../sql/types.js';
import type { OrderedArrangement } from '../dataflow/ordered_arrangement.js';

/** More key combinations than this (IN lists on several columns) are read by a full scan. */
const MAX_KEYS = 10_000;
/** An ordered-index read of more than max(this, an eighth of the table) rows falls back to a full scan. */
const UNSELECTIVE_MIN = 4096;

/** The indexes of a table an access path may use. */
export function tableIndexes(t: TableEntry): IndexInfo[] {
  const hashNames = new Set(t.store.uniques.map((u) => u.name));
  const out: IndexInfo[] = t.store.ordered.map((ix) => ({ name: ix.name, cols: ix.cols, hash: hashNames.has(ix.name), ordered: true }));
  // a source's primary key is hashed only (TableStore's orderedPk)
  for (const u of t.store.uniques) if (!out.some((ix) => ix.name === u.name)) out.push({ name: u.name, cols: u.cols, hash: true, ordered: false });
  return out;
}

/**
 * Key values of a path, evaluated now: a list of key tuples for the equality prefix (several
 * with `= ANY`), plus range bounds. Null: evaluation failed or a value does not convert
 * exactly to its column's type, so the caller reads everything (and the filter decides,
 * raising the error where a full scan would). 'empty': no row can match (a NULL key).
 */
function evaluateKeys(path: AccessPath, params: readonly Value[]): { keys: Value[][]; lower: Bound | null; upper: Bound | null } | null | 'empty' {
  try {
    let keys: Value[][] = [[]];
    for (let k = 0; k < path.eq.length; k++) {
      const e = path.eq[k];
      const v = evalConstant(e.expr, params);
      if (v === null) return 'empty';
      const values = e.any ? (v as PgArray).elems.filter((x) => x !== null) : [v];
      const conv: Value[] = [];
      for (const x of values) {
        const c = convert(x, e.expr.type, path.keyTypes[k], e.any);
        if (c === undefined) return null;
        if (c !== OUT_OF_RANGE) conv.push(c);
      }
      if (conv.length === 0) return 'empty';
      if (keys.length * conv.length > MAX_KEYS) return null;
      if (keys.length === 1 && conv.length === 1) keys[0].push(conv[0]); // the usual lookup: one key
      else keys = keys.flatMap((prefix) => conv.map((c) => [...prefix, c]));
    }
    const bound = (b: AccessPath['lower']): Bound | null | 'empty' | undefined => {
      if (!b) return null;
      const v = evalConstant(b.expr, params);
      if (v === null) return 'empty';
      const c = convert(v, b.expr.type, path.keyTypes[path.eq.length], false);
      if (c === undefined || c === OUT_OF_RANGE) return undefined; // clamping is not worth it: read all
      return { value: c, inclusive: b.inclusive };
    };
    const lower = bound(path.lower);
    const upper = bound(path.upper);
    if (lower === 'empty' || upper === 'empty') return 'empty';
    if (lower === undefined || upper === undefined) return null;
    return { keys, lower, upper };
  } catch {
    return null;
  }
}

const OUT_OF_RANGE = Symbol('out of range');

/** A key value in its column's type: only integer widths differ (access_path.ts allows no other mix). */
function convert(v: Value, from: SqlType, to: SqlType, element: boolean): Value | undefined | typeof OUT_OF_RANGE {
  const fromId = element ? (from.id.startsWith('_') ? from.id.slice(1) : from.id) : from.id;
  if (fromId === to.id) return v;
  const n = typeof v === 'bigint' ? v : BigInt(v as number);
  const [min, max] = to.id === 'int2' ? [-32768n, 32767n] : to.id === 'int4' ? [-2147483648n, 2147483647n] : [-(2n ** 63n), 2n ** 63n - 1n];
  if (n < min || n > max) return OUT_OF_RANGE;
  return to.id === 'int8' ? n : Number(n);
}

/**
 * Candidate rows of table t for a read through `path`, as `tables` sees t; null for a full
 * read, or when the index would give more than `limit` rows (a quick read gives up early).
 */
export function tableCandidates(t: TableEntry, path: AccessPath, params: readonly Value[], tables: TableReader, limit = Infinity): Batch | null {
  const k = evaluateKeys(path, params);
  if (k === null || (k !== 'empty' && k.keys.length > limit)) return null;
  const pending = tables.pendingFor?.(t) ?? null;
  if (k === 'empty') return pendingBatch(t, pending, []);
  const unique = path.index.hash && path.eq.length === path.index.cols.length ? t.store.uniques.find((u) => u.name === path.index.name) : undefined;
  const ids: number[] = [];
  const past = tables.pastOf?.(t) ?? null;
  if (unique) {
    const row: Value[] = t.columns.map(() => null);
    for (const key of k.keys) {
      path.index.cols.forEach((c, i) => (row[c] = key[i]));
      const uk = unique.keyOf(row);
      tables.noteKeyRead?.(t, unique.name, uk);
      const id = unique.map.get(uk);
      if (id !== undefined) ids.push(id);
      // a snapshot's read: rows with the key deleted since (the present index lacks them)
      if (past !== null) ids.push(...t.store.versions.deadWithKey(unique.name, uk, past));
    }
  } else {
    const ix = t.store.ordered.find((x) => x.name === path.index.name);
    if (!ix) return null;
    tables.noteRead?.(t); // a range: its rows are not tracked one by one
    // an unselective range is read by a full scan (which runs in slices); collecting and
    // sorting most of the table's ids here would be done in one piece, and cost more
    const max = Math.min(limit, Math.max(UNSELECTIVE_MIN, t.store.size >> 3));
    for (const key of k.keys) if (!ix.scan(key, k.lower, k.upper, ids, max)) return null;
  }
  if (past !== null) {
    // a snapshot's read: the indexes hold the present, so drop rows it does not see and (for a
    // range) add the rows deleted since; the filter, rechecked, keeps those in the range
    if (!unique) ids.push(...t.store.versions.deadSince(past));
    const seen = ids.filter((id) => t.store.visibleAt(id, past));
    ids.length = 0;
    ids.push(...seen);
  }
  // creation order, as a full scan reads them (representations and float sums depend on it)
  ids.sort((a, b) => a - b);
  return pendingBatch(t, pending, ids);
}

/** Committed rows `ids` minus the transaction's deletes, then all its pending inserts (the filter checks them). */
function pendingBatch(t: TableEntry, pending: ReturnType<NonNullable<TableReader['pendingFor']>>, ids: readonly number[]): Batch {
  const b = new BatchBuilder(t.store.types, ids.length + (pending?.inserts.size ?? 0));
  let last = -1;
  for (const id of ids) {
    if (id === last || pending?.deletes.has(id)) continue;
    last = id;
    t.store.copyRow(id, b);
  }
  if (pending) for (const row of pending.inserts.values()) b.push(row, 1);
  return b.finish();
}

/** Candidate rows of a materialized view through one of its indexes, in index order; null as for tableCandidates. */
export function viewCandidates(index: OrderedArrangement, path: AccessPath, params: readonly Value[], limit = Infinity): Batch | null {
  const k = evaluateKeys(path, params);
  if (k === null) return null;
  const slots: number[] = [];
  if (k !== 'empty') {
    // as for a table: an unselective read is a full scan, which runs in slices
    const max = Math.min(limit, Math.max(UNSELECTIVE_MIN, index.size >> 3));
    for (const key of k.keys) if (!index.scan(key, k.lower, k.upper, slots, max)) return null;
  }
  // `IN (1, 1)` or `IN (1.0, 1.00)` names one key twice: its rows are read once
  return index.rows(k !== 'empty' && k.keys.length > 1 ? [...new Set(slots)] : slots);
}
