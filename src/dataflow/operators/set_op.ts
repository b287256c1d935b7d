// SetOpOp: INTERSECT / EXCEPT [ALL]. Per class of equal rows (NULLs equal, as set operations
// compare) keep the left and right multiplicities a and b; the output multiplicity is
// min(a, b) for INTERSECT ALL, max(a − b, 0) for EXCEPT ALL, and 0/1 for the set forms.
// Per touched class emit −old multiplicity / +new one.
// Every output copy of a class is one left row: PostgreSQL's SetOp copies the first tuple of
// the input it reads first (the left one; see docs/compatibility.md for INTERSECT), so where
// representations can differ the class keeps its left representations in a Reps.
import type { Row } from '../../expr/value.js';
import type { KeyPart } from '../../expr/compare.js';
import { BatchBuilder, rowAt, type Batch } from '../batch.js';
import { batchKeyFn, batchRowIdentity, type BatchKeyFn } from '../keys.js';
import { Operator, type StepContext } from '../operator.js';
import { Reps, identityIsEquality, loadRowReps, saveRowReps } from '../reps.js';
import type { Checkpointable, StateReader, StateWriter } from '../state_io.js';
import { internalError } from '../../errors.js';

export type SetOpKind = 'intersect' | 'intersect_all' | 'except' | 'except_all';

interface ClassState {
  key: unknown;
  /** The row output (with reps: the one output now, null while none is). */
  row: Row | null;
  rowId: unknown;
  /** The class's left representations, when they can differ. */
  reps: Reps | null;
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

export class SetOpOp extends Operator implements Checkpointable {
  private readonly classes = new Map<unknown, ClassState>();
  /** In an undoable step: each class touched, with its state before (null: created). */
  private log: { s: ClassState; was: Omit<ClassState, 'touched'> | null }[] | null = null;
  private readonly key: BatchKeyFn;
  private readonly idKey: BatchKeyFn | null;
  private readonly mult: (a: number, b: number) => number;

  constructor(
    left: Operator,
    right: Operator,
    readonly kind: SetOpKind,
  ) {
    super([left, right], left.types);
    this.key = batchKeyFn(left.types, left.types.map((_, i) => i), 'equality');
    this.idKey = left.types.every(identityIsEquality) ? null : batchRowIdentity(left.types);
    this.mult = MULTIPLICITY[kind];
  }

  get name(): string {
    return `SetOp[${this.kind}]`;
  }

  step(inputs: readonly Batch[], ctx: StepContext): Batch {
    const touched: ClassState[] = [];
    if (ctx.undoable) this.log ??= [];
    const log = this.log;
    const visit = (b: Batch, left: boolean, sign: number) => {
      for (let i = 0; i < b.length; i++) {
        const w = b.weights[i];
        if (w === 0 || (sign > 0 && w < 0) || (sign < 0 && w > 0)) continue;
        const k = this.key(b, i);
        let s = this.classes.get(k);
        if (s === undefined) {
          const reps = this.idKey ? new Reps() : null;
          s = { key: k, row: reps ? null : rowAt(b, i), rowId: undefined, reps, a: 0, b: 0, out: 0, touched: false };
          this.classes.set(k, s);
          if (log !== null) log.push({ s, was: null });
        } else if (!s.touched && log !== null) log.push({ s, was: { ...s, reps: s.reps?.clone() ?? null } });
        if (left) {
          s.a += w;
          if (s.reps !== null) s.reps.add(this.idKey!(b, i), () => rowAt(b, i), w);
        } else s.b += w;
        if (!s.touched) {
          s.touched = true;
          touched.push(s);
        }
      }
    };
    if (this.idKey === null) {
      visit(inputs[0], true, 0);
      visit(inputs[1], false, 0);
    } else {
      // retractions first, so an updated row's representation moves behind the others (reps.ts)
      visit(inputs[0], true, -1);
      visit(inputs[0], true, 1);
      visit(inputs[1], false, 0);
    }
    const out = new BatchBuilder(this.types, touched.length);
    for (const s of touched) {
      s.touched = false;
      const m = this.mult(s.a, s.b);
      if (s.reps === null) {
        if (m !== s.out) out.push(s.row!, m - s.out);
      } else {
        const next = m > 0 ? s.reps.pick() : null;
        const nextId = s.reps.pickedId;
        if (s.out > 0 && (m === 0 || nextId !== s.rowId)) {
          out.push(s.row!, -s.out);
          s.out = 0;
        }
        if (m !== s.out) out.push(s.out > 0 ? s.row! : next!, m - s.out);
        s.row = m > 0 ? (s.out > 0 ? s.row : next) : null;
        s.rowId = m > 0 ? nextId : undefined;
      }
      s.out = m;
      if (s.a === 0 && s.b === 0) this.classes.delete(s.key);
    }
    return out.finish();
  }

  override rollback(): boolean {
    const log = this.log;
    this.log = null;
    for (const { s, was } of (log ?? []).reverse()) {
      if (was === null) {
        if (this.classes.get(s.key) === s) this.classes.delete(s.key);
      } else {
        Object.assign(s, was, { touched: false });
        this.classes.set(s.key, s);
      }
    }
    return true;
  }

  override settle(): void {
    this.log = null;
  }

  /**
   * Checkpoint: the classes in their order: each one's key (a class may hold right rows only,
   * so it is written, not derived), multiplicities a, b and out, its row when it has one (one
   * batch), then, where representations can differ, the left Reps with the entry the output row
   * came from.
   */
  saveState(w: StateWriter): void {
    if (this.log !== null) throw internalError('a set operation was saved in an unsettled step');
    const classes = [...this.classes.values()];
    w.u32(classes.length);
    for (const s of classes) w.value(s.key as KeyPart);
    w.f64s(classes.map((s) => s.a));
    w.f64s(classes.map((s) => s.b));
    w.f64s(classes.map((s) => s.out));
    w.i32s(classes.map((s) => (s.row !== null ? 1 : 0)));
    const rows = new BatchBuilder(this.types, classes.length);
    for (const s of classes) if (s.row !== null) rows.push(s.row, 1);
    w.batch(rows.finish());
    if (this.idKey !== null) saveRowReps(w, this.types, classes.map((s) => s.reps!), classes.map((s) => s.rowId));
  }

  loadState(r: StateReader): void {
    if (this.classes.size > 0) throw internalError('a checkpoint was loaded into a set operation in use');
    const n = r.u32();
    const keys: unknown[] = [];
    for (let k = 0; k < n; k++) keys.push(r.value());
    const a = r.f64s();
    const b = r.f64s();
    const out = r.f64s();
    const hasRow = r.i32s();
    const rows = r.batch();
    const reps = this.idKey !== null ? loadRowReps(r, this.idKey) : null;
    if (reps !== null && reps.list.length !== n) throw internalError('a set operation checkpoint does not fit');
    let i = 0;
    for (let k = 0; k < n; k++) {
      const row = hasRow[k] === 1 ? rowAt(rows, i++) : null;
      this.classes.set(keys[k], {
        key: keys[k],
        row,
        rowId: reps !== null ? reps.named[k] : undefined,
        reps: reps !== null ? reps.list[k] : null,
        a: a[k],
        b: b[k],
        out: out[k],
        touched: false,
      });
    }
    if (i !== rows.length) throw internalError('a set operation checkpoint does not fit its rows');
  }

  override snapshot(): Batch {
    const out = new BatchBuilder(this.types, this.classes.size);
    for (const s of this.classes.values()) if (s.out > 0) out.push(s.row!, s.out);
    return out.finish();
  }
}
