// The Kafka client as the engine sees it: a small interface of our own, so the library behind it
// (kafkajs today, see kafkajs_consumer.ts and benchmarks/kafka_clients.ts) can change without
// touching the engine. The engine's offsets are the truth: the consumer reads every partition
// from the offsets it is given and never from a consumer group's committed offsets.

import type { SourceMessage } from '../types.js';
import { KafkajsConsumer } from './kafkajs_consumer.js';

export interface KafkaSpec {
  /** Bootstrap servers, "host:port". */
  brokers: string[];
  topic: string;
  /** The consumer group `commit` writes to, so that lag monitors can see the source's progress.
   * The consumer never joins it: it reads every partition itself. */
  groupId: string;
  clientId: string;
  /** Longest a fetch waits at the broker for new data, ms (default 500). */
  maxWaitMs?: number;
  /** Receives the client library's log lines (default: util.debuglog, NODE_DEBUG=kafka). */
  log?: (level: 'error' | 'warn' | 'info' | 'debug', message: string) => void;
}

/** A partition's first offset still stored (low) and the offset the next message will get (high). */
export interface PartitionOffsets {
  partition: number;
  low: number;
  high: number;
}

export interface KafkaBatch {
  partition: number;
  /** The end of what can be read in this partition when the batch was fetched: the offset the
   * next message will get (the last stable offset when transactions are in flight). */
  highWatermark: number;
  /** In offset order, all at or above the offset the partition was read from. */
  messages: SourceMessage[];
  /** Where to read this partition from after this batch: the offset to store. Past the last
   * message's offset when the log has records the engine never sees (transaction markers,
   * aborted transactions), so a batch may also come with no messages only to move it on. */
  nextOffset: number;
}

export type KafkaConsumerState =
  /** Fetching (or waiting for new messages). */
  | { state: 'running' }
  /** Cannot fetch for now (broker unreachable, leader moving, …); tries again with backoff and
   * goes on from the last delivered offsets. */
  | { state: 'retrying'; error: string }
  /** Stopped for good: an offset no longer in the topic, a rejected batch, a refused request. */
  | { state: 'failed'; error: string };

export interface KafkaConsumer {
  /** The topic's partitions with their low and high watermarks. Rejects with a clear error for
   * a topic that does not exist. */
  watermarks(): Promise<PartitionOffsets[]>;
  /**
   * Deliver the messages of every partition from `from` (partition → next offset to read; a
   * partition missing from it, such as one added to the topic later, starts at its low
   * watermark). `onBatch` calls never overlap, and a partition is not fetched again until its
   * batch's `onBatch` has resolved (backpressure). Nothing is delivered twice and nothing is
   * skipped, across reconnects too. A rejected `onBatch` fails the consumer. Resolves after the
   * first attempt to reach the topic, whether it succeeded or not (onState tells which); rejects
   * only when already started.
   */
  start(
    from: ReadonlyMap<number, number>,
    onBatch: (batch: KafkaBatch) => Promise<void>,
    onState: (state: KafkaConsumerState) => void,
  ): Promise<void>;
  /** Record next offsets in the consumer group (`spec.groupId`), for lag monitoring by other
   * tools only: the consumer never reads them back. */
  commit(next: ReadonlyMap<number, number>): Promise<void>;
  /** Stop fetching and close every connection; resolves when done (after a running `onBatch`
   * has returned). No callback is called after. */
  stop(): Promise<void>;
}

export function createKafkaConsumer(spec: KafkaSpec): KafkaConsumer {
  return new KafkajsConsumer(spec);
}
