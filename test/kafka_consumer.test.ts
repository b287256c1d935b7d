// The Kafka consumer behind src/sources/kafka/client.ts against the mock cluster
// (test/support/kafka.ts): reads from the engine's offsets, every offset exactly once, through a
// broker going away and coming back; clear errors for a missing topic or an unreachable broker.

import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kafka, logLevel } from 'kafkajs';
import { createKafkaConsumer, type KafkaBatch, type KafkaConsumer, type KafkaConsumerState } from '../src/sources/kafka/client.js';
import { toBatch, type KjsRecord } from '../src/sources/kafka/kafkajs_consumer.js';
import { produce, startMockKafka, type MockKafka, type TestMessage } from './support/kafka.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(what: string, done: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** `count` messages spread over `partitions`, partition i % partitions, value { seq }. */
function messages(count: number, partitions: number, first = 0): TestMessage[] {
  return Array.from({ length: count }, (_, i) => ({ partition: (first + i) % partitions, key: `k${first + i}`, value: { seq: first + i } }));
}

/** A consumer on `topic` that records what it gets. */
function recorder(mock: MockKafka, topic: string) {
  const consumer = createKafkaConsumer({ brokers: mock.brokers.split(','), topic, groupId: `g-${topic}`, clientId: 'test', maxWaitMs: 100 });
  const batches: KafkaBatch[] = [];
  const states: KafkaConsumerState[] = [];
  const offsets = (partition: number) => batches.filter((b) => b.partition === partition).flatMap((b) => b.messages.map((m) => m.offset));
  const count = () => batches.reduce((n, b) => n + b.messages.length, 0);
  return { consumer, batches, states, offsets, count };
}

describe('the Kafka consumer', () => {
  let mock: MockKafka;
  const started: KafkaConsumer[] = [];
  beforeAll(async () => {
    mock = await startMockKafka({ orders: 3, tail: 3, partly: 3, blocked: 1, committed: 2, short: 1 });
  });
  afterAll(async () => {
    await Promise.all(started.map((c) => c.stop()));
    mock?.stop();
  });

  it('delivers every partition from the given offsets, each offset once, in order', async () => {
    // three sends: three record batches per partition, 10 messages each
    for (let s = 0; s < 3; s++) await produce(mock.brokers, 'orders', messages(30, 3, s * 30));
    const r = recorder(mock, 'orders');
    started.push(r.consumer);
    // offsets inside record batches: the broker returns whole batches, the earlier records are dropped
    const from = new Map([[0, 0], [1, 5], [2, 17]]);
    await r.consumer.start(from, async (b) => void r.batches.push(b), (s) => r.states.push(s));
    await until('all messages', () => r.count() === 30 + 25 + 13);
    for (const [partition, first] of from) {
      expect(r.offsets(partition)).toEqual(Array.from({ length: 30 - first }, (_, i) => first + i));
    }
    const first = r.batches.find((b) => b.partition === 1)!;
    expect(first.messages[0]).toMatchObject({ partition: 1, offset: 5, key: Buffer.from('k16') });
    expect(JSON.parse(first.messages[0]!.value!.toString())).toEqual({ seq: 16 });
    expect(first.messages[0]!.timestamp).toBeGreaterThan(Date.now() - 60_000);
    for (const b of r.batches) {
      expect(b.nextOffset).toBe(b.messages.at(-1)!.offset + 1);
      expect(b.highWatermark).toBe(30);
    }
    expect(r.states).toEqual([{ state: 'running' }]);
  });

  it('gives low and high watermarks, so it can start at the earliest or the latest offsets', async () => {
    await produce(mock.brokers, 'tail', messages(9, 3));
    const r = recorder(mock, 'tail');
    started.push(r.consumer);
    const marks = await r.consumer.watermarks();
    expect(marks).toEqual([0, 1, 2].map((partition) => ({ partition, low: 0, high: 3 })));
    // latest: nothing old, only what comes next
    await r.consumer.start(new Map(marks.map((m) => [m.partition, m.high])), async (b) => void r.batches.push(b), () => {});
    await sleep(300);
    expect(r.count()).toBe(0);
    await produce(mock.brokers, 'tail', messages(3, 3, 100));
    await until('the new messages', () => r.count() === 3);
    expect([0, 1, 2].map(r.offsets)).toEqual([[3], [3], [3]]);
  });

  it('starts a partition missing from the given offsets at its low watermark', async () => {
    await produce(mock.brokers, 'partly', messages(12, 3));
    const r = recorder(mock, 'partly');
    started.push(r.consumer);
    await r.consumer.start(new Map([[0, 3]]), async (b) => void r.batches.push(b), () => {});
    await until('the messages', () => r.count() === 9);
    expect([0, 1, 2].map(r.offsets)).toEqual([[3], [0, 1, 2, 3], [0, 1, 2, 3]]);
  });

  it('stops cleanly: waits for a running onBatch, then calls nothing more', async () => {
    await produce(mock.brokers, 'blocked', messages(5, 1));
    const r = recorder(mock, 'blocked');
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let calls = 0;
    await r.consumer.start(new Map(), async () => {
      calls++;
      await held;
    }, () => {});
    await until('the first batch', () => calls === 1);
    let stopped = false;
    const stopping = r.consumer.stop().then(() => (stopped = true));
    await sleep(50);
    expect(stopped).toBe(false);
    release();
    await stopping;
    await produce(mock.brokers, 'blocked', messages(5, 1));
    await sleep(300);
    expect(calls).toBe(1);
    await expect(r.consumer.start(new Map(), async () => {}, () => {})).rejects.toThrow(/already started/);
  });

  it('commits offsets to its consumer group without joining it', async () => {
    const r = recorder(mock, 'committed');
    started.push(r.consumer);
    await r.consumer.commit(new Map([[0, 7], [1, 0]]));
    const admin = new Kafka({ brokers: mock.brokers.split(','), logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    const [fetched] = await admin.fetchOffsets({ groupId: 'g-committed', topics: ['committed'] });
    await admin.disconnect();
    expect(fetched!.partitions.map((p) => [p.partition, p.offset]).sort()).toEqual([[0, '7'], [1, '0']]);
  });

  it('fails for good, saying why, on an offset the partition does not have or a refused batch', async () => {
    await produce(mock.brokers, 'short', messages(4, 1));
    const past = recorder(mock, 'short');
    started.push(past.consumer);
    await past.consumer.start(new Map([[0, 10]]), async (b) => void past.batches.push(b), (s) => past.states.push(s));
    await until('failed', () => past.states.length > 0);
    expect(past.states).toEqual([{ state: 'failed', error: 'partition 0 has no offset 10: the partition ends at offset 4 (was the topic recreated?)' }]);
    const refusing = recorder(mock, 'short');
    started.push(refusing.consumer);
    await refusing.consumer.start(new Map(), async () => Promise.reject(new Error('disk full')), (s) => refusing.states.push(s));
    await until('failed', () => refusing.states.at(-1)?.state === 'failed');
    expect(refusing.states.at(-1)).toEqual({ state: 'failed', error: 'the batch of partition 0 at offset 0 was refused: disk full' });
  });

  it('refuses a topic that does not exist with a clear error, and does not create it', async () => {
    const r = recorder(mock, 'no_such_topic');
    await expect(r.consumer.watermarks()).rejects.toThrow('Kafka topic "no_such_topic" does not exist');
    await r.consumer.start(new Map(), async (b) => void r.batches.push(b), (s) => r.states.push(s));
    expect(r.states[0]).toEqual({ state: 'retrying', error: 'Kafka topic "no_such_topic" does not exist' });
    await r.consumer.stop();
    await expect(r.consumer.watermarks()).rejects.toThrow(/stopped/);
  });
});

describe('the Kafka consumer and an unavailable broker', () => {
  it('says it is retrying while no broker can be reached', async () => {
    // a port nothing listens on
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise((resolve) => server.close(resolve));
    const consumer = createKafkaConsumer({ brokers: [`127.0.0.1:${port}`], topic: 'orders', groupId: 'g', clientId: 'test' });
    const states: KafkaConsumerState[] = [];
    const t0 = Date.now();
    await consumer.start(new Map(), async () => {}, (s) => states.push(s));
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(states).toEqual([{ state: 'retrying', error: expect.stringContaining(`cannot reach Kafka broker 127.0.0.1:${port}`) }]);
    await consumer.stop();
    await expect(consumer.watermarks()).rejects.toThrow();
  });

  it('goes on after the broker goes down and comes back, losing and repeating nothing', async () => {
    const mock = await startMockKafka({ stream: 3 });
    try {
      // 20 record batches per partition, so the stream is mid-way when the broker goes
      for (let s = 0; s < 20; s++) await produce(mock.brokers, 'stream', messages(30, 3, s * 30));
      const r = recorder(mock, 'stream');
      await r.consumer.start(new Map(), async (b) => {
        r.batches.push(b);
        await sleep(10);
      }, (s) => r.states.push(s));
      await until('a part of the stream', () => r.count() >= 150);
      await mock.brokerDown(1);
      await until('state retrying', () => r.states.at(-1)?.state === 'retrying');
      expect(r.states.at(-1)).toMatchObject({ error: expect.stringContaining('cannot reach Kafka broker') });
      const whileDown = r.count();
      expect(whileDown).toBeLessThan(600);
      await sleep(300);
      expect(r.count()).toBe(whileDown);
      await mock.brokerUp(1);
      await produce(mock.brokers, 'stream', messages(30, 3, 600));
      await until('the whole stream', () => r.count() >= 630);
      await sleep(200);
      expect(r.states.at(-1)).toEqual({ state: 'running' });
      for (const partition of [0, 1, 2]) {
        expect(r.offsets(partition)).toEqual(Array.from({ length: 210 }, (_, i) => i));
      }
      await r.consumer.stop();
    } finally {
      mock.stop();
    }
  });

  it('keeps reading the partitions of the brokers that are up while one is down', async () => {
    const mock = await startMockKafka({ spread: 6 }, 3);
    try {
      for (let s = 0; s < 5; s++) await produce(mock.brokers, 'spread', messages(60, 6, s * 60));
      const admin = new Kafka({ brokers: mock.brokers.split(','), logLevel: logLevel.NOTHING }).admin();
      await admin.connect();
      const { topics } = await admin.fetchTopicMetadata({ topics: ['spread'] });
      await admin.disconnect();
      // the mock places leaders at random: take down partition 0's
      const down = topics[0]!.partitions.find((p) => p.partitionId === 0)!.leader;
      const onDown = topics[0]!.partitions.filter((p) => p.leader === down).map((p) => p.partitionId);
      await mock.brokerDown(down);
      const r = recorder(mock, 'spread');
      await r.consumer.start(new Map(), async (b) => void r.batches.push(b), (s) => r.states.push(s));
      const others = [0, 1, 2, 3, 4, 5].filter((p) => !onDown.includes(p));
      await until('the partitions of the brokers up', () => others.every((p) => r.offsets(p).length === 50));
      expect(onDown.map(r.offsets)).toEqual(onDown.map(() => []));
      // the failing fetch may be reported after the others were read (a loaded machine)
      await until('state retrying', () => r.states.at(-1)?.state === 'retrying');
      expect(onDown.map(r.offsets)).toEqual(onDown.map(() => []));
      await mock.brokerUp(down);
      await until('all partitions', () => r.count() === 300);
      for (const p of [0, 1, 2, 3, 4, 5]) expect(r.offsets(p)).toEqual(Array.from({ length: 50 }, (_, i) => i));
      await until('state running', () => r.states.at(-1)?.state === 'running');
      await r.consumer.stop();
    } finally {
      mock.stop();
    }
  });
});

// The mock cluster reports no aborted transactions and keeps whole batches, so what a fetch may
// bring from a real broker is built here.
describe('a fetched partition as a batch', () => {
  const record = (offset: number, batch: { first: number; lastDelta: number; producer?: string; txn?: boolean }, control?: 'abort' | 'commit'): KjsRecord => ({
    offset: String(offset),
    key: control ? Buffer.from([0, 0, 0, control === 'abort' ? 0 : 1]) : Buffer.from(`k${offset}`),
    value: control ? Buffer.from([0, 0, 0, 0, 0, 0]) : Buffer.from(`v${offset}`),
    timestamp: '1700000000000',
    isControlRecord: control !== undefined,
    batchContext: { firstOffset: String(batch.first), lastOffsetDelta: batch.lastDelta, producerId: batch.producer ?? '-1', inTransaction: batch.txn ?? false },
  });
  const fetched = (messages: KjsRecord[], extra: object = {}) => ({ partition: 2, highWatermark: '100', lastStableOffset: '90', messages, ...extra });
  const offsets = (b: ReturnType<typeof toBatch>) => b!.messages.map((m) => m.offset);

  it('drops the records below the offset asked for and moves to the end of the record batch', () => {
    const b = toBatch(fetched([0, 1, 2, 3].map((o) => record(o, { first: 0, lastDelta: 3 }))), 2);
    expect(offsets(b)).toEqual([2, 3]);
    expect(b).toMatchObject({ partition: 2, nextOffset: 4, highWatermark: 90 });
    expect(b!.messages[0]).toEqual({ partition: 2, offset: 2, key: Buffer.from('k2'), value: Buffer.from('v2'), timestamp: 1700000000000 });
    expect(toBatch(fetched([0, 1].map((o) => record(o, { first: 0, lastDelta: 1 }))), 2)).toBeNull();
    expect(toBatch(fetched([]), 2)).toBeNull();
  });

  it('moves past records compacted away at the end of a record batch', () => {
    expect(toBatch(fetched([record(10, { first: 10, lastDelta: 9 })]), 10)).toMatchObject({ nextOffset: 20 });
  });

  it('skips transaction markers and aborted transactions, and moves past them', () => {
    const committed = [record(0, { first: 0, lastDelta: 1, producer: '7', txn: true }), record(1, { first: 0, lastDelta: 1, producer: '7', txn: true })];
    const commitMarker = record(2, { first: 2, lastDelta: 0, producer: '7', txn: true }, 'commit');
    const aborted = [record(3, { first: 3, lastDelta: 1, producer: '8', txn: true }), record(4, { first: 3, lastDelta: 1, producer: '8', txn: true })];
    const other = record(5, { first: 5, lastDelta: 0, producer: '9', txn: true });
    const abortMarker = record(6, { first: 6, lastDelta: 0, producer: '8', txn: true }, 'abort');
    const after = record(7, { first: 7, lastDelta: 0, producer: '8', txn: true });
    const b = toBatch(fetched([...committed, commitMarker, ...aborted, other, abortMarker, after], { abortedTransactions: [{ producerId: '8', firstOffset: '3' }] }), 0);
    expect(offsets(b)).toEqual([0, 1, 5, 7]);
    expect(b!.nextOffset).toBe(8);
    // only a marker: nothing to deliver, but the partition moves on
    expect(toBatch(fetched([commitMarker]), 2)).toEqual({ partition: 2, highWatermark: 90, messages: [], nextOffset: 3 });
  });
});
