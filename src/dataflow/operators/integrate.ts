// IntegrateOp: I(A) = Σ ΔA over all steps, kept by row identity; passes the delta through.
// A weight going negative means the plan is wrong: it raises an internal error.
import type { Row } from '../../expr/value.js';
import { rowAt, type Batch } from '../batch.js';
import { RowStore } from '../row_store.js';
import { Operator, type StepContext } from '../operator.js';
import type { Checkpointable, StateReader, StateWriter } from '../state_io.js';

export class IntegrateOp extends Operator implements Checkpointable {
  private readonly state: RowStore;

  /**
   * `insertOnly`: the input never takes a row back (a view over append-only tables), so its
   * rows are not indexed for finding: equal rows keep a slot each (RowStore).
   */
  constructor(input: Operator, insertOnly = false) {
    super([input], input.types);
    this.state = new RowStore(input.types, !insertOnly);
  }

  get name(): string {
    return 'Integrate';
  }

  step(inputs: readonly Batch[], ctx: StepContext): Batch {
    if (ctx.undoable) this.state.journal();
    this.state.apply(inputs[0]);
    return inputs[0];
  }

  override rollback(): boolean {
    this.state.rollback();
    return true;
  }

  override settle(): void {
    this.state.commitStep();
  }

  override snapshot(): Batch {
    return this.state.snapshot();
  }

  /** Integrated contents, each row repeated by its multiplicity. */
  rows(): Row[] {
    const snap = this.state.snapshot();
    const out: Row[] = [];
    for (let i = 0; i < snap.length; i++) for (let k = 0; k < snap.weights[i]; k++) out.push(rowAt(snap, i));
    return out;
  }

  /** Number of rows counted with multiplicity. */
  count(): number {
    return this.state.count();
  }

  /** The integrated rows (row store format: slots kept, so snapshots list them in the same order). */
  saveState(w: StateWriter): void {
    this.state.saveState(w);
  }

  loadState(r: StateReader): void {
    this.state.loadState(r);
  }
}
