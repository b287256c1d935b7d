// Leaves of the circuit. A SourceOp injects the committed changes of a base table; a
// SnapshotOp feeds a fixed collection (ad-hoc reads, VALUES) once, when it is hydrated.

import type { SqlType } from '../sql/types.js';
import { emptyBatch, type Batch } from './batch.js';
import { Operator, type StepContext } from './operator.js';

export class SourceOp extends Operator {
  private pending: Batch | null = null;
  constructor(
    types: readonly SqlType[],
    private readonly contents: () => Batch,
    readonly label: string,
    /** False for an append-only table: it keeps no rows, so it is nobody's state. */
    readonly keepsRows = true,
  ) {
    super([], types);
  }
  get name(): string {
    return `source(${this.label})`;
  }
  /** Set the delta this source emits in the next step. */
  push(delta: Batch): void {
    this.pending = delta;
  }
  step(_inputs: readonly Batch[], ctx: StepContext): Batch {
    if (ctx.hydrating) return this.contents();
    const d = this.pending ?? emptyBatch(this.types);
    this.pending = null;
    return d;
  }
  override snapshot(): Batch {
    return this.contents();
  }
}

export class SnapshotOp extends Operator {
  constructor(
    types: readonly SqlType[],
    private readonly contents: () => Batch,
  ) {
    super([], types);
  }
  get name(): string {
    return 'snapshot';
  }
  step(_inputs: readonly Batch[], ctx: StepContext): Batch {
    return ctx.hydrating ? this.contents() : emptyBatch(this.types);
  }
}
