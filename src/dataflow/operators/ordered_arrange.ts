// OrderedArrangeOp: integrates its input into an OrderedArrangement (ordered by key columns)
// within its own step; passes the delta through unchanged. Δ: state += ΔA.
//
// Rollback: the state is a multiset keyed by whole rows, so applying the negation of the
// unsettled step's input restores it exactly (slots may differ; nothing outside holds them).
import { BatchBuilder, negateBatch, type Batch } from '../batch.js';
import { OrderedArrangement } from '../ordered_arrangement.js';
import { Operator, type StepContext } from '../operator.js';

export class OrderedArrangeOp extends Operator {
  readonly arrangement: OrderedArrangement;
  /** The negation of the last step's input, until it settles (a copy: inputs live one step). */
  private undo: Batch | null = null;

  constructor(
    input: Operator,
    readonly keyCols: readonly number[],
  ) {
    super([input], input.types);
    this.arrangement = new OrderedArrangement(input.types, keyCols);
  }

  get name(): string {
    return `OrderedArrange[${this.keyCols.join(',')}]`;
  }

  step(inputs: readonly Batch[], ctx: StepContext): Batch {
    const delta = inputs[0];
    // a step begins only after the previous one completed (or was rolled back): it settled.
    // A hydration is not undone (a failed one discards the new operators).
    this.undo = null;
    if (!ctx.hydrating && delta.length > 0) {
      const copy = new BatchBuilder(delta.types, delta.length);
      copy.appendBatch(delta, null);
      this.undo = negateBatch(copy.finish());
    }
    this.arrangement.apply(delta);
    return delta;
  }

  override rollback(): void {
    if (this.undo) this.arrangement.apply(this.undo);
    this.undo = null;
  }

  override settle(): void {
    this.undo = null;
  }

  override snapshot(): Batch {
    return this.arrangement.snapshot();
  }
}
