// count(DISTINCT x) for all groups of an AggregateOp: per group, a Map from each distinct
// value's equality key to its number of rows, and the number of keys in a typed array. The
// general DISTINCT accumulator (accumulators.ts) keeps an object per value and feeds an inner
// accumulator; a count needs neither, and its keys are read straight from the column (an int8
// as a double while it is exact), so an integer row makes no bigint and no object.
//
// Checkpoints use the general accumulator's layout (a count(DISTINCT) group's classes, each fed,
// none pending, then the inner count), so a checkpoint reads back whichever of the two wrote it.

import type { Value } from '../expr/value.js';
import { equalityKeyFn, type KeyFn, type KeyPart } from '../expr/compare.js';
import { getValue, LITTLE_ENDIAN, storageKind, type Batch, type BatchBuilder } from './batch.js';
import { exactDouble } from './column_words.js';
import { NumberLog, RefLog } from './undo_log.js';
import type { StateReader, StateWriter } from './state_io.js';
import { grown, type AggColumn } from './agg_columns.js';
import type { AggSpec } from './accumulators.js';
import { internalError } from '../errors.js';

type Counts = Map<KeyPart, number>;

export class DistinctCountColumn implements AggColumn {
  private maps: (Counts | null)[] = [];
  /** Distinct values per group, and the count last written out (NaN: none yet, as null is there). */
  private n = new Float64Array(0);
  private shown = new Float64Array(0);
  private readonly key: KeyFn;
  /** An int8/timestamp key: an exact double, else the bigint (so one value has one key). */
  private readonly wide: boolean;
  private journaling = false;
  /** Per change in an undoable step: the map and key changed, and the key's count before. */
  private readonly changedMaps = new RefLog<Counts>();
  private readonly changedKeys = new RefLog<KeyPart>();
  private readonly before = new NumberLog();
  /** Per saved group: (id, n, shown), and its map (reset may replace it within the step). */
  private readonly saved = new NumberLog();
  private readonly savedMaps = new RefLog<Counts | null>();

  constructor(private readonly spec: AggSpec) {
    this.key = equalityKeyFn(spec.argType);
    this.wide = storageKind(spec.argType) === 'i64';
  }

  journal(): void {
    this.journaling = true;
  }
  save(g: number): void {
    this.saved.push3(g, this.n[g], this.shown[g]);
    this.savedMaps.push(this.maps[g]);
  }
  rollback(): boolean {
    for (let k = this.before.length - 1; k >= 0; k--) {
      const m = this.changedMaps.at(k);
      const was = this.before.at(k);
      if (was === 0) m.delete(this.changedKeys.at(k));
      else m.set(this.changedKeys.at(k), was);
    }
    const s = this.saved;
    for (let k = this.savedMaps.length - 1; k >= 0; k--) {
      const g = s.at(3 * k);
      this.n[g] = s.at(3 * k + 1);
      this.shown[g] = s.at(3 * k + 2);
      this.maps[g] = this.savedMaps.at(k);
    }
    this.settle();
    return true;
  }
  settle(): void {
    this.journaling = false;
    this.changedMaps.clear();
    this.changedKeys.clear();
    this.before.clear();
    this.saved.clear();
    this.savedMaps.clear();
  }

  reserve(cap: number): void {
    this.n = grown(this.n, cap);
    this.shown = grown(this.shown, cap);
  }
  reset(g: number): void {
    this.maps[g] = null;
    this.n[g] = 0;
    this.shown[g] = NaN;
  }

  addRows(b: Batch, order: Int32Array, len: number, gids: Int32Array): void {
    const col = b.columns[this.spec.arg];
    const w = b.weights;
    const nulls = col.nulls;
    if (col.kind === 'i64' && LITTLE_ENDIAN) {
      const d64 = col.data as BigInt64Array;
      const halves = new Int32Array(d64.buffer, d64.byteOffset, d64.length * 2);
      for (let k = 0; k < len; k++) {
        const i = order[k];
        if (nulls !== null && nulls[i] === 1) continue;
        const x = exactDouble(halves, i);
        this.add(gids[i], x === x ? x : d64[i], w[i]);
      }
      return;
    }
    if (col.kind === 'i32') {
      const d = col.data as Int32Array;
      for (let k = 0; k < len; k++) {
        const i = order[k];
        if (nulls === null || nulls[i] === 0) this.add(gids[i], d[i], w[i]);
      }
      return;
    }
    for (let k = 0; k < len; k++) {
      const i = order[k];
      const v = getValue(col, i);
      if (v !== null) this.add(gids[i], this.keyOf(v), w[i]);
    }
  }

  private keyOf(v: Value): KeyPart {
    if (this.wide && typeof v === 'bigint') return narrow(v);
    return this.key(v);
  }

  private add(g: number, key: KeyPart, w: number): void {
    let m = this.maps[g];
    if (m === null || m === undefined) m = this.maps[g] = new Map();
    const was = m.get(key) ?? 0;
    const now = was + w;
    if (now < 0) throw internalError('count(DISTINCT): negative count');
    if (this.journaling) {
      this.changedMaps.push(m);
      this.changedKeys.push(key);
      this.before.push(was);
    }
    if (now === 0) {
      m.delete(key);
      this.n[g]--;
    } else {
      m.set(key, now);
      if (was === 0) this.n[g]++;
    }
  }

  result(g: number): Value {
    return BigInt(this.n[g]);
  }
  changed(g: number): boolean {
    return this.n[g] !== this.shown[g];
  }
  writeColumn(gids: Int32Array, len: number, current: boolean, out: BatchBuilder, c: number, at: number): void {
    const shown = this.shown;
    for (let k = 0; k < len; k++) {
      const g = gids[k];
      if (current) shown[g] = this.n[g];
      const v = shown[g];
      if (LITTLE_ENDIAN && v === v) out.setInt64At(c, at + k, v);
      else out.setAt(c, at + k, v === v ? BigInt(v) : null);
    }
  }

  /**
   * Per group its shown count, then in a section per group: its keys (key, rows, not pending,
   * fed, the value fed: the key itself), no pending class, and the count (the inner count's
   * state). An int8 key is written as the bigint the general accumulator uses.
   */
  saveState(w: StateWriter, gids: Int32Array): void {
    if (this.before.length !== 0 || this.savedMaps.length !== 0) throw internalError('aggregate checkpoint within an undoable step');
    for (let k = 0; k < gids.length; k++) {
      const v = this.shown[gids[k]];
      w.value(v === v ? BigInt(v) : null);
    }
    w.section((w) => {
      for (let k = 0; k < gids.length; k++) {
        const m = this.maps[gids[k]];
        w.u32(m?.size ?? 0);
        if (m) {
          for (const [key, rows] of m) {
            const v = this.wide && typeof key === 'number' ? BigInt(key) : key;
            w.value(v);
            w.f64(rows);
            w.bool(false);
            w.bool(true);
            w.value(v);
          }
        }
        w.u32(0);
        w.f64(this.n[gids[k]]);
      }
    });
  }
  loadState(r: StateReader, gids: Int32Array): void {
    for (let k = 0; k < gids.length; k++) {
      const v = r.value();
      this.shown[gids[k]] = v === null ? NaN : Number(v);
    }
    const s = r.section();
    const self = this;
    r.later('count(DISTINCT) values', function* () {
      for (let k = 0; k < gids.length; k++) {
        const size = s.u32();
        const m: Counts = new Map();
        for (let j = 0; j < size; j++) {
          let key = s.value() as KeyPart;
          const rows = s.f64();
          s.bool(); // pending: never, for a count
          if (s.bool()) s.value();
          if (self.wide && typeof key === 'bigint') key = narrow(key);
          m.set(key, rows);
        }
        if (s.u32() !== 0) throw internalError('count(DISTINCT) checkpoint: a pending value');
        const n = s.f64();
        if (n !== m.size) throw internalError('count(DISTINCT) checkpoint: the count and the values differ');
        self.maps[gids[k]] = size === 0 ? null : m;
        self.n[gids[k]] = n;
        yield; // a group's values can be many
      }
    });
  }
}

/** An int8 key as the double it equals when that is exact (as addRows reads it). */
function narrow(v: bigint): KeyPart {
  return v >= -9007199254740992n && v < 9007199254740992n ? Number(v) : v;
}
