// MapOp: per-row computed columns. Linear: Δ(map f A) = map f (ΔA), weights carried over.
import type { SqlType } from '../../sql/types.js';
import type { Value } from '../../expr/value.js';
import { BatchBuilder, type Batch } from '../batch.js';
import { Operator } from '../operator.js';

export class MapOp extends Operator {
  constructor(
    input: Operator,
    private readonly fns: readonly ((b: Batch, i: number) => Value)[],
    types: readonly SqlType[],
  ) {
    super([input], types);
  }

  get name(): string {
    return 'Map';
  }

  step(inputs: readonly Batch[]): Batch {
    const b = inputs[0];
    const fns = this.fns;
    const out = new BatchBuilder(this.types, b.length);
    for (let i = 0; i < b.length; i++) {
      for (let c = 0; c < fns.length; c++) out.set(c, fns[c](b, i));
      out.commitRow(b.weights[i]);
    }
    return out.finish();
  }
}
