// Errors as data, for expressions PostgreSQL evaluates only when another input has rows.
//
// PostgreSQL does not read a subquery that no outer row needs (a semi-join whose outer side is
// empty, an initPlan never used) nor anything below a one-time filter that is false, so an
// error in such an expression (`b.d - b.d` on an infinite date inside an EXISTS over an empty
// table) is not raised. The planner marks such join sides (`gate` in plan/logical.ts); an
// operator lowered inside one records the errors of its rows here instead of throwing: each
// distinct error with the integrated weight of the rows raising it (a row inserted +1, its
// deletion −1: the expression is evaluated again and fails again). At the end of a step (and
// of a hydration) the circuit raises an error still recorded whose gates are all open — every
// enclosing gated join's other side has rows — and the transaction fails as any failed step
// does. An erroring row is dropped from the operator's output: while it is there, either a
// gate is closed, so nothing downstream of the gated join can see it, or the step fails.
// Nothing is done for rows that do not fail.

import { SqlError, internalError, type Sqlstate } from '../errors.js';
import type { Checkpointable, StateReader, StateWriter } from './state_io.js';

/** A gate: open while the other side of a gated join has rows. */
export type Gate = () => boolean;

export class GatedErrors implements Checkpointable {
  private recorded = new Map<string, { error: SqlError; weight: number }>();
  /** In an undoable step: true until the first change, then the entries before it. */
  private saved: Map<string, { error: SqlError; weight: number }> | boolean = false;

  constructor(readonly gates: readonly Gate[]) {}

  /** Keep what is recorded now, for rollback(), until commitStep(). */
  journal(): void {
    if (this.saved === false) this.saved = true;
  }

  commitStep(): void {
    this.saved = false;
  }

  rollback(): void {
    if (this.saved instanceof Map) this.recorded = this.saved;
    this.saved = false;
  }

  /** Record `e` (thrown by a row of the given weight); anything but a SqlError is a bug and rethrown. */
  record(e: unknown, weight: number): void {
    if (!(e instanceof SqlError)) throw e;
    if (weight === 0) return;
    // errors are few: a copy of them all is the undo information
    if (this.saved === true) this.saved = new Map([...this.recorded].map(([k, r]) => [k, { ...r }]));
    const key = errorKey(e.code, e.message);
    const r = this.recorded.get(key);
    if (!r) this.recorded.set(key, { error: e, weight });
    else if ((r.weight += weight) === 0) this.recorded.delete(key);
  }

  /**
   * Checkpoint: the recorded errors in their order (due() raises the first), each with its
   * weight and its fields. An operator's gatedErrors is saved apart from the operator
   * (state_io.ts, checkpointParts): a filter or projection keeps nothing else.
   */
  saveState(w: StateWriter): void {
    if (this.saved !== false) throw internalError('gated errors were saved in an unsettled step');
    w.u32(this.recorded.size);
    for (const { error: e, weight } of this.recorded.values()) {
      w.string(e.code);
      w.string(e.message);
      w.f64(weight);
      w.string(e.severity);
      for (const f of [e.detail, e.hint, e.where]) {
        w.bool(f !== undefined);
        if (f !== undefined) w.string(f);
      }
      w.bool(e.position !== undefined);
      if (e.position !== undefined) w.f64(e.position);
    }
  }

  loadState(r: StateReader): void {
    if (this.recorded.size > 0) throw internalError('a checkpoint was loaded into gated errors in use');
    for (let n = r.u32(); n > 0; n--) {
      const code = r.string() as Sqlstate;
      const message = r.string();
      const weight = r.f64();
      const severity = r.string() as SqlError['severity'];
      const [detail, hint, where] = [0, 1, 2].map(() => (r.bool() ? r.string() : undefined));
      const position = r.bool() ? r.f64() : undefined;
      const error = new SqlError(code, message, { severity, detail, hint, where, position });
      this.recorded.set(errorKey(code, message), { error, weight });
    }
  }

  /** Some error is recorded (whether or not its gates are open). */
  get live(): boolean {
    return this.recorded.size > 0;
  }

  /** The error to raise now: a recorded one, when every gate is open. */
  due(): SqlError | null {
    if (this.recorded.size === 0) return null;
    for (const g of this.gates) if (!g()) return null;
    return this.recorded.values().next().value!.error;
  }
}

/** Errors with the same code and message are one entry. */
function errorKey(code: string, message: string): string {
  return `${code}\u0000${message}`;
}
