// IntegrateOp: I(A) = Σ ΔA over all steps, kept by row identity; passes the delta through.
// A weight going negative means the plan is wrong: it raises an internal error.
import type { Row } from '../../expr/value.js';
import type { Batch } from '../batch.js';
import { Arrangement } from '../arrangement.js';
import { Operator } from '../operator.js';

export class IntegrateOp extends Operator {
  private readonly state: Arrangement;

  constructor(input: Operator) {
    super([input], input.types);
    this.state = new Arrangement(input.types, []);
  }

  get name(): string {
    return 'Integrate';
  }

  step(inputs: readonly Batch[]): Batch {
    this.state.apply(inputs[0]);
    return inputs[0];
  }

  override snapshot(): Batch {
    return this.state.snapshot();
  }

  /** Integrated contents, each row repeated by its multiplicity. */
  rows(): Row[] {
    const out: Row[] = [];
    for (const bucket of this.state.buckets.values()) {
      for (const e of bucket.values()) for (let k = 0; k < e.weight; k++) out.push(e.row.slice());
    }
    return out;
  }

  /** Number of rows counted with multiplicity. */
  count(): number {
    let n = 0;
    for (const bucket of this.state.buckets.values()) for (const e of bucket.values()) n += e.weight;
    return n;
  }
}
