// OrderedArrangeOp: integrates its input into an OrderedArrangement (ordered by key columns)
// within its own step; passes the delta through unchanged. Δ: state += ΔA.
//
// Rollback: the state is a multiset keyed by whole rows, so applying the negation of the
// unsettled step's input restores it exactly (slots may differ; nothing outside holds them).
import { BatchBuilder, negateBatch, type Batch } from '../batch.js';
import { OrderedArrangement } from '../ordered_arrangement.js';
import { Operator, type StepContext } from '../operator.js';
import type { Checkpointable, StateReader, StateWriter } from '../state_io.js';
import { internalError } from '../../errors.js';

export class OrderedArrangeOp extends Operator implements Checkpointable {
  readonly arrangement: OrderedArrangement;
  /** In an undoable step (which may run in parts): a copy of its input so far, until it settles. */
  private undo: BatchBuilder | null = null;

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
    if (ctx.undoable && delta.length > 0) {
      // inputs live one step: keep a copy
      this.undo ??= new BatchBuilder(delta.types, delta.length);
      this.undo.appendBatch(delta, null);
    }
    this.arrangement.apply(delta);
    return delta;
  }

  override rollback(): boolean {
    if (this.undo) this.arrangement.apply(negateBatch(this.undo.finish()));
    this.undo = null;
    return true;
  }

  override settle(): void {
    this.undo = null;
  }

  override snapshot(): Batch {
    return this.arrangement.snapshot();
  }

  saveState(w: StateWriter): void {
    if (this.undo !== null) throw internalError('an ordered arrangement was saved in an unsettled step');
    this.arrangement.saveState(w);
  }

  loadState(r: StateReader): void {
    this.arrangement.loadState(r);
  }
}
