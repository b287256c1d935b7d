// The operator contract of the dataflow (a synchronous circuit in DBSP's sense).
//
// A circuit runs one *step* per logical timestamp. In a step every operator receives, for each
// input, the change (a Z-set delta batch) its input produced at this timestamp, and returns the
// change of its own output. Stateful operators keep what they need of the integrated history
// (arrangements, per-group accumulators); stateless ones are linear and need none.
//
// Hydration (a new view over existing data) is just a step in which the new operators' inputs
// deliver their whole current contents as one delta from the empty collection; `ctx.hydrating`
// lets operators that read shared, already-populated arrangements avoid counting twice.

import type { SqlType } from '../sql/types.js';
import type { Batch } from './batch.js';
import type { GatedErrors } from './gated_errors.js';
import type { MemoryBudget } from './memory.js';

export interface StepContext {
  /** Logical timestamp of this step. */
  readonly time: number;
  /** True while a newly created subgraph is fed the full contents of its inputs. */
  readonly hydrating: boolean;
  /** The budget operators whose output grows with the data check before allocating (memory.ts). */
  readonly memory?: MemoryBudget;
  /**
   * The step may be undone (a commit: a later operator may fail): stateful operators log what
   * they change until the circuit calls settle() or rollback().
   */
  readonly undoable?: boolean;
}

let nextOperatorId = 1;

export abstract class Operator {
  readonly id = nextOperatorId++;
  /** Operators whose output deltas feed this one, in argument order. */
  readonly inputs: readonly Operator[];
  /** Output schema. */
  readonly types: readonly SqlType[];
  /** Errors this operator's expressions recorded instead of raising (gated_errors.ts). */
  gatedErrors: GatedErrors | null = null;
  /** Runs in every step, even without input (it reacts to something besides its input: a watermark). */
  readonly alwaysRun: boolean = false;
  /** Operators that follow the clock (temporal filters): the clock time of their next change, null if none is scheduled. */
  nextEvent?(): bigint | null;

  constructor(inputs: readonly Operator[], types: readonly SqlType[]) {
    this.inputs = inputs;
    this.types = types;
  }

  /** Short name for EXPLAIN-style dumps and errors. */
  abstract get name(): string;

  /** Consume this step's input deltas (one per input) and return this step's output delta. */
  abstract step(inputs: readonly Batch[], ctx: StepContext): Batch;

  /**
   * Operators that keep their whole output integrated (tables, materialized views,
   * arrangements) return it here, so a later-created subgraph can hydrate from them.
   */
  snapshot(): Batch | undefined {
    return undefined;
  }

  /**
   * Undo every change of state made since the last settle() (an undoable step failed here or
   * after this operator). False when the operator cannot, and its dataflow must be rebuilt.
   * Stateless operators have nothing to undo.
   */
  rollback(): boolean {
    return true;
  }

  /** The undoable step completed: forget what rollback() would have needed. */
  settle(): void {}
}
