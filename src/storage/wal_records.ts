// What one write-ahead log record holds: one committed transaction. Its DDL (as the statement
// text and the settings that affect how it binds, replayed through a session), its row
// changes per table (deleted rows by value, since row ids are not stable across a restart),
// and the positions the sources that produced it reached (so recovery resumes each source
// exactly after what it applied: exactly-once).

import { getValue, type Batch } from '../dataflow/batch.js';
import type { Row } from '../expr/value.js';
import type { TypeId } from '../sql/types.js';
import { ByteReader, ByteWriter } from './value_codec.js';
import { internalError } from '../errors.js';
import type { LoggedWatermark } from '../sources/watermark.js';

export type DdlEntry =
  /** A statement to run again as it was run: its text and the session settings it saw. */
  | {
      kind: 'sql';
      sql: string;
      settings: readonly (readonly [string, string])[];
      /** A materialized view built in slices, with arrangements of its own: replayed so (see Engine.shareArrangements). */
      ownArrangements?: boolean;
    }
  /** A table whose columns came from a query (CREATE TABLE AS): created as it was, its rows follow. */
  | { kind: 'table'; name: string; columns: readonly { name: string; type: TypeId; typmod: number }[] };

export interface LoggedTable {
  name: string;
  /** Every row the table had was deleted (TRUNCATE, DELETE without WHERE): no rows are logged for it. */
  cleared: boolean;
  deletes: readonly Row[];
  inserts: readonly Row[] | Batch;
}

export interface CommitRecord {
  /** The commit's logical timestamp. */
  time: number;
  ddl: readonly DdlEntry[];
  tables: readonly LoggedTable[];
  /** Per source table: the position each partition goes on from after this commit. */
  sources: readonly { table: string; positions: readonly (readonly [number, number])[] }[];
  /** The watermarks of the tables it inserted into, as it left them (replay restores them). */
  watermarks?: readonly LoggedWatermark[];
}

/** Format 2 adds the watermarks; format 1 records (no watermark logged) are still read. */
const FORMAT = 2;

export function encodeCommit(w: ByteWriter, r: CommitRecord): Buffer {
  w.reset();
  w.u8(FORMAT);
  w.f64(r.time);
  w.u32(r.ddl.length);
  for (const d of r.ddl) {
    if (d.kind === 'sql') {
      w.u8(0);
      w.string(d.sql);
      w.u32(d.settings.length);
      for (const [k, v] of d.settings) {
        w.string(k);
        w.string(v);
      }
      w.u8(d.ownArrangements ? 1 : 0);
    } else {
      w.u8(1);
      w.string(d.name);
      w.u32(d.columns.length);
      for (const c of d.columns) {
        w.string(c.name);
        w.string(c.type);
        w.i32(c.typmod);
      }
    }
  }
  w.u32(r.tables.length);
  for (const t of r.tables) {
    w.string(t.name);
    w.u8(t.cleared ? 1 : 0);
    writeRows(w, t.deletes);
    writeRows(w, t.inserts);
  }
  w.u32(r.sources.length);
  for (const s of r.sources) {
    w.string(s.table);
    w.u32(s.positions.length);
    for (const [p, next] of s.positions) {
      w.f64(p);
      w.f64(next);
    }
  }
  const marks = r.watermarks ?? [];
  w.u32(marks.length);
  for (const m of marks) {
    w.string(m.table);
    w.value(m.value);
    w.u32(m.partitions.length);
    for (const [p, max] of m.partitions) {
      w.f64(p);
      w.value(max);
    }
  }
  return w.bytes();
}

function writeRows(w: ByteWriter, rows: readonly Row[] | Batch): void {
  if (Array.isArray(rows)) {
    const list = rows as readonly Row[];
    w.u32(list.length);
    w.u32(list.length > 0 ? list[0].length : 0);
    for (const row of list) for (const v of row) w.value(v);
    return;
  }
  const b = rows as Batch;
  w.u32(b.length);
  w.u32(b.columns.length);
  for (let i = 0; i < b.length; i++) {
    // a bulk batch has weights 1; anything else would need repeating
    if (b.weights[i] !== 1) throw internalError('a logged batch of inserts has a weight other than 1');
    for (const c of b.columns) w.value(getValue(c, i));
  }
}

export function decodeCommit(buf: Buffer): CommitRecord {
  const r = new ByteReader(buf);
  const format = r.u8();
  if (format !== FORMAT && format !== 1) throw internalError(`write-ahead log record of unknown format ${format}`);
  const time = r.f64();
  const ddl: DdlEntry[] = [];
  for (let n = r.u32(); n > 0; n--) {
    if (r.u8() === 0) {
      const sql = r.string();
      const settings: [string, string][] = [];
      for (let k = r.u32(); k > 0; k--) settings.push([r.string(), r.string()]);
      const own = r.u8() === 1;
      ddl.push(own ? { kind: 'sql', sql, settings, ownArrangements: true } : { kind: 'sql', sql, settings });
    } else {
      const name = r.string();
      const columns: { name: string; type: TypeId; typmod: number }[] = [];
      for (let k = r.u32(); k > 0; k--) columns.push({ name: r.string(), type: r.string() as TypeId, typmod: r.i32() });
      ddl.push({ kind: 'table', name, columns });
    }
  }
  const tables: LoggedTable[] = [];
  for (let n = r.u32(); n > 0; n--) {
    const name = r.string();
    const cleared = r.u8() === 1;
    const deletes = readRows(r);
    tables.push({ name, cleared, deletes, inserts: readRows(r) });
  }
  const sources: { table: string; positions: [number, number][] }[] = [];
  for (let n = r.u32(); n > 0; n--) {
    const table = r.string();
    const positions: [number, number][] = [];
    for (let k = r.u32(); k > 0; k--) positions.push([r.f64(), r.f64()]);
    sources.push({ table, positions });
  }
  const watermarks: LoggedWatermark[] = [];
  if (format >= 2) {
    for (let n = r.u32(); n > 0; n--) {
      const table = r.string();
      const value = r.value() as bigint | null;
      const partitions: [number, bigint | null][] = [];
      for (let k = r.u32(); k > 0; k--) partitions.push([r.f64(), r.value() as bigint | null]);
      watermarks.push({ table, value, partitions });
    }
  }
  return { time, ddl, tables, sources, watermarks };
}

function readRows(r: ByteReader): Row[] {
  const n = r.u32();
  const width = r.u32();
  const rows: Row[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const row: Row = new Array(width);
    for (let c = 0; c < width; c++) row[c] = r.value();
    rows[i] = row;
  }
  return rows;
}
