// DistinctOp: each class of SQL-equal rows appears once while its integrated weight is
// positive. Per touched class: emit −old representative / +new one only when they differ.
// With several inputs it is UNION (distinct) over the branches: PostgreSQL hashes the Append
// of the branches in order, so a class shows a representation of the first branch holding one.
import { CHECK_EVERY, checkHeap, checkHeapUse } from '../memory.js';
import type { Row, Value } from '../../expr/value.js';
import type { ClosingGroups } from '../closing_groups.js';
import { BatchBuilder, rowAt, type Batch } from '../batch.js';
import { batchKeyFn, batchRowIdentity, type BatchKeyFn } from '../keys.js';
import { Operator, type StepContext } from '../operator.js';
import { Reps, identityIsEquality, loadRowReps, saveRowReps } from '../reps.js';
import type { Checkpointable, StateReader, StateWriter } from '../state_io.js';
import { internalError } from '../../errors.js';

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

/** A class as it was before an undoable step first touched it (null: the step created it). */
interface Before {
  key: unknown;
  s: ClassState;
  was: Omit<ClassState, 'touched'> | null;
}

export class DistinctOp extends Operator implements Checkpointable {
  private readonly classes = new Map<unknown, ClassState>();
  private log: Before[] | null = null;
  private readonly eqKey: BatchKeyFn;
  private readonly idKey: BatchKeyFn | null;

  /** One input: SELECT DISTINCT; several: the branches of a UNION, in order. */
  constructor(input: Operator | readonly Operator[]) {
    const inputs = Array.isArray(input) ? (input as readonly Operator[]) : [input as Operator];
    super(inputs, inputs[0].types);
    const types = inputs[0].types;
    this.eqKey = batchKeyFn(types, types.map((_, i) => i), 'equality');
    this.idKey = types.every(identityIsEquality) ? null : batchRowIdentity(types);
  }

  get name(): string {
    return this.inputs.length > 1 ? 'Distinct[union]' : 'Distinct';
  }

  step(inputs: readonly Batch[], ctx: StepContext): Batch {
    const guarded = ctx.memory !== undefined;
    const touched: [unknown, ClassState][] = [];
    if (ctx.undoable) this.log ??= [];
    const log = this.log;
    const visit = (b: Batch, rank: number, sign: number) => {
      for (let i = 0; i < b.length; i++) {
        const w = b.weights[i];
        if (w === 0 || (sign > 0 && w < 0) || (sign < 0 && w > 0)) continue;
        const k = this.eqKey(b, i);
        let s = this.classes.get(k);
        if (s === undefined) {
          s = { total: 0, emitted: null, emittedId: undefined, row: rowAt(b, i), reps: this.idKey ? new Reps() : null, touched: false };
          this.classes.set(k, s);
          if (log !== null) log.push({ key: k, s, was: null });
          if ((this.classes.size & (CHECK_EVERY - 1)) === 0 && guarded) {
            checkHeap(CHECK_EVERY, 160 + (typeof k === 'string' ? 2 * k.length : 0), 'DISTINCT');
            checkHeapUse(`with ${this.classes.size} distinct rows`);
          }
        }
        if (!s.touched && log !== null && s.total !== 0) log.push({ key: k, s, was: { ...s, reps: s.reps?.clone() ?? null } });
        s.total += w;
        if (s.reps !== null) s.reps.add(this.idKey!(b, i), () => rowAt(b, i), w, rank);
        if (!s.touched) {
          s.touched = true;
          touched.push([k, s]);
        }
      }
    };
    if (this.idKey === null) inputs.forEach((b, r) => visit(b, r, 0));
    else {
      // retractions first, so an updated row's representation moves behind the others (reps.ts)
      inputs.forEach((b, r) => visit(b, r, -1));
      inputs.forEach((b, r) => visit(b, r, 1));
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
    const result = out.finish();
    this.closing?.observe(result);
    return result;
  }

  /** Rows by a window a watermark closes: their classes are forgotten once closed (closing_groups.ts). */
  closing: ClosingGroups | null = null;

  /** Forget, without output, the classes whose row has `closed(value of column c)`; `kept` sees the others'. */
  private forgetClasses(c: number, closed: (v: Value) => boolean, kept: (v: Value) => void): void {
    for (const [k, s] of this.classes) {
      const v = (s.emitted ?? s.row)[c];
      if (closed(v)) this.classes.delete(k);
      else kept(v);
    }
  }

  override rollback(): boolean {
    const log = this.log;
    this.log = null;
    for (const { key, s, was } of (log ?? []).reverse()) {
      if (was === null) {
        if (this.classes.get(key) === s) this.classes.delete(key);
        continue;
      }
      Object.assign(s, was, { touched: false });
      this.classes.set(key, s);
    }
    return true;
  }

  override settle(): void {
    this.log = null;
    this.closing?.release((closed, kept) => this.forgetClasses(this.closing!.col, closed, kept));
  }

  /**
   * Checkpoint: the classes in their order (snapshots list them so): each one's total weight,
   * whether it is output, and its output row (else its first row) in one batch; then, where
   * representations can differ, their Reps, with the entry the output row came from. A class
   * without Reps outputs its first row, so the one row stands for both.
   */
  saveState(w: StateWriter): void {
    if (this.log !== null) throw internalError('DISTINCT was saved in an unsettled step');
    const classes = [...this.classes.values()];
    const rows = new BatchBuilder(this.types, classes.length);
    for (const s of classes) rows.push(s.emitted ?? s.row, 1);
    w.f64s(classes.map((s) => s.total));
    w.i32s(classes.map((s) => (s.emitted !== null ? 1 : 0)));
    w.batch(rows.finish());
    if (this.idKey !== null) saveRowReps(w, this.types, classes.map((s) => s.reps!), classes.map((s) => s.emittedId));
  }

  loadState(r: StateReader): void {
    if (this.classes.size > 0) throw internalError('a checkpoint was loaded into a DISTINCT in use');
    this.closing?.restored();
    const totals = r.f64s();
    const shown = r.i32s();
    const rows = r.batch();
    const reps = this.idKey !== null ? loadRowReps(r, this.idKey) : null;
    if (rows.length !== totals.length || (reps !== null && reps.list.length !== rows.length)) throw internalError('a DISTINCT checkpoint does not fit');
    for (let i = 0; i < rows.length; i++) {
      const row = rowAt(rows, i);
      this.classes.set(this.eqKey(rows, i), {
        total: totals[i],
        emitted: shown[i] === 1 ? row : null,
        emittedId: reps !== null ? reps.named[i] : undefined,
        row,
        reps: reps !== null ? reps.list[i] : null,
        touched: false,
      });
    }
  }

  /** The distinct rows currently emitted (the classes are the integrated state already). */
  override snapshot(): Batch {
    const out = new BatchBuilder(this.types, this.classes.size);
    for (const s of this.classes.values()) if (s.emitted !== null) out.push(s.emitted, 1);
    return out.finish();
  }
}
