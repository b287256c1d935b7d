// MapOp: per-row computed columns. Linear: Δ(map f A) = map f (ΔA), weights carried over.
// With gated errors (gated_errors.ts), a row whose computation fails is recorded and dropped.
// Integer arithmetic columns may come with a kernel (expr/int_kernel.ts) that computes the
// whole column in doubles, without a bigint per value; a batch it gives up on goes row by row.
import type { SqlType } from '../../sql/types.js';
import type { Value } from '../../expr/value.js';
import { BatchBuilder, type Batch } from '../batch.js';
import type { GatedErrors } from '../gated_errors.js';
import type { IntKernel } from '../../expr/int_kernel.js';
import { Operator } from '../operator.js';

export class MapOp extends Operator {
  constructor(
    input: Operator,
    private readonly fns: readonly ((b: Batch, i: number) => Value)[],
    types: readonly SqlType[],
    errors: GatedErrors | null = null,
    /**
     * Without gated errors: per output column, its kernel, or the input column it copies
     * (a number), or null (row by row).
     */
    private readonly kernels: readonly (IntKernel | number | null)[] | null = null,
  ) {
    super([input], types);
    this.gatedErrors = errors;
  }

  get name(): string {
    return 'Map';
  }

  step(inputs: readonly Batch[]): Batch {
    const b = inputs[0];
    const fns = this.fns;
    const out = new BatchBuilder(this.types, b.length);
    const errors = this.gatedErrors;
    if (errors === null) {
      if (this.kernels !== null && this.byColumns(b, out)) return out.finish();
      for (let i = 0; i < b.length; i++) {
        for (let c = 0; c < fns.length; c++) out.set(c, fns[c](b, i));
        out.commitRow(b.weights[i]);
      }
      return out.finish();
    }
    for (let i = 0; i < b.length; i++) {
      try {
        // a failing row is not committed: the next row overwrites what it set
        for (let c = 0; c < fns.length; c++) out.set(c, fns[c](b, i));
      } catch (e) {
        errors.record(e, b.weights[i]);
        continue;
      }
      out.commitRow(b.weights[i]);
    }
    return out.finish();
  }

  /**
   * The kernels' columns at once, the copied ones whole, the others row by row (errors in row
   * order among those); false when no kernel computed this batch.
   */
  private byColumns(b: Batch, out: BatchBuilder): boolean {
    const n = b.length;
    const kernels = this.kernels!;
    const cols = kernels.map((k) => (k === null || typeof k === 'number' ? null : k(b, n)));
    if (cols.every((c) => c === null)) return false;
    out.reserve(n);
    const fns = this.fns;
    const rowWise = kernels.map((k, c) => cols[c] === null && typeof k !== 'number');
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < fns.length; c++) if (rowWise[c]) out.setAt(c, i, fns[c](b, i));
    }
    for (let c = 0; c < cols.length; c++) {
      const k = kernels[c];
      if (typeof k === 'number') out.copyColumnAt(c, b.columns[k], 0, n);
      const vals = cols[c];
      if (vals === null) continue;
      const ints = out.int32Column(c);
      for (let i = 0; i < n; i++) {
        const v = vals[i];
        if (v !== v) out.setAt(c, i, null);
        else if (ints !== null) ints[i] = v;
        else out.setInt64At(c, i, v);
      }
    }
    out.advanceWith(n, b.weights);
    return true;
  }
}
