// AggregateOp: GROUP BY with invertible per-group accumulators. Each input row updates its
// group's accumulators by ±weight; per touched group emit −old output row / +new one (nothing
// when unchanged). Groups whose row count reaches 0 vanish; a global aggregate always has 1 row.
import type { Row, Value } from '../../expr/value.js';
import { Decimal } from '../../expr/numeric.js';
import { identityKeyFn, type KeyFn } from '../../expr/compare.js';
import { BatchBuilder, getValue, type Batch } from '../batch.js';
import { accFactory, type Acc, type AggSpec } from '../accumulators.js';
import { batchKeyFn, type BatchKeyFn } from '../keys.js';
import { Operator, type StepContext } from '../operator.js';
import { Reps, identityIsEquality } from '../reps.js';

export type { AggSpec, AggFn } from '../accumulators.js';

export interface AggregateSpec {
  groupCols: readonly number[];
  aggs: readonly AggSpec[];
}

interface Group {
  key: unknown;
  /** Group column values (first seen) when representations cannot differ. */
  row: Row;
  reps: Reps | null;
  /** Number of input rows (weighted). */
  count: number;
  accs: Acc[];
  touched: boolean;
  /** Output row currently emitted, or null. */
  out: Row | null;
}

export class AggregateOp extends Operator {
  private readonly groups = new Map<unknown, Group>();
  private readonly groupKey: BatchKeyFn;
  private readonly groupId: BatchKeyFn | null;
  private readonly factories: (() => Acc)[];
  private readonly outIds: KeyFn[];
  private readonly global: Group | null;
  private started = false;

  constructor(
    input: Operator,
    private readonly spec: AggregateSpec,
  ) {
    const gt = spec.groupCols.map((c) => input.types[c]);
    super([input], [...gt, ...spec.aggs.map((a) => a.resultType)]);
    this.groupKey = batchKeyFn(input.types, spec.groupCols, 'equality');
    this.groupId = gt.every(identityIsEquality) ? null : batchKeyFn(input.types, spec.groupCols, 'identity');
    this.factories = spec.aggs.map(accFactory);
    this.outIds = this.types.map(identityKeyFn);
    this.global = spec.groupCols.length === 0 ? this.newGroup('', []) : null;
    if (this.global !== null) this.groups.set('', this.global);
  }

  get name(): string {
    return `Aggregate[${this.spec.groupCols.join(',')}]`;
  }

  private newGroup(key: unknown, row: Row): Group {
    return { key, row, reps: this.groupId ? new Reps() : null, count: 0, accs: this.factories.map((f) => f()), touched: false, out: null };
  }

  step(inputs: readonly Batch[], _ctx: StepContext): Batch {
    const b = inputs[0];
    const touched: Group[] = [];
    if (!this.started) {
      this.started = true;
      if (this.global !== null) {
        this.global.touched = true;
        touched.push(this.global);
      }
    }
    const gcols = this.spec.groupCols;
    const aggs = this.spec.aggs;
    const nAggs = aggs.length;
    const argCols = aggs.map((a) => (a.fn === 'count_star' ? null : b.columns[a.arg]));
    // fast path: one int4/int2 group column read straight from its typed array
    const g0 = gcols.length === 1 ? b.columns[gcols[0]] : null;
    const intKey = g0 !== null && g0.kind === 'i32' ? (g0.data as Int32Array) : null;
    const intNulls = g0 !== null ? g0.nulls : null;
    // Insertions before retractions: an unconsolidated delta (e.g. a self-join's) may retract a
    // value before inserting it, and per-value counts (MIN/MAX, DISTINCT) must never go negative.
    for (let pass = 0; pass < 2; pass++)
    for (let i = 0; i < b.length; i++) {
      const w = b.weights[i];
      if (pass === 0 ? w <= 0 : w >= 0) continue;
      let g: Group | undefined;
      let key: unknown;
      if (this.global !== null) g = this.global;
      else {
        key = intKey !== null ? (intNulls !== null && intNulls[i] === 1 ? null : intKey[i]) : this.groupKey(b, i);
        g = this.groups.get(key);
        if (g === undefined) {
          g = this.newGroup(key, gcols.map((c) => getValue(b.columns[c], i)));
          this.groups.set(key, g);
        }
        if (g.reps !== null) g.reps.add(this.groupId!(b, i), () => gcols.map((c) => getValue(b.columns[c], i)), w);
      }
      g.count += w;
      const accs = g.accs;
      for (let a = 0; a < nAggs; a++) {
        const col = argCols[a];
        if (col === null) accs[a].add(null, w);
        else {
          const v = getValue(col, i);
          if (v !== null) accs[a].add(v, w);
        }
      }
      if (!g.touched) {
        g.touched = true;
        touched.push(g);
      }
    }
    return this.emit(touched);
  }

  private emit(touched: Group[]): Batch {
    const out = new BatchBuilder(this.types, touched.length * 2);
    const ng = this.spec.groupCols.length;
    for (const g of touched) {
      g.touched = false;
      let next: Row | null = null;
      if (g.count > 0 || g === this.global) {
        next = new Array<Value>(this.types.length);
        const gr = g.reps !== null ? g.reps.pick()! : g.row;
        for (let c = 0; c < ng; c++) next[c] = gr[c];
        for (let a = 0; a < g.accs.length; a++) next[ng + a] = g.accs[a].result();
      }
      if (next !== null && g.out !== null && this.sameRow(next, g.out)) continue;
      if (g.out !== null) out.push(g.out, -1);
      if (next !== null) out.push(next, 1);
      g.out = next;
      if (next === null && this.groups.get(g.key) === g) this.groups.delete(g.key);
    }
    return out.finish();
  }

  /** The current output: one row per group. The groups are the integrated state already. */
  override snapshot(): Batch {
    const out = new BatchBuilder(this.types, this.groups.size);
    for (const g of this.groups.values()) if (g.out !== null) out.push(g.out, 1);
    return out.finish();
  }

  private sameRow(a: Row, b: Row): boolean {
    for (let c = 0; c < a.length; c++) {
      const x = a[c];
      const y = b[c];
      if (x === y) continue;
      if (x === null || y === null) return false;
      if (x instanceof Decimal && y instanceof Decimal) {
        // same representation: same digits and same display scale
        if (x.coef !== y.coef || x.scale !== y.scale || x.special !== y.special) return false;
        continue;
      }
      const f = this.outIds[c];
      if (f(x) !== f(y)) return false;
    }
    return true;
  }
}
