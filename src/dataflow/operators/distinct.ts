// DistinctOp: each class of SQL-equal rows appears once while its integrated weight is
// positive. Per touched class: emit −old representative / +new one only when they differ.
import type { Row } from '../../expr/value.js';
import { BatchBuilder, rowAt, type Batch } from '../batch.js';
import { batchKeyFn, batchRowIdentity, type BatchKeyFn } from '../keys.js';
import { Operator } from '../operator.js';
import { Reps, identityIsEquality } from '../reps.js';

interface ClassState {
  total: number;
  /** The representation emitted now (null when the class is absent from the output). */
  emitted: Row | null;
  emittedId: unknown;
  /** First row seen, used when all representations are identical. */
  row: Row;
  reps: Reps | null;
  touched: boolean;
}

export class DistinctOp extends Operator {
  private readonly classes = new Map<unknown, ClassState>();
  private readonly eqKey: BatchKeyFn;
  private readonly idKey: BatchKeyFn | null;

  constructor(input: Operator) {
    super([input], input.types);
    const all = input.types.map((_, i) => i);
    this.eqKey = batchKeyFn(input.types, all, 'equality');
    this.idKey = input.types.every(identityIsEquality) ? null : batchRowIdentity(input.types);
  }

  get name(): string {
    return 'Distinct';
  }

  step(inputs: readonly Batch[]): Batch {
    const b = inputs[0];
    const touched: [unknown, ClassState][] = [];
    for (let i = 0; i < b.length; i++) {
      const w = b.weights[i];
      if (w === 0) continue;
      const k = this.eqKey(b, i);
      let s = this.classes.get(k);
      if (s === undefined) {
        s = { total: 0, emitted: null, emittedId: undefined, row: rowAt(b, i), reps: this.idKey ? new Reps() : null, touched: false };
        this.classes.set(k, s);
      }
      s.total += w;
      if (s.reps !== null) s.reps.add(this.idKey!(b, i), () => rowAt(b, i), w);
      if (!s.touched) {
        s.touched = true;
        touched.push([k, s]);
      }
    }
    const out = new BatchBuilder(this.types, touched.length * 2);
    for (const [k, s] of touched) {
      s.touched = false;
      let next: Row | null = null;
      let nextId: unknown = undefined;
      if (s.total > 0) {
        if (s.reps === null) next = s.row;
        else {
          next = s.reps.pick();
          nextId = s.reps.pickedId;
        }
      }
      const same = next !== null && s.emitted !== null && (s.reps === null || nextId === s.emittedId);
      if (!same) {
        if (s.emitted !== null) out.push(s.emitted, -1);
        if (next !== null) out.push(next, 1);
        s.emitted = next;
        s.emittedId = nextId;
      }
      if (s.total === 0) this.classes.delete(k);
    }
    return out.finish();
  }

  /** The distinct rows currently emitted (the classes are the integrated state already). */
  override snapshot(): Batch {
    const out = new BatchBuilder(this.types, this.classes.size);
    for (const s of this.classes.values()) if (s.emitted !== null) out.push(s.emitted, 1);
    return out.finish();
  }
}
