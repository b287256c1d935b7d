// SetOpOp: INTERSECT / EXCEPT [ALL]. Per class of equal rows (NULLs equal, as set operations
// compare) keep the left and right multiplicities a and b; the output multiplicity is
// min(a, b) for INTERSECT ALL, max(a − b, 0) for EXCEPT ALL, and 0/1 for the set forms.
// Per touched class emit −old multiplicity / +new one.
import type { Row } from '../../expr/value.js';
import { BatchBuilder, rowAt, type Batch } from '../batch.js';
import { batchKeyFn, type BatchKeyFn } from '../keys.js';
import { Operator } from '../operator.js';

export type SetOpKind = 'intersect' | 'intersect_all' | 'except' | 'except_all';

interface ClassState {
  key: unknown;
  row: Row;
  a: number;
  b: number;
  out: number;
  touched: boolean;
}

const MULTIPLICITY: Record<SetOpKind, (a: number, b: number) => number> = {
  intersect: (a, b) => (a > 0 && b > 0 ? 1 : 0),
  intersect_all: (a, b) => Math.max(0, Math.min(a, b)),
  except: (a, b) => (a > 0 && b <= 0 ? 1 : 0),
  except_all: (a, b) => Math.max(0, a - b),
};

export class SetOpOp extends Operator {
  private readonly classes = new Map<unknown, ClassState>();
  private readonly key: BatchKeyFn;
  private readonly mult: (a: number, b: number) => number;

  constructor(
    left: Operator,
    right: Operator,
    readonly kind: SetOpKind,
  ) {
    super([left, right], left.types);
    this.key = batchKeyFn(left.types, left.types.map((_, i) => i), 'equality');
    this.mult = MULTIPLICITY[kind];
  }

  get name(): string {
    return `SetOp[${this.kind}]`;
  }

  step(inputs: readonly Batch[]): Batch {
    const touched: ClassState[] = [];
    inputs.forEach((b, side) => {
      for (let i = 0; i < b.length; i++) {
        const w = b.weights[i];
        if (w === 0) continue;
        const k = this.key(b, i);
        let s = this.classes.get(k);
        if (s === undefined) {
          s = { key: k, row: rowAt(b, i), a: 0, b: 0, out: 0, touched: false };
          this.classes.set(k, s);
        }
        if (side === 0) s.a += w;
        else s.b += w;
        if (!s.touched) {
          s.touched = true;
          touched.push(s);
        }
      }
    });
    const out = new BatchBuilder(this.types, touched.length);
    for (const s of touched) {
      s.touched = false;
      const m = this.mult(s.a, s.b);
      if (m !== s.out) out.push(s.row, m - s.out);
      s.out = m;
      if (s.a === 0 && s.b === 0) this.classes.delete(s.key);
    }
    return out.finish();
  }

  override snapshot(): Batch {
    const out = new BatchBuilder(this.types, this.classes.size);
    for (const s of this.classes.values()) if (s.out > 0) out.push(s.row, s.out);
    return out.finish();
  }
}
