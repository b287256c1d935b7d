// A table fed by a Kafka topic. The engine's per-partition offsets are the truth: the
// consumer starts (and restarts after a broker comes back) at them, so nothing is applied
// twice or skipped; consumer-group commits only let other tools watch the lag.

import type { TableEntry } from '../catalog/catalog.js';
import type { Engine } from '../engine/engine.js';
import { createKafkaConsumer, type KafkaBatch, type KafkaConsumer } from './kafka/client.js';
import type { KafkaOptions } from './kafka_options.js';
import { makeDecoder } from './formats/decoder.js';
import { SourceRunner, type Poll } from './source_runner.js';
import type { RowChange, SourceMessage } from './types.js';

const RETRY_MIN_MS = 250;
const RETRY_MAX_MS = 10_000;
/** How often offsets are committed to the consumer group (lag monitoring only). */
const GROUP_COMMIT_MS = 1_000;

export class KafkaSource extends SourceRunner {
  private consumer: KafkaConsumer | null = null;
  private readonly decode: (m: SourceMessage) => RowChange[];
  private groupTimer: NodeJS.Timeout | null = null;
  /** Batches taken but not yet applied, the partitions' offsets after them, their messages. */
  private queued: { partition: number; messages: SourceMessage[]; next: number }[] = [];
  private queuedNext = new Map<number, number>();
  private queuedCount = 0;
  private flushing: Promise<void> | null = null;
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
        // every partition holds the table's watermark back until it has rows or is idle
        this.table.watermark?.knowPartitions(marks.map((m) => m.partition));
        if (this.stopped) {
          await consumer.stop().catch(() => {});
          return;
        }
        this.consumer = consumer;
        await consumer.start(from, (b) => this.onBatch(b), (s) => this.setState(s.state, 'error' in s ? s.error : undefined));
        // start() resolves after its first attempt; onState has said whether that worked
        if (this.state === 'starting') this.setState('running');
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

  /**
   * Take one partition's batch. The batches of one fetch (several partitions) arrive one after
   * another in the same turn of the event loop; they are queued and applied together, as one
   * transaction, once the turn ends (`flush`), up to max_batch_messages a transaction.
   */
  private async onBatch(b: KafkaBatch): Promise<void> {
    if (this.stopped || this.state === 'failed') return;
    const status = this.partition(b.partition, b.messages[0]?.offset ?? b.nextOffset);
    status.highWatermark = b.highWatermark;
    // the engine's offset decides: a redelivered message is never applied twice
    const from = this.queuedNext.get(b.partition) ?? status.next;
    const fresh = b.messages.filter((m) => m.offset >= from);
    const next = Math.max(b.nextOffset, fresh.length ? fresh[fresh.length - 1].offset + 1 : 0);
    if (next <= from) return;
    this.queued.push({ partition: b.partition, messages: fresh, next });
    this.queuedNext.set(b.partition, next);
    this.queuedCount += fresh.length;
    this.flushing ??= new Promise<void>((resolve) => setImmediate(() => resolve(this.flush())));
    // backpressure: a full transaction's worth waits to be applied before more is fetched
    if (this.queuedCount >= this.options.maxBatchMessages) await this.flushing;
  }

  /** Apply the queued polls, in transactions of at most max_batch_messages messages. */
  private async flush(): Promise<void> {
    const max = this.options.maxBatchMessages;
    while (this.queued.length > 0 && !this.stopped) {
      const polls: Poll[] = [];
      let count = 0;
      while (this.queued.length > 0 && count < max) {
        const q = this.queued[0];
        const take = q.messages.slice(0, max - count);
        // a poll bigger than what is left of the transaction goes on in the next one
        const whole = take.length === q.messages.length;
        polls.push({ partition: q.partition, polled: SourceRunner.decodeAll(take, this.decode), next: whole ? q.next : take[take.length - 1].offset + 1 });
        count += take.length;
        if (whole) this.queued.shift();
        else q.messages = q.messages.slice(take.length);
      }
      this.queuedCount -= count;
      let ok: boolean;
      try {
        ok = this.applyPolls(polls);
      } catch (e) {
        // not a message's fault: an internal error stops the source, loudly
        this.recordSourceError(`internal error: ${(e as Error).message}`);
        ok = false;
        this.state = 'failed';
      }
      if (!ok) {
        this.queued = [];
        this.queuedCount = 0;
        this.queuedNext.clear();
        void this.consumer?.stop().catch(() => {});
        break;
      }
      // one transaction at a time: let clients in between
      if (this.queued.length > 0) await new Promise((r) => setImmediate(r));
    }
    this.flushing = null;
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
