// ConsolidateOp: merges identical rows of each delta and drops zero weights. Linear and
// stateless: consolidation does not change the Z-set a delta denotes.
import type { Batch } from '../batch.js';
import { consolidate } from '../consolidate.js';
import { Operator } from '../operator.js';

export class ConsolidateOp extends Operator {
  constructor(input: Operator) {
    super([input], input.types);
  }

  get name(): string {
    return 'Consolidate';
  }

  step(inputs: readonly Batch[]): Batch {
    return consolidate(inputs[0]);
  }
}
