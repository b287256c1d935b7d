// OrderedArrangeOp: integrates its input into an OrderedArrangement (ordered by key columns)
// within its own step; passes the delta through unchanged. Δ: state += ΔA.
//
// Rollback: the state is a multiset keyed by whole rows, so applying the negation of the
// unsettled step's input restores it exactly (slots may differ; nothing outside holds them).
import { negateBatch, reusableBuilder, type BatchBuilder, type Batch } from '../batch.js';
import { OrderedArrangement } from '../ordered_arrangement.js';
import { Operator, type StepContext } from '../operator.js';

export class OrderedArrangeOp extends Operator {
  readonly arrangement: OrderedArrangement;
  /** A copy of the last step's input (inputs live one step), until it settles. */
  private undo: Batch | null = null;
  private undoBuilder: BatchBuilder | null = null;

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
      this.undoBuilder = reusableBuilder(this.undoBuilder, delta.types, delta.length);
      this.undoBuilder.appendBatch(delta, null);
      this.undo = this.undoBuilder.finish();
    }
    this.arrangement.apply(delta);
    return delta;
  }

  override rollback(): void {
    if (this.undo) this.arrangement.apply(negateBatch(this.undo));
    this.undo = null;
  }

  override settle(): void {
    this.undo = null;
  }

  override snapshot(): Batch {
    return this.arrangement.snapshot();
  }
}
