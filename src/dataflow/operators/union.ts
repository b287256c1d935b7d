// UnionOp: UNION ALL as Z-set sum. Linear: Δ(A + B) = ΔA + ΔB (concatenation, unconsolidated).
import { concatBatches, type Batch } from '../batch.js';
import { Operator } from '../operator.js';

export class UnionOp extends Operator {
  constructor(inputs: readonly Operator[]) {
    if (inputs.length === 0) throw new Error('UnionOp needs at least one input');
    super(inputs, inputs[0].types);
  }

  get name(): string {
    return 'Union';
  }

  step(inputs: readonly Batch[]): Batch {
    return concatBatches(this.types, inputs);
  }
}
