// Takes a checkpoint every few seconds while the log grows, and when the database closes, so
// that a restart loads recent state instead of replaying the whole log. Each checkpoint lets
// the log's segments that both kept checkpoints cover be deleted.

import type { Durability } from '../storage/durability.js';
import { writeCheckpoint } from '../storage/checkpoint_files.js';
import { checkpointBlocked, takeCheckpoint } from './checkpoint.js';
import type { Engine } from './engine.js';

export const DEFAULT_CHECKPOINT_INTERVAL_MS = 5_000;
/**
 * Taking the state stops the server while it copies it, so checkpoints are spaced at least
 * this many times the last one's stop apart: at most 5% of the time goes to them.
 */
const PAUSE_RATIO = 20;
/** Milliseconds of background loading at a time, between other work. */
const SLICE_MS = 5;

export class Checkpointer {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  /** The log position of the last checkpoint (nothing new: no checkpoint). */
  private lastLsn: number;
  /** The last checkpoint that failed to be written, reported once. */
  lastError: string | null = null;
  /** When the next periodic checkpoint may be taken (performance.now()). */
  private notBefore = 0;

  constructor(
    private readonly engine: Engine,
    private readonly durability: Durability,
    private readonly intervalMs: number,
    private readonly log: (line: string) => void,
    coveredLsn: number,
  ) {
    this.lastLsn = coveredLsn;
  }

  start(): void {
    if (this.intervalMs <= 0) return;
    this.timer = setInterval(() => {
      if (performance.now() >= this.notBefore) void this.checkpoint();
    }, this.intervalMs);
    this.timer.unref();
  }

  /** Take and write a checkpoint if the log grew since the last one and the engine is between commits. */
  checkpoint(): Promise<void> {
    if (this.running) return this.running;
    const lsn = this.durability.endLsn;
    if (lsn === this.lastLsn || this.durability.failure || checkpointBlocked(this.engine)) return Promise.resolve();
    const started = performance.now();
    let cp: ReturnType<typeof takeCheckpoint>;
    try {
      cp = takeCheckpoint(this.engine, lsn);
    } catch (e) {
      this.report(e);
      return Promise.resolve();
    }
    const took = performance.now() - started;
    this.notBefore = performance.now() + took * PAUSE_RATIO;
    this.running = (async () => {
      try {
        const oldest = await writeCheckpoint(this.durability.dir, cp);
        this.lastLsn = lsn;
        this.durability.removeLogBefore(oldest);
        this.lastError = null;
        const rows = cp.tables.reduce((n, t) => n + t.rows.length, 0);
        this.log(`checkpoint at log position ${lsn}: ${cp.tables.length} tables (${rows} rows), ${cp.operators.length} operator states; state taken in ${Math.round(took)} ms, written in ${Math.round(performance.now() - started - took)} ms`);
      } catch (e) {
        this.report(e);
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }

  private report(e: unknown): void {
    const why = (e as Error).message;
    if (why !== this.lastError) this.log(`checkpoint failed (the log keeps everything meanwhile): ${why}`);
    this.lastError = why;
  }

  private loading: NodeJS.Immediate | null = null;

  /**
   * Load what the restored checkpoint left for later (deferred_state.ts) in slices of a few
   * milliseconds between clients; a step that comes first loads the rest itself.
   */
  loadRestoredState(): void {
    const deferred = this.engine.circuit.deferred;
    const tick = () => {
      this.loading = null;
      try {
        if (deferred.slice(SLICE_MS)) this.loading = setImmediate(tick);
      } catch {
        // reported by the failure hook; writes are refused from now on
      }
    };
    if (deferred.waiting) this.loading = setImmediate(tick);
  }

  /** Stop, after a last checkpoint (a clean shutdown restarts from it without replaying the log). */
  async close(): Promise<void> {
    if (this.loading) clearImmediate(this.loading);
    this.loading = null;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
    await this.checkpoint();
  }
}
