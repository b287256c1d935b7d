// ProjectOp: pure column selection, zero-copy. Linear: Δ(π A) = π (ΔA).
import { projectColumns, type Batch } from '../batch.js';
import { Operator } from '../operator.js';

export class ProjectOp extends Operator {
  constructor(
    input: Operator,
    readonly indices: readonly number[],
  ) {
    super([input], indices.map((i) => input.types[i]));
  }

  get name(): string {
    return 'Project';
  }

  step(inputs: readonly Batch[]): Batch {
    return projectColumns(inputs[0], this.indices);
  }
}
