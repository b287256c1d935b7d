// Benchmark: Kafka clients against the test broker (librdkafka's mock cluster, see
// test/support/kafka.ts), for the choice behind src/sources/kafka/client.ts.
//
//   npx tsx benchmarks/kafka_clients.ts [--messages 200000] [--per-send 3000] [--per-round 24000] [--runs 3]
//
// Each client reads --messages Debezium-like JSON change events (~350 bytes, keyed) of a fresh
// 3-partition topic, --runs times, in two ways: consume only (count messages and bytes) and
// consume + JSON.parse of every value. Messages are produced --per-send to a request (a record
// batch per partition: the mock returns one record batch per partition per fetch, so this sets
// how much one fetch brings) and in rounds of --per-round, because the mock keeps only ~5 MB a
// partition: the client is held (its delivery callback does not return) while the next round
// is produced, and the clock runs only while it reads. Connecting and joining a consumer group
// are left out of the rates and reported on their own ('start ms'). @platformatic/kafka is
// measured when installed (npm install --no-save @platformatic/kafka); where it cannot talk to
// the broker, its error is reported. Prints one Markdown table.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';
import { createKafkaConsumer } from '../src/sources/kafka/client.js';
import { startMockKafka } from '../test/support/kafka.js';
import { changeEvent } from './kafka_events.js';
import { fmtInt, fmtNum, markdownTable, median, now, rng, type Row, numberFlag } from './common.js';

const flag = numberFlag;
const MESSAGES = flag('--messages', 200_000);
const PER_SEND = flag('--per-send', 3_000);
const RUNS = flag('--runs', 3);
/** The mock keeps about 5 MB a partition (older records are dropped): the messages go in rounds
 * of at most this many, each read before the next is produced. */
const PER_ROUND = Math.min(MESSAGES, flag('--per-round', 24_000));
const PARTITIONS = 3;
const ROUND_TIMEOUT_MS = 60_000;

/** One read of MESSAGES messages. */
interface Read {
  /** From creating the client to its first message: connecting, metadata, group join. */
  startMs: number;
  /** Reading, the rounds' times added up (each from its first message, or from its release, to its last). */
  readMs: number;
  bytes: number;
}

/** What a client is given: `take` for each delivery, awaited (it blocks at the end of a round). */
interface Client {
  name: string;
  /** Start reading `topic` from its beginning; resolves to a stopper. */
  start(brokers: string, topic: string, take: (values: (Buffer | null)[]) => Promise<void>): Promise<() => Promise<void>>;
}

/** Messages [first, first + count) to `topic`, PER_SEND a request; their value bytes. */
async function produceRange(producer: Producer, topic: string, first: number, count: number): Promise<number> {
  const random = rng(first + 1);
  let bytes = 0;
  for (let from = first; from < first + count; from += PER_SEND) {
    const messages = [];
    for (let id = from; id < Math.min(first + count, from + PER_SEND); id++) {
      const m = changeEvent(id, random);
      bytes += m.value.length;
      messages.push({ ...m, partition: id % PARTITIONS });
    }
    await producer.send({ topic, messages });
  }
  return bytes;
}

function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no ${what} within ${ROUND_TIMEOUT_MS / 1000} s`)), ROUND_TIMEOUT_MS)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Read MESSAGES messages of a fresh topic with `client`, produced in rounds of PER_ROUND. */
async function measure(client: Client, brokers: string, producer: Producer, topic: string, parse: boolean): Promise<Read> {
  let count = 0;
  let bytes = 0;
  let target = Math.min(PER_ROUND, MESSAGES);
  let firstAt = 0;
  let roundStart = 0;
  let readMs = 0;
  let roundEnded!: () => void;
  let roundDone = new Promise<void>((resolve) => (roundEnded = resolve));
  let release: () => void = () => {};
  let gate = Promise.resolve();
  const take = async (values: (Buffer | null)[]) => {
    if (firstAt === 0) firstAt = roundStart = now();
    for (const v of values) {
      bytes += v!.length;
      if (parse && JSON.parse(v!.toString()).op !== 'c') throw new Error('not a change event');
    }
    count += values.length;
    if (count === target) {
      readMs += now() - roundStart;
      // hold the client (no fetch) while the next round is produced
      gate = new Promise<void>((resolve) => (release = resolve));
      roundEnded();
      await gate;
    } else if (count > target) {
      throw new Error(`${client.name} delivered ${count} messages of ${target}`);
    }
  };
  await produceRange(producer, topic, 0, target);
  const created = now();
  const stop = await client.start(brokers, topic, take);
  try {
    for (;;) {
      await within(roundDone, `end of round at ${target} messages (${client.name} had ${count})`);
      if (target >= MESSAGES) break;
      const next = Math.min(MESSAGES - target, PER_ROUND);
      await produceRange(producer, topic, target, next);
      target += next;
      roundDone = new Promise<void>((resolve) => (roundEnded = resolve));
      roundStart = now();
      release();
    }
  } finally {
    release();
    await stop();
  }
  return { startMs: firstAt - created, readMs, bytes };
}

/** Ours: src/sources/kafka (kafkajs's fetch path, no consumer group). */
const ours: Client = {
  name: 'ours',
  async start(brokers, topic, take) {
    const consumer = createKafkaConsumer({ brokers: brokers.split(','), topic, groupId: 'bench-ours', clientId: 'bench' });
    await consumer.start(new Map(), (b) => take(b.messages.map((m) => m.value)), (s) => {
      if (s.state !== 'running') console.error('ours:', s);
    });
    return () => consumer.stop();
  },
};

/** kafkajs's own consumer: a consumer group, eachBatch (its fetch waits for the batch). */
const kafkajsGroup: Client = {
  name: 'kafkajs consumer group',
  async start(brokers, topic, take) {
    const kafka = new Kafka({ brokers: brokers.split(','), logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: `bench-${topic}`, maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ autoCommitInterval: 5_000, eachBatch: ({ batch }) => take(batch.messages.map((m) => m.value)) });
    return () => consumer.disconnect();
  },
};

/** @platformatic/kafka, when installed: its Consumer (a consumer group), as a stream. */
const platformatic: Client = {
  name: '@platformatic/kafka',
  async start(brokers, topic, take) {
    const name = '@platformatic/kafka';
    const pk = (await import(name)) as {
      Consumer: new (options: Record<string, unknown>) => {
        consume(options: Record<string, unknown>): Promise<AsyncIterable<{ value: Buffer | null }> & { close(): Promise<void> }>;
        close(force?: boolean): Promise<void>;
      };
    };
    const consumer = new pk.Consumer({ groupId: `bench-${topic}`, clientId: 'bench', bootstrapBrokers: brokers.split(','), maxWaitTime: 100, retries: 1 });
    try {
      const stream = await consumer.consume({ topics: [topic], mode: 'earliest' });
      void (async () => {
        for await (const m of stream) await take([m.value]);
      })();
      return async () => {
        await stream.close();
        await consumer.close(true);
      };
    } catch (e) {
      await consumer.close(true).catch(() => {});
      throw e;
    }
  },
};

function platformaticVersion(): string | null {
  try {
    // the package exports its code only, so its package.json is found beside dist/
    const main = createRequire(import.meta.url).resolve('@platformatic/kafka');
    return (JSON.parse(readFileSync(join(dirname(main), '..', 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return null;
  }
}

/** A failure as one line, the innermost causes included. */
function why(e: unknown): string {
  const parts: string[] = [];
  for (let x: unknown = e; x instanceof Error && parts.length < 4; x = (x as { cause?: unknown }).cause ?? (x as { errors?: unknown[] }).errors?.[0]) {
    parts.push(x.message);
  }
  return parts.join(' ← ');
}

async function main(): Promise<void> {
  const version = platformaticVersion();
  const clients: [string, Client | string][] = [
    ['ours: kafkajs 2.2.4 fetch path, no group', ours],
    ['kafkajs 2.2.4 consumer group, eachBatch', kafkajsGroup],
    [`@platformatic/kafka ${version ?? '(not installed)'}`, version ? platformatic : 'not installed: npm install --no-save @platformatic/kafka'],
  ];
  // a fresh topic for every read: the mock cannot create topics on request
  const topics = Array.from({ length: clients.length * 2 * RUNS }, (_, i) => `dbserver.public.orders_${i}`);
  const mock = await startMockKafka(Object.fromEntries(topics.map((t) => [t, PARTITIONS])));
  const producer = new Kafka({ brokers: mock.brokers.split(','), logLevel: logLevel.NOTHING }).producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const rows: Row[] = [];
  let bytes = 0;
  try {
    for (const [name, client] of clients) {
      for (const parse of [false, true]) {
        const mode = parse ? 'consume + JSON.parse' : 'consume only';
        if (typeof client === 'string') {
          rows.push({ client: name, mode: '—', 'messages/s': '—', 'MB/s': '—', 'start ms': '—', note: client });
          break;
        }
        const reads: Read[] = [];
        try {
          for (let run = 0; run < RUNS; run++) reads.push(await measure(client, mock.brokers, producer, topics.shift()!, parse));
        } catch (e) {
          rows.push({ client: name, mode: '—', 'messages/s': '—', 'MB/s': '—', 'start ms': '—', note: `fails: ${why(e)}` });
          break;
        }
        const readMs = median(reads.map((r) => r.readMs));
        bytes = reads[0]!.bytes;
        rows.push({
          client: name,
          mode,
          'messages/s': fmtInt(MESSAGES / (readMs / 1000)),
          'MB/s': fmtNum(bytes / 1e6 / (readMs / 1000), 1),
          'start ms': fmtInt(median(reads.map((r) => r.startMs))),
          note: `read ${fmtInt(readMs)} ms, median of ${reads.map((r) => fmtInt(r.readMs)).join(' / ')}`,
        });
      }
    }
  } finally {
    await producer.disconnect();
    mock.stop();
  }
  console.log(markdownTable(['client', 'mode', 'messages/s', 'MB/s', 'start ms', 'note'], rows));
  console.log();
  console.log(`- ${fmtInt(MESSAGES)} messages of ${fmtNum(bytes / MESSAGES, 0)} bytes of value on average (${fmtNum(bytes / 1e6, 1)} MB) on ${PARTITIONS} partitions, produced ${fmtInt(PER_SEND)} to a request (a record batch of ${fmtInt(PER_SEND / PARTITIONS)} a partition) in rounds of ${fmtInt(PER_ROUND)}, each read before the next is produced (the mock keeps ~5 MB a partition).`);
  console.log(`- 'start ms': from creating the client to its first message (connect, metadata, group join); not in the rates.`);
  console.log(`- Machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${fmtNum(os.totalmem() / 2 ** 30, 0)} GiB, Node ${process.version}; the broker (librdkafka 2.0.2's mock cluster) runs on the same machine.`);
}

await main();
