// FilterOp: keep rows whose predicate is TRUE (NULL and FALSE drop). Linear: Δ(σ A) = σ (ΔA).
import type { Value } from '../../expr/value.js';
import type { Batch } from '../batch.js';
import { gather } from '../gather.js';
import { Operator } from '../operator.js';

export class FilterOp extends Operator {
  constructor(
    input: Operator,
    private readonly pred: (b: Batch, i: number) => Value,
  ) {
    super([input], input.types);
  }

  get name(): string {
    return 'Filter';
  }

  step(inputs: readonly Batch[]): Batch {
    const b = inputs[0];
    const sel = new Int32Array(b.length);
    let n = 0;
    for (let i = 0; i < b.length; i++) if (this.pred(b, i) === true) sel[n++] = i;
    return gather(b, sel, n);
  }
}
