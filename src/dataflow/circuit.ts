// The circuit: every operator of every materialized view, run in topological order once per
// logical timestamp. Operators are created after their inputs, so creation order (operator
// id) is a topological order; the circuit keeps them sorted by id.
//
// One step = one committed transaction (or a batch of them) at one timestamp: every view
// moves from the state at t-1 to the state at t together, so no read ever sees a view that
// reflects part of a transaction.

import { emptyBatch, type Batch } from './batch.js';
import type { Operator, StepContext } from './operator.js';
import type { GatedErrors } from './gated_errors.js';
import { internalError } from '../errors.js';
import { checkHeapUse, type MemoryBudget } from './memory.js';
import { DeferredState } from './deferred_state.js';

export class Circuit {
  private ops: Operator[] = [];
  /** The operators that record gated errors (their gates may open in any later step). */
  private gated = new Set<GatedErrors>();
  /** The operators that follow the clock (Operator.nextEvent). */
  private clocked = new Set<Operator>();
  /** State a checkpoint restore left to load: finished before any step or change of shape. */
  readonly deferred = new DeferredState();

  /** Finish loading restored state (throws if that failed): before anything uses operators' state beyond views' contents. */
  loadDeferred(): void {
    if (this.deferred.waiting) this.deferred.finish();
  }

  add(ops: readonly Operator[]): void {
    this.loadDeferred();
    // new operators are normally newer than all others: appending keeps the order
    const last = this.ops.length ? this.ops[this.ops.length - 1].id : -Infinity;
    for (const op of ops) {
      this.ops.push(op);
      if (op.gatedErrors) this.gated.add(op.gatedErrors);
      if (op.nextEvent) this.clocked.add(op);
    }
    if (ops.some((op) => op.id <= last) || !isSorted(ops)) this.ops.sort((a, b) => a.id - b.id);
  }

  remove(ops: readonly Operator[]): void {
    this.loadDeferred();
    const dead = new Set(ops);
    this.ops = this.ops.filter((o) => !dead.has(o));
    for (const op of ops) {
      if (op.gatedErrors) this.gated.delete(op.gatedErrors);
      this.clocked.delete(op);
    }
  }

  /** The earliest clock time at which an operator that follows the clock changes; null if none will. */
  nextClockEvent(): bigint | null {
    let next: bigint | null = null;
    for (const op of this.clocked) {
      const t = op.nextEvent!();
      if (t !== null && (next === null || t < next)) next = t;
    }
    return next;
  }

  /** Some operator follows the clock. */
  get followsClock(): boolean {
    return this.clocked.size > 0;
  }

  /** Operators that read `op` (to know whether a shared operator is still in use). */
  consumers(op: Operator): Operator[] {
    return this.ops.filter((o) => o.inputs.includes(op));
  }

  get size(): number {
    return this.ops.length;
  }

  /**
   * The operators the last step ran before it failed (the failing one included): their state
   * holds part of a change that did not happen until rollback(). Null after a step that
   * completed.
   */
  failedStep: Set<Operator> | null = null;

  /**
   * Run one step. Sources must have been given their deltas (SourceOp.push) beforehand.
   * Returns each operator's output delta (operators that were idle are absent). With
   * `undoable`, a step that fails can be undone by rollback(); one that completes is settled
   * (see endStep for `beforeSettle`).
   */
  step(time: number, memory?: MemoryBudget, undoable = false, beforeSettle?: () => void): Map<Operator, Batch> {
    if (!undoable) {
      this.failedStep = null;
      const out = this.run({ time, hydrating: false, memory });
      this.raiseGated(out.keys());
      return out;
    }
    const out = this.stepPart(time, memory);
    this.endStep(beforeSettle);
    return out;
  }

  /** The operators that ran in the parts of the undoable step under way. */
  private running = new Set<Operator>();

  /** Parts of an undoable step have run, and it has not ended. */
  get stepUnderWay(): boolean {
    return this.running.size > 0;
  }

  /**
   * One part of an undoable step: a step over part of the step's input (the rest is pushed
   * and run by further parts; the operators are incremental, so the parts add up to the
   * whole). Nothing is settled and no gated error is raised until endStep(), so a failure in
   * any part is undone by rollback() as a whole.
   */
  stepPart(time: number, memory?: MemoryBudget): Map<Operator, Batch> {
    if (this.running.size === 0) this.failedStep = null;
    try {
      return this.run({ time, hydrating: false, memory, undoable: true }, this.running);
    } catch (e) {
      this.failedStep = this.running;
      this.running = new Set();
      throw e;
    }
  }

  /**
   * End an undoable step run by stepPart(): raise a gated error that is due, else settle.
   * `beforeSettle` runs last before settling (the commit's write-ahead log record): if it
   * throws, the step can still be rolled back.
   */
  endStep(beforeSettle?: () => void): void {
    const ran = this.running;
    this.running = new Set();
    this.raiseGated(ran);
    if (beforeSettle) {
      try {
        beforeSettle();
      } catch (e) {
        this.failedStep = new Set(ran);
        throw e;
      }
    }
    for (const op of ran) {
      op.settle();
      op.gatedErrors?.commitStep();
    }
  }

  /** Run every operator with input, recording into `ran` those that ran (the failing one too). */
  private run(ctx: StepContext, ran?: Set<Operator>): Map<Operator, Batch> {
    this.loadDeferred();
    const out = new Map<Operator, Batch>();
    for (const op of this.ops) {
      const inputs = op.inputs.map((i) => out.get(i) ?? emptyBatch(i.types));
      // Linear and stateful operators alike produce nothing from nothing (global aggregates
      // emit their empty-input row at hydration), so idle parts of the circuit are skipped.
      if (!op.alwaysRun && op.inputs.length > 0 && inputs.every((b) => b.length === 0)) continue;
      ran?.add(op);
      try {
        if (ctx.undoable) op.gatedErrors?.journal();
        out.set(op, op.step(inputs, ctx));
      } catch (e) {
        if (ran === undefined) this.failedStep = new Set([...out.keys(), op]);
        throw failedIn(e, op);
      }
      if (ctx.memory !== undefined) guardHeap(op, inputs, out.get(op)!);
    }
    return out;
  }

  private raiseGated(ran: Iterable<Operator>): void {
    try {
      raiseDue(this.gated, this.ops);
    } catch (e) {
      this.failedStep = new Set(ran);
      throw e;
    }
  }

  /**
   * Undo the state changes of the undoable step that failed, newest operator first. Returns
   * the operators that could not undo theirs (their dataflows must be rebuilt).
   */
  rollback(): Set<Operator> {
    const failed = new Set<Operator>();
    // a step that failed, or one under way in parts (stopped between them: a cancel)
    const ran = this.failedStep ?? (this.running.size > 0 ? this.running : null);
    this.failedStep = null;
    this.running = new Set();
    if (ran === null) return failed;
    for (const op of [...ran].sort((a, b) => b.id - a.id)) {
      if (!op.rollback()) failed.add(op);
      op.gatedErrors?.rollback();
    }
    return failed;
  }

  /** Drop every operator that no root (view output, table source) depends on. */
  collectGarbage(roots: readonly Operator[]): Operator[] {
    const live = new Set<Operator>();
    const visit = (o: Operator) => {
      if (live.has(o)) return;
      live.add(o);
      for (const i of o.inputs) visit(i);
    };
    roots.forEach(visit);
    const dead = this.ops.filter((o) => !live.has(o));
    this.ops = this.ops.filter((o) => live.has(o));
    for (const op of dead) {
      if (op.gatedErrors) this.gated.delete(op.gatedErrors);
      this.clocked.delete(op);
    }
    return dead;
  }

  operators(): readonly Operator[] {
    return this.ops;
  }
}

/**
 * Hydrate freshly built operators: feed them the full contents of the existing operators they
 * read, in one step at `time`. Returns every new operator's output (the last one's is the
 * result of an ad-hoc query).
 */
export function hydrate(newOps: readonly Operator[], time: number, memory?: MemoryBudget): Map<Operator, Batch> {
  const ctx: StepContext = { time, hydrating: true, memory };
  const isNew = new Set(newOps);
  const out = new Map<Operator, Batch>();
  const ordered = [...newOps].sort((a, b) => a.id - b.id);
  for (const op of ordered) {
    const inputs = op.inputs.map((i) => {
      if (isNew.has(i)) return out.get(i)!;
      const snap = i.snapshot();
      if (!snap) throw internalError(`operator ${i.name} cannot be read by a new view (no integrated state)`);
      return snap;
    });
    out.set(op, op.step(inputs, ctx));
    if (memory !== undefined) guardHeap(op, inputs, out.get(op)!);
  }
  raiseDue(newOps.flatMap((op) => (op.gatedErrors ? [op.gatedErrors] : [])), newOps);
  return out;
}

/**
 * After a step: raise an error recorded by a gated operator whose gates are all open (the
 * state the step reached is one PostgreSQL could not read). The caller undoes the step.
 */
const FAILED_IN = Symbol('operator');

/** Remember which operator a step's error came from (to name the view it maintains). */
function failedIn(e: unknown, op: Operator | undefined): unknown {
  if (op && e instanceof Error) Object.defineProperty(e, FAILED_IN, { value: op, configurable: true });
  return e;
}

/** The operator whose step raised `e`, if a circuit step did. */
export function failedOperator(e: unknown): Operator | undefined {
  return e instanceof Error ? ((e as any)[FAILED_IN] as Operator | undefined) : undefined;
}

/** Raise the first error a gate has let through, from the operator (of `ops`) it is in. */
function raiseDue(gated: Iterable<GatedErrors>, ops: readonly Operator[]): void {
  for (const g of gated) {
    const e = g.due();
    if (e) throw failedIn(e, ops.find((op) => op.gatedErrors === g));
  }
}

/**
 * After operators have handled many rows since the last look (counted across steps, so small
 * steps, such as a sliced read's shrunken chunks, are watched too): stop the step if the heap
 * is nearly full.
 */
let rowsSinceHeapCheck = 0;
function guardHeap(op: Operator, inputs: readonly Batch[], output: Batch): void {
  rowsSinceHeapCheck += output.length;
  for (const b of inputs) rowsSinceHeapCheck += b.length;
  if (rowsSinceHeapCheck < 4096) return;
  const rows = rowsSinceHeapCheck;
  rowsSinceHeapCheck = 0;
  checkHeapUse(`after ${op.name} and the operators before it processed ${rows} rows`);
}

function isSorted(ops: readonly Operator[]): boolean {
  for (let i = 1; i < ops.length; i++) if (ops[i - 1].id > ops[i].id) return false;
  return true;
}
