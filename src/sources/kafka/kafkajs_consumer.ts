// The KafkaConsumer (client.ts) on kafkajs, without a consumer group.
//
// Why no group: the engine's offsets are the truth and it reads every partition, so group
// membership would only cost (a join waits out the broker's group.initial.rebalance.delay.ms,
// 3 s by default and on the test broker; a second member with the same group id would take
// partitions away) and add a second source of offsets to overrule. kafkajs has no manual
// assignment in its API, so this reads through its cluster layer (metadata, leaders, ListOffsets,
// Fetch, OffsetCommit) that its own consumer is built on, reached through the Kafka object's
// private cluster factory; the shapes used are declared below (kafkajs 2.2.4, its last release).
//
// Reconnects: a fetch session owns a kafkajs cluster (connections + metadata) and runs a fetch
// loop per partition leader. A loop retries its own failed fetches with backoff (the other
// leaders' partitions go on); when it keeps failing, or a leader moves, the session ends and the
// next starts on new connections. Every fetch starts at `positions`, the next offset of each
// partition, which moves only once `onBatch` has taken a batch; records below it (a fetch
// returns whole record batches) are dropped. So nothing is delivered twice, nor skipped.

import { Kafka, logLevel as LogLevel, type LogEntry } from 'kafkajs';
import { setTimeout as sleep } from 'node:timers/promises';
import { debuglog } from 'node:util';
import type { SourceMessage } from '../types.js';
import type { KafkaBatch, KafkaConsumer, KafkaConsumerState, KafkaSpec, PartitionOffsets } from './client.js';

// ---- the parts of kafkajs's cluster layer used here ----

export interface KjsRecord {
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  timestamp: string;
  isControlRecord?: boolean;
  /** Absent for the pre-0.11 message format. */
  batchContext?: { firstOffset: string; lastOffsetDelta: number; producerId: string; inTransaction: boolean };
}

export interface KjsFetchedPartition {
  partition: number;
  highWatermark: string;
  lastStableOffset?: string;
  abortedTransactions?: { producerId: string; firstOffset: string }[];
  messages: KjsRecord[];
}

interface KjsBroker {
  fetch(request: {
    maxWaitTime: number;
    minBytes: number;
    maxBytes: number;
    isolationLevel: number;
    topics: { topic: string; partitions: { partition: number; fetchOffset: string; maxBytes: number }[] }[];
  }): Promise<{ responses: { topicName: string; partitions: KjsFetchedPartition[] }[] }>;
  offsetCommit(request: {
    groupId: string;
    groupGenerationId: number;
    memberId: string;
    topics: { topic: string; partitions: { partition: number; offset: string }[] }[];
  }): Promise<unknown>;
}

interface KjsCluster {
  /** The API versions the brokers support (API key → range), known once connected. */
  brokerPool: { versions: Record<number, { maxVersion: number }> | null };
  connect(): Promise<void>;
  metadata(args: { topics: string[] }): Promise<{ topicMetadata: { topic: string }[] }>;
  disconnect(): Promise<void>;
  addTargetTopic(topic: string): Promise<void>;
  refreshMetadata(): Promise<void>;
  findTopicPartitionMetadata(topic: string): { partitionId: number; leader: number }[];
  findBroker(args: { nodeId: number | string }): Promise<KjsBroker>;
  findGroupCoordinator(args: { groupId: string }): Promise<KjsBroker>;
  fetchTopicsOffset(
    topics: { topic: string; partitions: { partition: number }[]; fromBeginning: boolean }[],
  ): Promise<{ topic: string; partitions: { partition: number; offset: string }[] }[]>;
}

const READ_COMMITTED = 1;
const METADATA_API_KEY = 3;
const FETCH_MAX_BYTES = 50 * 1024 * 1024;
const PARTITION_MAX_BYTES = 4 * 1024 * 1024;
const BACKOFF_FIRST_MS = 100;
const BACKOFF_MAX_MS = 2_000;
/** Failed fetches in a row from one leader before the session starts over on new connections. */
const LOOP_FAILURES_BEFORE_RECONNECT = 5;
/** Fetches in a row that bring nothing from below a partition's end before it is reported. */
const STALLS_BEFORE_REPORT = 3;
/** How often a session looks for new partitions and moved leaders. */
const METADATA_CHECK_MS = 30_000;

const kafkaDebug = debuglog('kafka');
type LogFn = NonNullable<KafkaSpec['log']>;

/** kafkajs's own maker of clusters, the one its producer, consumer and admin client use. */
function clusterFactory(kafka: Kafka): () => KjsCluster {
  const key = Object.getOwnPropertySymbols(kafka).find((s) => s.description === 'private:Kafka:createCluster');
  const create = key === undefined ? undefined : (kafka as unknown as Record<symbol, unknown>)[key];
  if (typeof create !== 'function') {
    throw new Error('this kafkajs has no cluster factory where 2.2.4 has it: the Kafka source needs kafkajs 2.2.x');
  }
  return () => create({ allowAutoTopicCreation: false, isolationLevel: READ_COMMITTED, metadataMaxAge: METADATA_CHECK_MS }) as KjsCluster;
}

interface Session {
  cluster: KjsCluster;
  /** "partition@leader,…" when the session started. */
  layout: string;
  /** How many leaders the session fetches from. */
  leaders: number;
  ended: AbortController;
  /** Leader → the error of its last fetch, null once one worked. */
  health: Map<number, string | null>;
}

const layoutOf = (partitions: { partitionId: number; leader: number }[]) => partitions.map((p) => `${p.partitionId}@${p.leader}`).join(',');

/** Between half and all of `ms`, so that clients do not retry in step. */
const jitter = (ms: number) => ms / 2 + Math.random() * (ms / 2);

/** A failure that retrying cannot mend. */
class Fatal extends Error {}

interface KjsError extends Error {
  type?: string;
  retriable?: boolean;
  broker?: string;
  cause?: unknown;
  originalError?: unknown;
}

/** The error under kafkajs's retry wrappers. */
function rootCause(e: unknown): KjsError {
  let err = (e instanceof Error ? e : new Error(String(e))) as KjsError;
  while (err.name === 'KafkaJSNumberOfRetriesExceeded' || err.name === 'KafkaJSNonRetriableError') {
    const inner = err.originalError ?? err.cause;
    if (!(inner instanceof Error) || inner === err) break;
    err = inner as KjsError;
  }
  return err;
}

function isFatal(e: unknown): boolean {
  if (e instanceof Fatal) return true;
  const root = rootCause(e);
  // a bug (ours or kafkajs's) would only repeat itself
  if (root instanceof TypeError || root instanceof RangeError || root instanceof ReferenceError) return true;
  // authorization, unsupported versions and the like; an unknown topic may still appear
  return root.name === 'KafkaJSProtocolError' && root.retriable === false && root.type !== 'UNKNOWN_TOPIC_OR_PARTITION';
}

function partitionsOf(cluster: KjsCluster, topic: string): { partitionId: number; leader: number }[] {
  const partitions = cluster.findTopicPartitionMetadata(topic);
  if (partitions.length === 0) throw unknownTopic(topic);
  return [...partitions].sort((a, b) => a.partitionId - b.partitionId);
}

function unknownTopic(topic: string): Error {
  return new Error(`Kafka topic "${topic}" does not exist`);
}

/** Load the topic's metadata; a clear error when there is no such topic. */
async function loadTopic(cluster: KjsCluster, topic: string): Promise<void> {
  // Before v4 a Metadata request cannot refuse auto-creation, so a broker that allows it (the
  // test broker does) would create any topic it is asked about: look in the list of all first.
  if ((cluster.brokerPool.versions?.[METADATA_API_KEY]?.maxVersion ?? 0) < 4) {
    const { topicMetadata } = await cluster.metadata({ topics: [] });
    if (!topicMetadata.some((t) => t.topic === topic)) throw unknownTopic(topic);
  }
  try {
    await cluster.addTargetTopic(topic);
  } catch (e) {
    if (rootCause(e).type === 'UNKNOWN_TOPIC_OR_PARTITION') throw unknownTopic(topic);
    throw e;
  }
}

async function watermarksOf(cluster: KjsCluster, topic: string, partitions: number[]): Promise<PartitionOffsets[]> {
  const ask = (fromBeginning: boolean) =>
    cluster
      .fetchTopicsOffset([{ topic, partitions: partitions.map((partition) => ({ partition })), fromBeginning }])
      .then((r) => new Map(r.flatMap((t) => t.partitions).map((p) => [p.partition, Number(p.offset)])));
  const [low, high] = await Promise.all([ask(true), ask(false)]);
  return partitions.map((partition) => ({ partition, low: low.get(partition)!, high: high.get(partition)! }));
}

/** The Kafka control record that ends an aborted transaction has key version 0, type 0. */
function isAbortMarker(record: KjsRecord): boolean {
  return record.key !== null && record.key.length === 4 && record.key.readInt32BE(0) === 0;
}

/**
 * The batch to deliver from a fetched partition read from `from`, or null when it moves nothing.
 * Drops records below `from`, control records and aborted transactions' records (read_committed),
 * and moves past all of them.
 */
export function toBatch(fetched: KjsFetchedPartition, from: number): KafkaBatch | null {
  const messages: SourceMessage[] = [];
  const aborted = [...(fetched.abortedTransactions ?? [])].sort((a, b) => Number(a.firstOffset) - Number(b.firstOffset));
  const abortedProducers = new Set<string>();
  let next = from;
  for (const record of fetched.messages) {
    const offset = Number(record.offset);
    const context = record.batchContext;
    // a record batch may end past its last record (compaction keeps the batch's last offset)
    const end = context ? Number(context.firstOffset) + context.lastOffsetDelta + 1 : offset + 1;
    if (end > next) next = end;
    while (aborted.length > 0 && offset >= Number(aborted[0]!.firstOffset)) abortedProducers.add(aborted.shift()!.producerId);
    if (record.isControlRecord) {
      if (context && isAbortMarker(record)) abortedProducers.delete(context.producerId);
      continue;
    }
    if (offset < from || (context?.inTransaction && abortedProducers.has(context.producerId))) continue;
    messages.push({
      partition: fetched.partition,
      offset,
      key: record.key ?? null,
      value: record.value ?? null,
      timestamp: Number(record.timestamp),
    });
  }
  if (next <= from) return null;
  return { partition: fetched.partition, highWatermark: readableEnd(fetched), messages, nextOffset: next };
}

/** Where what a read_committed consumer may read ends: the last stable offset (v4+ fetches). */
function readableEnd(fetched: KjsFetchedPartition): number {
  const stable = fetched.lastStableOffset === undefined ? -1 : Number(fetched.lastStableOffset);
  return stable >= 0 ? stable : Number(fetched.highWatermark);
}

export class KafkajsConsumer implements KafkaConsumer {
  private readonly newCluster: () => KjsCluster;
  private readonly maxWaitMs: number;
  /** watermarks() and commit() go through this one, made when first needed. */
  private control: Promise<KjsCluster> | null = null;
  private started = false;
  private stopped = false;
  private readonly stopping = new AbortController();
  private supervisor: Promise<void> = Promise.resolve();
  /** Partition → next offset to deliver. */
  private readonly positions = new Map<number, number>();
  private onBatch: (batch: KafkaBatch) => Promise<void> = async () => {};
  private onState: (state: KafkaConsumerState) => void = () => {};
  private lastState: KafkaConsumerState | null = null;
  private delivering: Promise<void> = Promise.resolve();

  constructor(private readonly spec: KafkaSpec) {
    this.maxWaitMs = spec.maxWaitMs ?? 500;
    const log: LogFn = spec.log ?? ((level, message) => kafkaDebug('%s %s', level, message));
    const levels: Record<number, Parameters<LogFn>[0]> = {
      [LogLevel.ERROR]: 'error',
      [LogLevel.WARN]: 'warn',
      [LogLevel.INFO]: 'info',
      [LogLevel.DEBUG]: 'debug',
    };
    const kafka = new Kafka({
      brokers: spec.brokers,
      clientId: spec.clientId,
      // kafkajs would print to the console; its lines go to `log`, its failures to onState
      logLevel: kafkaDebug.enabled ? LogLevel.DEBUG : spec.log ? LogLevel.INFO : LogLevel.NOTHING,
      logCreator: () => (entry: LogEntry) => log(levels[entry.level] ?? 'info', `${entry.namespace}: ${entry.log.message}`),
      // kafkajs retries within a request only briefly: the fetch session retries for good
      retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1_000 },
    });
    this.newCluster = clusterFactory(kafka);
  }

  async watermarks(): Promise<PartitionOffsets[]> {
    return this.withControl(async (cluster) => {
      await loadTopic(cluster, this.spec.topic);
      await cluster.refreshMetadata();
      const partitions = partitionsOf(cluster, this.spec.topic).map((p) => p.partitionId);
      return watermarksOf(cluster, this.spec.topic, partitions);
    });
  }

  async commit(next: ReadonlyMap<number, number>): Promise<void> {
    if (next.size === 0) return;
    const { groupId, topic } = this.spec;
    await this.withControl(async (cluster) => {
      const coordinator = await cluster.findGroupCoordinator({ groupId });
      // generation -1 and no member id: a commit from outside any group membership
      await coordinator.offsetCommit({
        groupId,
        groupGenerationId: -1,
        memberId: '',
        topics: [{ topic, partitions: [...next].map(([partition, offset]) => ({ partition, offset: String(offset) })) }],
      });
    });
  }

  async start(
    from: ReadonlyMap<number, number>,
    onBatch: (batch: KafkaBatch) => Promise<void>,
    onState: (state: KafkaConsumerState) => void,
  ): Promise<void> {
    if (this.started || this.stopped) throw new Error('this Kafka consumer was already started');
    this.started = true;
    for (const [partition, offset] of from) this.positions.set(partition, offset);
    this.onBatch = onBatch;
    this.onState = onState;
    let firstOutcome!: () => void;
    const reported = new Promise<void>((resolve) => (firstOutcome = resolve));
    this.supervisor = this.supervise(firstOutcome);
    await reported;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stopping.abort();
    await this.supervisor;
    const control = this.control;
    this.control = null;
    await control?.then((c) => c.disconnect()).catch(() => {});
  }

  private async withControl<T>(work: (cluster: KjsCluster) => Promise<T>): Promise<T> {
    if (this.stopped) throw new Error('this Kafka consumer is stopped');
    const control = (this.control ??= (async () => {
      const cluster = this.newCluster();
      await cluster.connect();
      return cluster;
    })());
    try {
      return await work(await control);
    } catch (e) {
      // start over with fresh connections next time
      if (this.control === control) this.control = null;
      void control.then((c) => c.disconnect()).catch(() => {});
      throw new Error(describeError(e, this.spec), { cause: e });
    }
  }

  private setState(state: KafkaConsumerState): void {
    if (this.stopped || this.lastState?.state === 'failed') return;
    const last = this.lastState;
    if (last?.state === state.state && (last as { error?: string }).error === (state as { error?: string }).error) return;
    this.lastState = state;
    this.onState(state);
  }

  /** Runs fetch sessions until stopped or failed; waits (backoff) after a failed one. */
  private async supervise(firstOutcome: () => void): Promise<void> {
    let backoff = BACKOFF_FIRST_MS;
    while (!this.stopped) {
      const cluster = this.newCluster();
      try {
        await this.runSession(cluster, () => {
          firstOutcome();
          backoff = BACKOFF_FIRST_MS;
        });
      } catch (e) {
        if (this.stopped) break;
        const error = describeError(e, this.spec);
        if (isFatal(e)) {
          this.setState({ state: 'failed', error });
          break;
        }
        this.setState({ state: 'retrying', error });
        firstOutcome();
        await sleep(jitter(backoff), undefined, { signal: this.stopping.signal }).catch(() => {});
        backoff = Math.min(backoff * 2, BACKOFF_MAX_MS);
      } finally {
        await cluster.disconnect().catch(() => {});
      }
    }
    firstOutcome();
  }

  /**
   * One session on one kafkajs cluster: connect, load the topic's partitions and leaders, then
   * run a fetch loop per leader. Returns when stopped or when partitions or leaders change
   * (a new session follows at once); throws when a loop gives up (a new session follows after
   * a backoff) or on a fatal error.
   */
  private async runSession(cluster: KjsCluster, connected: () => void): Promise<void> {
    const { topic } = this.spec;
    await cluster.connect();
    await loadTopic(cluster, topic);
    const partitions = partitionsOf(cluster, topic);
    if (this.stopped) return;
    connected();

    const byLeader = new Map<number, number[]>();
    for (const p of partitions) byLeader.set(p.leader, [...(byLeader.get(p.leader) ?? []), p.partitionId]);
    const session: Session = {
      cluster,
      layout: layoutOf(partitions),
      leaders: byLeader.size,
      ended: new AbortController(),
      health: new Map(),
    };
    const onStop = () => session.ended.abort();
    this.stopping.signal.addEventListener('abort', onStop);
    try {
      const tasks = [...[...byLeader].map(([leader, ids]) => this.fetchLoop(session, leader, ids)), this.watchMetadata(session)];
      const results = await Promise.allSettled(tasks.map((task) => task.finally(() => session.ended.abort())));
      const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failure) throw failure.reason;
    } finally {
      this.stopping.signal.removeEventListener('abort', onStop);
    }
  }

  /** 'running' once every leader's fetches work, 'retrying' while one's fail. */
  private reportHealth(session: Session): void {
    const failing = [...session.health.values()].find((error) => error !== null);
    if (failing) this.setState({ state: 'retrying', error: failing });
    else if (session.health.size === session.leaders) this.setState({ state: 'running' });
  }

  /**
   * Fetch `partitions` from their leader until the session ends. A failed fetch is retried here
   * with backoff, so the other leaders' partitions go on meanwhile; after each failure the
   * metadata is reloaded, ending the session if a leader moved. A loop that keeps failing ends
   * the session, so the next one starts from fresh connections.
   */
  private async fetchLoop(session: Session, leader: number, partitions: number[]): Promise<void> {
    const { topic } = this.spec;
    const { cluster, ended } = session;
    let failures = 0;
    let stalls = 0;
    while (!ended.signal.aborted) {
      let responses;
      try {
        // a partition the engine has no offset for starts at its low watermark (asked of its leader)
        const fresh = partitions.filter((p) => !this.positions.has(p));
        if (fresh.length > 0) {
          for (const { partition, low } of await watermarksOf(cluster, topic, fresh)) this.positions.set(partition, low);
        }
        const broker = await cluster.findBroker({ nodeId: leader });
        ({ responses } = await broker.fetch({
          maxWaitTime: this.maxWaitMs,
          minBytes: 1,
          maxBytes: FETCH_MAX_BYTES,
          isolationLevel: READ_COMMITTED,
          topics: [
            {
              topic,
              partitions: partitions.map((partition) => ({
                partition,
                fetchOffset: String(this.positions.get(partition)),
                maxBytes: PARTITION_MAX_BYTES,
              })),
            },
          ],
        }));
      } catch (e) {
        if (rootCause(e).name === 'KafkaJSOffsetOutOfRange') throw await this.outOfRange(cluster, e);
        if (isFatal(e) || ended.signal.aborted || ++failures >= LOOP_FAILURES_BEFORE_RECONNECT) throw e;
        session.health.set(leader, describeError(e, this.spec));
        this.reportHealth(session);
        await sleep(jitter(Math.min(BACKOFF_FIRST_MS * 2 ** (failures - 1), BACKOFF_MAX_MS)), undefined, { signal: ended.signal }).catch(() => {});
        if (await this.layoutChanged(session)) return;
        continue;
      }
      failures = 0;
      let moved = false;
      let stuck: string | null = null;
      for (const { partitions: fetched } of responses) {
        for (const part of fetched) {
          const from = this.positions.get(part.partition)!;
          const batch = toBatch(part, from);
          if (batch) {
            await this.deliver(batch);
            moved = true;
          } else if (part.messages.length === 0 && from < readableEnd(part)) {
            // kafkajs decodes an empty record batch (compaction may leave one) as nothing at all,
            // so it cannot get past one: say so rather than fetch the same offset in a busy loop
            stuck = `partition ${part.partition} returns no records at offset ${from}, below its end ${readableEnd(part)} (an empty record batch?)`;
          }
        }
      }
      stalls = stuck && !moved ? stalls + 1 : 0;
      session.health.set(leader, stalls >= STALLS_BEFORE_REPORT ? stuck : null);
      this.reportHealth(session);
      if (stalls >= STALLS_BEFORE_REPORT) await sleep(BACKOFF_MAX_MS, undefined, { signal: ended.signal }).catch(() => {});
    }
  }

  /** Whether the topic's partitions or leaders are no longer the session's (false when unknown). */
  private async layoutChanged(session: Session): Promise<boolean> {
    try {
      await session.cluster.refreshMetadata();
      return layoutOf(partitionsOf(session.cluster, this.spec.topic)) !== session.layout;
    } catch {
      return false;
    }
  }

  /** Ends the session (returning) when partitions or their leaders change. */
  private async watchMetadata(session: Session): Promise<void> {
    while (!session.ended.signal.aborted) {
      await sleep(METADATA_CHECK_MS, undefined, { signal: session.ended.signal }).catch(() => {});
      if (!session.ended.signal.aborted && (await this.layoutChanged(session))) return;
    }
  }

  /** Batches go to onBatch one at a time, whichever leader they came from. */
  private deliver(batch: KafkaBatch): Promise<void> {
    const run = this.delivering.then(async () => {
      if (this.stopped || batch.nextOffset <= this.positions.get(batch.partition)!) return;
      try {
        await this.onBatch(batch);
      } catch (e) {
        throw new Fatal(`the batch of partition ${batch.partition} at offset ${this.positions.get(batch.partition)} was refused: ${e instanceof Error ? e.message : String(e)}`);
      }
      this.positions.set(batch.partition, batch.nextOffset);
    });
    this.delivering = run.catch(() => {});
    return run;
  }

  /** The engine's offset is no longer (or not yet) in the partition: say which and why. */
  private async outOfRange(cluster: KjsCluster, e: unknown): Promise<Error> {
    const partition = (rootCause(e) as { partition?: number }).partition;
    if (partition === undefined) return new Fatal(rootCause(e).message);
    const at = this.positions.get(partition);
    try {
      const [range] = await watermarksOf(cluster, this.spec.topic, [partition]);
      const why =
        at !== undefined && at < range!.low
          ? `messages before offset ${range!.low} were deleted (retention) before they were read`
          : `the partition ends at offset ${range!.high} (was the topic recreated?)`;
      return new Fatal(`partition ${partition} has no offset ${at}: ${why}`);
    } catch {
      return e instanceof Error ? e : new Error(String(e));
    }
  }
}

/** An error as one line for onState or a rejection. */
function describeError(e: unknown, spec: KafkaSpec): string {
  const root = rootCause(e);
  if (root instanceof Fatal || !(root.name ?? '').startsWith('KafkaJS')) return root.message;
  if (root.name === 'KafkaJSConnectionError' || root.name === 'KafkaJSConnectionClosedError') {
    return `cannot reach Kafka broker ${root.broker ?? spec.brokers.join(',')}: ${root.message}`;
  }
  if (root.name === 'KafkaJSBrokerNotFound' || root.name === 'KafkaJSRequestTimeoutError') {
    return `Kafka at ${spec.brokers.join(',')}: ${root.message}`;
  }
  return `Kafka: ${root.message}`;
}
