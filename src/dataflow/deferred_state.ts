// Operator state a checkpoint restore has not loaded yet. A restart is ready to serve reads as
// soon as the tables and the views' contents are loaded; the rest (arrangements, MIN/MAX
// multisets, join and DISTINCT state) is only needed by the next step. So the restore hands
// that part over here as loads (generators: each next() is one slice of the work), the
// server loads them in the background between clients, and the circuit finishes every one
// before it runs a step or changes shape (Circuit.loadDeferred): nothing ever reads state
// that is not there.

import { SqlError } from '../errors.js';

export type DeferredLoad = Iterator<unknown>;

/** Loads of many rows yield after every 2^13 (i & SLICE_MASK === SLICE_MASK): a few ms each. */
export const SLICE_MASK = (1 << 13) - 1;

export class DeferredState {
  private loads: { what: string; it: DeferredLoad }[] = [];
  private failure: SqlError | null = null;
  /** Called once, when the last load is done. */
  onDone: (() => void) | null = null;
  /** Called once, when a load fails (the restore's checkpoint is to be set aside). */
  onFailure: ((e: SqlError) => void) | null = null;

  /** Loads remain, or one failed: the circuit must not run. */
  get waiting(): boolean {
    return this.loads.length > 0 || this.failure !== null;
  }

  add(what: string, it: DeferredLoad): void {
    this.loads.push({ what, it });
  }

  /** Finish every load now; throws (every time) if one failed. */
  finish(): void {
    while (this.loads.length > 0) this.step(Infinity);
    if (this.failure) throw this.failure;
  }

  /** Load for about budgetMs; true while loads remain. Throws if one fails. */
  slice(budgetMs: number): boolean {
    const end = performance.now() + budgetMs;
    while (this.loads.length > 0 && performance.now() < end) this.step(end);
    if (this.failure) throw this.failure;
    return this.loads.length > 0;
  }

  private step(end: number): void {
    const load = this.loads[0];
    try {
      while (!load.it.next().done) if (performance.now() >= end) return;
    } catch (e) {
      // the state cannot be completed: nothing may step on it (reads of what is loaded go on)
      this.loads = [];
      this.failure = new SqlError('XX001', `the checkpoint's state of ${load.what} could not be loaded (${(e as Error).message}); writes are refused until a restart, which recovers from an older checkpoint or the log`);
      this.onDone = null;
      this.onFailure?.(this.failure);
      this.onFailure = null;
      return;
    }
    this.loads.shift();
    if (this.loads.length === 0) {
      const done = this.onDone;
      this.onDone = null;
      done?.();
    }
  }
}

/** Run a load to its end; its result. */
export function drain<T>(it: Iterator<unknown, T>): T {
  for (;;) {
    const x = it.next();
    if (x.done) return x.value;
  }
}
