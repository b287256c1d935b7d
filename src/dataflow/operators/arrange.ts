// ArrangeOp: integrates its input into an Arrangement (indexed by key columns) within its own
// step, before downstream operators run; passes the delta through unchanged.
import type { Batch } from '../batch.js';
import { Arrangement } from '../arrangement.js';
import { Operator, type StepContext } from '../operator.js';
import type { Checkpointable, StateReader, StateWriter } from '../state_io.js';

export class ArrangeOp extends Operator implements Checkpointable {
  readonly arrangement: Arrangement;

  /** `insertOnly`: the input never takes a row back (Arrangement). */
  constructor(
    input: Operator,
    readonly keyCols: readonly number[],
    insertOnly = false,
  ) {
    super([input], input.types);
    this.arrangement = new Arrangement(input.types, keyCols, insertOnly);
  }

  get name(): string {
    return `Arrange[${this.keyCols.join(',')}]`;
  }

  step(inputs: readonly Batch[], ctx: StepContext): Batch {
    if (ctx.undoable) this.arrangement.journal();
    this.arrangement.apply(inputs[0]);
    return inputs[0];
  }

  override rollback(): boolean {
    this.arrangement.rollback();
    return true;
  }

  override settle(): void {
    this.arrangement.commitStep();
  }

  override snapshot(): Batch {
    return this.arrangement.snapshot();
  }

  /** The arrangement, slots included: joins reading it keep state keyed by its slots. */
  saveState(w: StateWriter): void {
    this.arrangement.saveState(w);
  }

  loadState(r: StateReader): void {
    this.arrangement.loadState(r);
  }

  loadSlices(r: StateReader): Generator<void, void> {
    return this.arrangement.loadSlices(r);
  }
}
