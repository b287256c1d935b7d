// TopKOp: the rows at positions offset+1 … offset+limit of each partition in an order:
// `row_number() OVER (PARTITION BY … ORDER BY …)` filtered to a range, or `ORDER BY … LIMIT`
// (one partition). Rows the order keys do not tell apart are ordered by their identity, so a
// tie is always broken the same way (PostgreSQL breaks it however its plan reads the rows;
// any fixed choice is one of its answers).
// State: each partition's rows in order. Per touched partition the step emits the difference
// between the rows shown before and after it (with their row numbers when asked).
// Over insert-only input a partition keeps only its first offset+limit rows: a row behind
// them can never move up, since nothing before it ever leaves. Partitions by a window that a
// watermark has closed are forgotten, as an aggregate's groups are (closing_groups.ts).
import type { Row, Value } from '../../expr/value.js';
import { comparator, type Comparator } from '../../expr/compare.js';
import { T } from '../../sql/types.js';
import { BatchBuilder, getValue, rowAt, type Batch } from '../batch.js';
import { batchKeyFn, rowIdentity, type BatchKeyFn, type RowKeyFn } from '../keys.js';
import { CHECK_EVERY, checkHeap, checkHeapUse } from '../memory.js';
import { Operator, type StepContext } from '../operator.js';
import { OrderedMultiset } from '../ordered_multiset.js';
import type { Checkpointable, StateReader, StateWriter } from '../state_io.js';
import { internalError } from '../../errors.js';
import type { ClosingGroups } from '../closing_groups.js';

export interface TopKOrder {
  col: number;
  desc: boolean;
  nullsFirst: boolean;
}

export interface TopKSpec {
  partitionCols: readonly number[];
  order: readonly TopKOrder[];
  offset: number;
  /** Infinity: every row after the offset. */
  limit: number;
  /** The output: the input's first `width` columns (the rest only computed keys)… */
  width: number;
  /** … then each row's number in its partition (an int8), when asked. */
  rowNumber: boolean;
  /** The input only ever inserts (plan/insert_only.ts). */
  insertOnly: boolean;
}

interface Entry {
  row: Row;
  /** Identity of the whole row: the tie-break, and what makes two entries one (computed when first needed). */
  id: unknown;
}

/** An entry's id before it is computed. */
const NO_ID = Symbol('no id');

/** No entries shown (never written to). */
const NONE: Entry[] = [];

interface Partition {
  key: unknown;
  rows: OrderedMultiset<Entry>;
  /** The rows held, counted with their multiplicity. */
  total: number;
  /** The entries shown before this step first changed the partition (null: not yet touched). */
  before: Entry[] | null;
}

/**
 * Identity keys of one row type: a total order. One column's keys may mix kinds (a float's -0
 * is the string '-0'), so kinds are ordered first; NULL before all.
 */
function compareIds(x: unknown, y: unknown): number {
  if (Object.is(x, y)) return 0;
  if (x === null || y === null) return x === null ? -1 : 1;
  if (typeof x !== typeof y) return typeof x < typeof y ? -1 : 1;
  if (typeof x === 'number' && typeof y === 'number') {
    if (Number.isNaN(x) || Number.isNaN(y)) return Number.isNaN(x) ? 1 : -1;
    if (x !== y) return x < y ? -1 : 1;
    return Object.is(x, -0) ? -1 : 1;
  }
  return (x as string) < (y as string) ? -1 : 1;
}

export class TopKOp extends Operator implements Checkpointable {
  private readonly parts = new Map<unknown, Partition>();
  private readonly partKey: BatchKeyFn;
  private readonly idKey: RowKeyFn;
  private readonly cmp: (a: Entry, b: Entry) => number;
  /** Order keys of row i of a batch against an entry's (no tie-break). */
  private readonly cmpKeys: (b: Batch, i: number, e: Entry) => number;
  private readonly keep: number;
  /** In an undoable step: each change of a partition's rows, as (key, entry, weight added). */
  private log: [unknown, Entry, number][] | null = null;
  private added = 0;

  constructor(
    input: Operator,
    private readonly spec: TopKSpec,
  ) {
    super([input], [...input.types.slice(0, spec.width), ...(spec.rowNumber ? [T.int8] : [])]);
    this.partKey = batchKeyFn(input.types, spec.partitionCols, 'equality');
    this.idKey = rowIdentity(input.types);
    const cmps: Comparator[] = spec.order.map((o) => comparator(input.types[o.col]));
    const order = spec.order;
    const compareValues = (x: Value, y: Value, k: number): number => {
      const o = order[k];
      if (x === null || y === null) {
        if (x === y) return 0;
        return (x === null) === o.nullsFirst ? -1 : 1;
      }
      const c = cmps[k](x, y);
      return o.desc ? -c : c;
    };
    this.cmp = (a, b) => {
      for (let k = 0; k < order.length; k++) {
        const c = compareValues(a.row[order[k].col], b.row[order[k].col], k);
        if (c !== 0) return c;
      }
      if (a.id === NO_ID) a.id = this.idKey(a.row);
      if (b.id === NO_ID) b.id = this.idKey(b.row);
      return compareIds(a.id, b.id);
    };
    this.cmpKeys = (b, i, e) => {
      for (let k = 0; k < order.length; k++) {
        const c = compareValues(getValue(b.columns[order[k].col], i), e.row[order[k].col], k);
        if (c !== 0) return c;
      }
      return 0;
    };
    this.keep = spec.offset + spec.limit;
  }

  get name(): string {
    const s = this.spec;
    return `TopK[${s.partitionCols.join(',')}; ${s.offset}+${s.limit}]`;
  }

  /** The entries at positions offset … offset+limit-1 (an entry with a count of n fills n positions). */
  private shown(p: Partition): Entry[] {
    return p.total <= this.spec.offset ? NONE : p.rows.take(this.spec.offset, this.spec.limit, []);
  }

  step(inputs: readonly Batch[], ctx: StepContext): Batch {
    const b = inputs[0];
    if (ctx.undoable) this.log ??= [];
    const log = this.log;
    const touched: Partition[] = [];
    for (let i = 0; i < b.length; i++) {
      const w = b.weights[i];
      if (w === 0) continue;
      const key = this.partKey(b, i);
      let p = this.parts.get(key);
      if (p === undefined) {
        p = { key, rows: new OrderedMultiset<Entry>(this.cmp), total: 0, before: null };
        this.parts.set(key, p);
      } else if (this.spec.insertOnly && p.total >= this.keep && this.cmpKeys(b, i, p.rows.max()!) > 0) {
        continue; // behind every row kept: it would be trimmed at once
      }
      if (p.before === null) {
        p.before = this.shown(p);
        touched.push(p);
      }
      const e: Entry = { row: rowAt(b, i), id: NO_ID };
      try {
        p.rows.add(e, w);
      } catch {
        throw internalError('TOP-K: a row was retracted more often than inserted');
      }
      p.total += w;
      if (log !== null) log.push([key, e, w]);
      if (w > 0 && ++this.added % CHECK_EVERY === 0 && ctx.memory !== undefined) {
        checkHeap(CHECK_EVERY, 120 + 16 * this.spec.width, 'The rows of a top-k');
        checkHeapUse(`with ${this.parts.size} partitions in a top-k`);
      }
    }
    // the input's windows, not the output's: a partition may show no row (behind an OFFSET)
    this.closing?.observe(b);
    const out = new BatchBuilder(this.types, touched.length * 2);
    for (const p of touched) {
      const before = p.before!;
      p.before = null;
      this.emitChange(before, this.shown(p), out);
      if (this.spec.insertOnly) this.trim(p, log);
      if (p.rows.size === 0) this.parts.delete(p.key);
    }
    return out.finish();
  }

  /** −before, +after, leaving out what both show (at the same position, with row numbers). */
  private emitChange(before: Entry[], after: Entry[], out: BatchBuilder): void {
    if (this.spec.rowNumber) {
      const base = BigInt(this.spec.offset + 1);
      for (let k = 0; k < Math.max(before.length, after.length); k++) {
        const x = before[k];
        const y = after[k];
        if (x !== undefined && y !== undefined && this.cmp(x, y) === 0) continue;
        if (x !== undefined) out.push([...this.outRow(x), base + BigInt(k)], -1);
        if (y !== undefined) out.push([...this.outRow(y), base + BigInt(k)], 1);
      }
      return;
    }
    // both lists are in the partition's order: merge them
    let i = 0;
    let j = 0;
    while (i < before.length || j < after.length) {
      const c = i === before.length ? 1 : j === after.length ? -1 : this.cmp(before[i], after[j]);
      if (c === 0) {
        i++;
        j++;
      } else if (c < 0) out.push(this.outRow(before[i++]), -1);
      else out.push(this.outRow(after[j++]), 1);
    }
  }

  private outRow(e: Entry): Row {
    return e.row.length === this.spec.width ? e.row : e.row.slice(0, this.spec.width);
  }

  /** Insert-only input: drop the rows after the first offset+limit (logged, for a rollback). */
  private trim(p: Partition, log: [unknown, Entry, number][] | null): void {
    if (p.total <= this.keep) return;
    const drop: [Entry, number][] = [];
    p.rows.truncate(this.keep, drop);
    for (const [e, n] of drop) {
      p.total -= n;
      if (log !== null) log.push([p.key, e, -n]);
    }
  }

  override rollback(): boolean {
    const log = this.log;
    this.log = null;
    if (log === null) return true;
    for (let k = log.length - 1; k >= 0; k--) {
      const [key, e, w] = log[k];
      let p = this.parts.get(key);
      if (p === undefined) {
        p = { key, rows: new OrderedMultiset<Entry>(this.cmp), total: 0, before: null };
        this.parts.set(key, p);
      }
      p.before = null;
      p.rows.add(e, -w);
      p.total -= w;
      if (p.rows.size === 0) this.parts.delete(key);
    }
    for (const p of this.parts.values()) p.before = null;
    return true;
  }

  override settle(): void {
    this.log = null;
    this.closing?.release((closed, kept) => this.forgetPartitions(this.closing!.col, closed, kept));
  }

  /** Partitions by a window a watermark closes: forgotten once closed (closing_groups.ts). */
  closing: ClosingGroups | null = null;

  /**
   * Forget, without any output, the partitions whose rows have `closed(value of column c)` (c
   * is a partition column, so one value per partition); `kept` sees the others'. Between steps.
   */
  private forgetPartitions(c: number, closed: (v: Value) => boolean, kept: (v: Value) => void): void {
    if (this.log !== null) throw internalError('TOP-K partitions forgotten within an undoable step');
    for (const [key, p] of this.parts) {
      const first = p.rows.min();
      if (first === undefined) continue;
      if (closed(first.row[c])) this.parts.delete(key);
      else kept(first.row[c]);
    }
  }

  /** Checkpoint: every partition's rows in order (the whole input row) and their counts. */
  saveState(w: StateWriter): void {
    if (this.log !== null) throw internalError('TOP-K was saved in an unsettled step');
    const input = this.inputs[0].types;
    const rows = new BatchBuilder(input, this.parts.size);
    const counts: number[] = [];
    for (const p of this.parts.values()) {
      for (const [e, n] of p.rows.entries()) {
        rows.push(e.row, 1);
        counts.push(n);
      }
    }
    w.f64s(counts);
    w.batch(rows.finish());
  }

  loadState(r: StateReader): void {
    if (this.parts.size > 0) throw internalError('a checkpoint was loaded into a TOP-K in use');
    const counts = r.f64s();
    const rows = r.batch();
    if (rows.length !== counts.length) throw internalError('a TOP-K checkpoint does not fit');
    for (let i = 0; i < rows.length; i++) {
      const key = this.partKey(rows, i);
      let p = this.parts.get(key);
      if (p === undefined) {
        p = { key, rows: new OrderedMultiset<Entry>(this.cmp), total: 0, before: null };
        this.parts.set(key, p);
      }
      p.rows.add({ row: rowAt(rows, i), id: NO_ID }, counts[i]);
      p.total += counts[i];
    }
    this.closing?.restored();
  }
}
