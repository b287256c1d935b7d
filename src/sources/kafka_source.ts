// A table fed by a Kafka topic. The engine's per-partition offsets are the truth: the
// consumer starts (and restarts after a broker comes back) at them, so nothing is applied
// twice or skipped; consumer-group commits only let other tools watch the lag.

import type { TableEntry } from '../catalog/catalog.js';
import type { Engine } from '../engine/engine.js';
import { createKafkaConsumer, type KafkaBatch, type KafkaConsumer } from './kafka/client.js';
import type { KafkaOptions } from './kafka_options.js';
import { makeDecoder } from './formats/decoder.js';
import { SourceRunner } from './source_runner.js';
import type { RowChange, SourceMessage } from './types.js';

const RETRY_MIN_MS = 250;
const RETRY_MAX_MS = 10_000;
/** How often offsets are committed to the consumer group (lag monitoring only). */
const GROUP_COMMIT_MS = 1_000;

export class KafkaSource extends SourceRunner {
  private consumer: KafkaConsumer | null = null;
  private readonly decode: (m: SourceMessage) => RowChange[];
  private groupTimer: NodeJS.Timeout | null = null;
  private running: Promise<void>;

  constructor(
    engine: Engine,
    table: TableEntry,
    private readonly options: KafkaOptions,
  ) {
    super(engine, table, 'kafka', options.topic, options.onError);
    this.decode = makeDecoder(options.format, { name: table.name, columns: table.columns, primaryKey: table.primaryKey }, options.formatOptions);
    this.running = this.run();
  }

  get description(): string {
    return `kafka topic "${this.options.topic}"`;
  }

  /** Connect (retrying with backoff until it works or the source is dropped), then consume. */
  private async run(): Promise<void> {
    let delay = RETRY_MIN_MS;
    while (!this.stopped) {
      const consumer = createKafkaConsumer({ brokers: this.options.brokers, topic: this.options.topic, groupId: this.options.groupId, clientId: this.options.clientId });
      try {
        const marks = await consumer.watermarks();
        const from = new Map<number, number>();
        for (const m of marks) {
          const known = this.nextOffset(m.partition);
          from.set(m.partition, known ?? (this.options.start === 'earliest' ? m.low : m.high));
          this.partition(m.partition, from.get(m.partition)!).highWatermark = m.high;
        }
        if (this.stopped) {
          await consumer.stop().catch(() => {});
          return;
        }
        this.consumer = consumer;
        await consumer.start(from, (b) => this.onBatch(b), (s) => this.setState(s.state, 'error' in s ? s.error : undefined));
        this.setState('running');
        this.groupTimer = setInterval(() => void this.commitGroup(), GROUP_COMMIT_MS);
        this.groupTimer.unref();
        return;
      } catch (e) {
        await consumer.stop().catch(() => {});
        if (this.stopped) return;
        this.setState('retrying', `could not start consuming topic "${this.options.topic}": ${(e as Error).message}`);
        await new Promise((r) => setTimeout(r, delay).unref());
        delay = Math.min(delay * 2, RETRY_MAX_MS);
      }
    }
  }

  private async onBatch(b: KafkaBatch): Promise<void> {
    if (this.stopped || this.state === 'failed') return;
    const status = this.partition(b.partition, b.messages[0]?.offset ?? b.nextOffset);
    status.highWatermark = b.highWatermark;
    // the engine's offset decides: a redelivered message is never applied twice
    const fresh = b.messages.filter((m) => m.offset >= status.next);
    const max = this.options.maxBatchMessages;
    for (let i = 0; i < fresh.length && !this.stopped; i += max) {
      const chunk = fresh.slice(i, i + max);
      const last = i + max >= fresh.length;
      const next = last ? Math.max(b.nextOffset, chunk[chunk.length - 1].offset + 1) : chunk[chunk.length - 1].offset + 1;
      if (!this.applyPoll(b.partition, SourceRunner.decodeAll(chunk, this.decode), next)) {
        await this.consumer?.stop().catch(() => {});
        return;
      }
      // one transaction at a time: let clients in between
      if (!last) await new Promise((r) => setImmediate(r));
    }
    // records the engine never sees (transaction markers) still move the partition on
    if (fresh.length === 0 && b.nextOffset > status.next) status.next = b.nextOffset;
    if (this.state !== 'running') this.setState('running');
  }

  private async commitGroup(): Promise<void> {
    const next = new Map<number, number>();
    for (const [p, s] of this.partitions) next.set(p, s.next);
    await this.consumer?.commit(next).catch(() => {});
  }

  override async stop(): Promise<void> {
    await super.stop();
    if (this.groupTimer) clearInterval(this.groupTimer);
    await this.running.catch(() => {});
    await this.consumer?.stop().catch(() => {});
  }
}
