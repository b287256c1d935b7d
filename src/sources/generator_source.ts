// A table fed by a built-in generator (datagen, nexmark): positions are produced at the
// wanted rate (or as fast as possible) and applied in transactions of at most `batch` rows,
// with the event loop free between them, so clients are served while it runs.

import type { TableEntry } from '../catalog/catalog.js';
import type { Engine } from '../engine/engine.js';
import type { Generator } from './generators/options.js';
import { SourceRunner } from './source_runner.js';

/** How often a rate-limited generator wakes up. */
const TICK_MS = 20;

export class GeneratorSource extends SourceRunner {
  private position = 0;
  private timer: NodeJS.Timeout | null = null;
  private started = Date.now();

  constructor(
    engine: Engine,
    table: TableEntry,
    connector: 'datagen' | 'nexmark',
    private readonly generator: Generator,
    private readonly batch: number,
  ) {
    super(engine, table, connector, null, 'skip');
    this.partition(0, 0);
    this.state = 'running';
    this.schedule(0);
  }

  get description(): string {
    return `${this.connector} generator`;
  }

  override resume(positions: ReadonlyMap<number, number>): void {
    super.resume(positions);
    const at = positions.get(0);
    if (at === undefined) return;
    this.position = at;
    // a rate-limited generator goes on at its rate from here, not from position 0
    const rate = this.generator.rate;
    if (rate > 0) this.started = Date.now() - (at / rate) * 1000;
  }

  override async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await super.stop();
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    this.timer = delay === 0 ? (setImmediate(() => this.tick()) as unknown as NodeJS.Timeout) : setTimeout(() => this.tick(), delay);
    this.timer.unref?.();
  }

  private tick(): void {
    this.timer = null;
    if (this.stopped) return;
    const g = this.generator;
    // positions due by now at the wanted rate, at most one transaction's worth
    const due = g.rate > 0 ? Math.floor(((Date.now() - this.started) / 1000) * g.rate) : Infinity;
    const count = Math.min(due - this.position, g.end - this.position, this.batch);
    if (count > 0) {
      const rows = g.rows(this.position, count);
      this.partitions.get(0)!.highWatermark = Number.isFinite(g.end) ? g.end : null;
      // positions, not rows: a nexmark table takes only its own kind of event
      const from = this.position;
      if (!this.applyRows(0, rows, from + count, (i) => from + i)) return;
      this.position += count;
    }
    if (this.position >= g.end) {
      this.setState('finished');
      return;
    }
    this.schedule(g.rate > 0 && this.position >= due ? TICK_MS : 0);
  }
}
