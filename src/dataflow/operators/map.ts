// MapOp: per-row computed columns. Linear: Δ(map f A) = map f (ΔA), weights carried over.
// With gated errors (gated_errors.ts), a row whose computation fails is recorded and dropped.
import type { SqlType } from '../../sql/types.js';
import type { Value } from '../../expr/value.js';
import { BatchBuilder, type Batch } from '../batch.js';
import type { GatedErrors } from '../gated_errors.js';
import { Operator } from '../operator.js';

export class MapOp extends Operator {
  constructor(
    input: Operator,
    private readonly fns: readonly ((b: Batch, i: number) => Value)[],
    types: readonly SqlType[],
    errors: GatedErrors | null = null,
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
}
