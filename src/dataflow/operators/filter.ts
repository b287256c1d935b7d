// FilterOp: keep rows whose predicate is TRUE (NULL and FALSE drop). Linear: Δ(σ A) = σ (ΔA).
// With gated errors (gated_errors.ts), a row whose predicate fails is recorded and dropped.
import type { Value } from '../../expr/value.js';
import type { Batch } from '../batch.js';
import { gather } from '../gather.js';
import type { GatedErrors } from '../gated_errors.js';
import { Operator } from '../operator.js';

export class FilterOp extends Operator {
  constructor(
    input: Operator,
    private readonly pred: (b: Batch, i: number) => Value,
    errors: GatedErrors | null = null,
  ) {
    super([input], input.types);
    this.gatedErrors = errors;
  }

  get name(): string {
    return 'Filter';
  }

  step(inputs: readonly Batch[]): Batch {
    const b = inputs[0];
    const sel = new Int32Array(b.length);
    let n = 0;
    const errors = this.gatedErrors;
    if (errors === null) {
      for (let i = 0; i < b.length; i++) if (this.pred(b, i) === true) sel[n++] = i;
    } else {
      for (let i = 0; i < b.length; i++) {
        try {
          if (this.pred(b, i) === true) sel[n++] = i;
        } catch (e) {
          errors.record(e, b.weights[i]);
        }
      }
    }
    return gather(b, sel, n);
  }
}
