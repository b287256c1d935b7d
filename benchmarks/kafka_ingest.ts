// Benchmark: Debezium ingest end to end (broker → table → maintained aggregate view) beside the
// raw rate of consuming and JSON.parse-ing the same messages in the same process, with the same
// client (src/sources/kafka). The broker is librdkafka's mock cluster on loopback.
//
//   npx tsx benchmarks/kafka_ingest.ts [--messages 200000] [--runs 3]
//
// Every message is produced before the clock starts, on 24 partitions (the mock keeps about
// 5 MB a partition, so fewer would drop the oldest). A quarter of the events update an earlier
// order (new amount and status, REPLICA IDENTITY DEFAULT: no `before`), the rest insert.

import os from 'node:os';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { Database } from '../src/index.js';
import { createKafkaConsumer } from '../src/sources/kafka/client.js';
import { startMockKafka } from '../test/support/kafka.js';
import { changeEvent } from './kafka_events.js';
import { fmtInt, fmtNum, markdownTable, median, now, rng, type Row, numberFlag } from './common.js';

const flag = numberFlag;
const MESSAGES = flag('--messages', 200_000);
const RUNS = flag('--runs', 3);
const PARTITIONS = 24;
const TOPIC = 'dbserver.public.orders';

async function produceAll(brokers: string): Promise<number> {
  const producer = new Kafka({ brokers: brokers.split(','), logLevel: logLevel.NOTHING }).producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const random = rng(7);
  let bytes = 0;
  let orders = 0;
  for (let from = 0; from < MESSAGES; from += 4800) {
    const messages = [];
    for (let i = from; i < Math.min(MESSAGES, from + 4800); i++) {
      const update = i % 4 === 3 && orders > 0;
      const id = update ? Math.floor(random() * orders) : orders++;
      const m = changeEvent(id, random);
      const value = update ? m.value.replace('"op":"c"', '"op":"u"') : m.value;
      bytes += value.length;
      // Debezium keys by primary key, so one order's events stay in one partition, in order
      messages.push({ key: m.key, value, partition: id % PARTITIONS });
    }
    await producer.send({ topic: TOPIC, messages });
  }
  await producer.disconnect();
  return bytes;
}

/** Consume every message from the start and JSON.parse each value; ms from start to the last. */
async function raw(brokers: string): Promise<number> {
  let count = 0;
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  const consumer = createKafkaConsumer({ brokers: brokers.split(','), topic: TOPIC, groupId: 'bench-raw', clientId: 'bench' });
  const t0 = now();
  await consumer.start(new Map(), async (b) => {
    for (const m of b.messages) if (JSON.parse(m.value!.toString()).op === undefined) throw new Error('not an event');
    count += b.messages.length;
    if (count >= MESSAGES) done();
  }, () => {});
  await finished;
  const ms = now() - t0;
  await consumer.stop();
  return ms;
}

/** CREATE TABLE … WITH (connector = 'kafka') and a view; ms until the view reflects every message. */
async function endToEnd(brokers: string): Promise<{ ms: number; check: string }> {
  const db = await Database.open();
  const t0 = now();
  await db.query(`CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint, status text, amount numeric(12,2), created_at timestamp, note text)
    WITH (connector = 'kafka', brokers = '${brokers}', topic = '${TOPIC}', format = 'debezium', decimal_handling = 'string')`);
  await db.query('CREATE MATERIALIZED VIEW by_status AS SELECT status, count(*) AS orders, sum(amount) AS total FROM orders GROUP BY status');
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  const feed = (db.engine.catalog.get('orders') as unknown as { feed: { partitions: Map<number, { next: number }> } }).feed;
  // a source advances its offsets right after its commit returns
  const stop = db.engine.onCommit(() =>
    setImmediate(() => {
      let applied = 0;
      for (const p of feed.partitions.values()) applied += p.next;
      if (applied >= MESSAGES) done();
    }),
  );
  await finished;
  const ms = now() - t0;
  stop();
  const r = (await db.query<{ n: bigint; s: string }>('SELECT sum(orders) AS n, sum(total) AS s FROM by_status')).rows[0];
  await db.close();
  return { ms, check: `${r.n} orders, total ${r.s}` };
}

const mock = await startMockKafka({ [TOPIC]: PARTITIONS });
try {
  const bytes = await produceAll(mock.brokers);
  const rawMs: number[] = [];
  const e2eMs: number[] = [];
  let check = '';
  for (let run = 0; run < RUNS; run++) {
    rawMs.push(await raw(mock.brokers));
    const e = await endToEnd(mock.brokers);
    e2eMs.push(e.ms);
    check = e.check;
  }
  const rows: Row[] = [
    { path: 'consume + JSON.parse (raw)', 'messages/s': fmtInt(MESSAGES / (median(rawMs) / 1000)), 'MB/s': fmtNum(bytes / 1e6 / (median(rawMs) / 1000), 1), runs: rawMs.map((m) => fmtInt(m)).join(' / ') + ' ms' },
    { path: 'Debezium source → table → aggregate view', 'messages/s': fmtInt(MESSAGES / (median(e2eMs) / 1000)), 'MB/s': fmtNum(bytes / 1e6 / (median(e2eMs) / 1000), 1), runs: e2eMs.map((m) => fmtInt(m)).join(' / ') + ' ms' },
  ];
  console.log(markdownTable(['path', 'messages/s', 'MB/s', 'runs'], rows));
  console.log();
  console.log(`- End to end / raw: ${fmtNum(median(rawMs) / median(e2eMs), 2)}×. ${fmtInt(MESSAGES)} messages (${fmtNum(bytes / MESSAGES, 0)} bytes of value on average, a quarter of them updates), ${PARTITIONS} partitions, median of ${RUNS}; view after the last run: ${check}.`);
  console.log(`- Machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}; the broker runs on the same machine.`);
} finally {
  mock.stop();
}
