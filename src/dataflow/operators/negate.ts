// NegateOp: Z-set negation (for EXCEPT ALL-style differences). Linear: Δ(−A) = −ΔA.
import { negateBatch, type Batch } from '../batch.js';
import { Operator } from '../operator.js';

export class NegateOp extends Operator {
  constructor(input: Operator) {
    super([input], input.types);
  }

  get name(): string {
    return 'Negate';
  }

  step(inputs: readonly Batch[]): Batch {
    return negateBatch(inputs[0]);
  }
}
