// Kafka sources end to end, over the wire: Debezium, upsert and JSON topics on a real
// Kafka-protocol broker (librdkafka's mock cluster), tables and views over them in a served
// Tributary, and every view compared with PostgreSQL (PGlite) over the final source state.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import pg from 'pg';
import { startMockKafka, type MockKafka } from './support/kafka.js';
import { Oracle, sortedRows } from './support/oracle.js';
import { startTestServer, type TestServer } from './server/support.js';

let mock: MockKafka;
let kafka: Kafka;
let producer: Producer;
let server: TestServer;
let client: pg.Client;
let oracle: Oracle;

const TOPICS = { 'db.public.customers': 3, 'db.public.orders': 3, customers_upsert: 3, clicks: 3, bad: 1, restart: 2, late: 1, payments: 1, ticks: 2 };

beforeAll(async () => {
  mock = await startMockKafka(TOPICS);
  kafka = new Kafka({ brokers: mock.brokers.split(','), logLevel: logLevel.NOTHING });
  producer = kafka.producer();
  await producer.connect();
  server = await startTestServer();
  client = new pg.Client({ port: server.port, host: '127.0.0.1', user: 'tributary', database: 'tributary' });
  await client.connect();
  await client.query("SET TimeZone = 'UTC'");
  oracle = await Oracle.create();
}, 30_000);

afterAll(async () => {
  await client?.end();
  await server?.close();
  await producer?.disconnect();
  await oracle?.close();
  mock?.stop();
});

type Msg = { key: string | null; value: string | null };

async function send(topic: string, messages: Msg[]): Promise<void> {
  await producer.send({ topic, messages: messages.map((m) => ({ key: m.key, value: m.value })) });
}

/** The broker's end offsets of a topic, summed over its partitions. */
async function endOffset(topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((n, o) => n + Number(o.high), 0);
  } finally {
    await admin.disconnect();
  }
}

/** Wait until the table's source has applied everything the broker holds for its topic. */
async function caughtUp(table: string, topic: string, timeoutMs = 20_000): Promise<void> {
  const end = await endOffset(topic);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await client.query('SELECT coalesce(sum(next_offset), 0)::int8 AS n, max(state) AS state, max(last_error) AS err FROM tributary_catalog.sources WHERE name = $1', [table]);
    if (Number(r.rows[0].n) >= end) return;
    if (Date.now() > deadline) throw new Error(`source of ${table} did not catch up: ${JSON.stringify(r.rows[0])}, broker end ${end}`);
    await new Promise((res) => setTimeout(res, 50));
  }
}

async function ours(sql: string): Promise<(string | null)[][]> {
  const r = await client.query({ text: sql, rowMode: 'array', types: { getTypeParser: () => (v: string) => v } as any });
  return r.rows;
}

async function sameAsPostgres(queries: string[]): Promise<void> {
  for (const q of queries) expect(sortedRows(await ours(q)), q).toEqual(sortedRows(await oracle.rows(q)));
}

/** A small deterministic random source. */
function rng(seed: number): () => number {
  return () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
}

describe('debezium', () => {
  it('snapshot, inserts, updates (grouping columns and keys), deletes with tombstones, on three partitions: views equal PostgreSQL', async () => {
    const rand = rng(7);
    const regions = ['north', 'south', 'east', 'west'];
    const customers = new Map<number, { id: number; name: string; region: string }>();
    const orders = new Map<number, { id: number; customer_id: number; amount: string; placed: number }>();
    const custMsgs: Msg[] = [];
    const orderMsgs: Msg[] = [];
    // Kafka Connect's JsonConverter with schemas.enable = true wraps every envelope
    const withSchema = (payload: unknown, i: number) => (i % 2 === 0 ? JSON.stringify({ schema: { type: 'struct', fields: [], optional: false, name: 'env' }, payload }) : JSON.stringify(payload));
    const env = (op: string, before: unknown, after: unknown) => ({ before, after, op, ts_ms: 1700000000000, source: { connector: 'postgresql', db: 'db', table: 't' } });
    const custEvent = (op: string, before: any, after: any) => {
      const key = JSON.stringify({ id: (after ?? before).id });
      custMsgs.push({ key, value: withSchema(env(op, before, after), custMsgs.length) });
      if (op === 'd') custMsgs.push({ key, value: null }); // the tombstone Debezium sends after a delete
    };
    const orderEvent = (op: string, before: any, after: any) => {
      const key = JSON.stringify({ id: (after ?? before).id });
      orderMsgs.push({ key, value: JSON.stringify(env(op, before, after)) });
      if (op === 'd') orderMsgs.push({ key, value: null });
    };
    // snapshot phase
    for (let i = 1; i <= 30; i++) {
      const c = { id: i, name: `c${i}`, region: regions[i % 4] };
      customers.set(i, c);
      custEvent('r', null, c);
    }
    let nextOrder = 1;
    for (let step = 0; step < 600; step++) {
      const x = rand();
      if (x < 0.45 || orders.size === 0) {
        const o = { id: nextOrder++, customer_id: 1 + Math.floor(rand() * 30), amount: (rand() * 500).toFixed(2), placed: 19000 + Math.floor(rand() * 30) };
        orders.set(o.id, o);
        orderEvent('c', null, o);
      } else if (x < 0.7) {
        const ids = [...orders.keys()];
        const before = orders.get(ids[Math.floor(rand() * ids.length)])!;
        const after = { ...before, amount: (rand() * 500).toFixed(2), customer_id: 1 + Math.floor(rand() * 30) };
        orders.set(after.id, after);
        // every other update without `before` (REPLICA IDENTITY DEFAULT)
        orderEvent('u', step % 2 ? before : null, after);
      } else if (x < 0.8) {
        const ids = [...orders.keys()];
        const before = orders.get(ids[Math.floor(rand() * ids.length)])!;
        orders.delete(before.id);
        // REPLICA IDENTITY DEFAULT: before holds only the key
        orderEvent('d', step % 3 ? before : { id: before.id, customer_id: null, amount: null, placed: null }, null);
      } else if (x < 0.9) {
        const id = 1 + Math.floor(rand() * 30);
        const before = customers.get(id);
        if (!before) continue;
        const after = { ...before, region: regions[Math.floor(rand() * 4)] };
        customers.set(id, after);
        custEvent('u', before, after);
      } else {
        // a primary-key change: Debezium sends a delete of the old key and a create of the new
        const ids = [...orders.keys()];
        const before = orders.get(ids[Math.floor(rand() * ids.length)])!;
        const after = { ...before, id: nextOrder++ };
        orders.delete(before.id);
        orders.set(after.id, after);
        orderEvent('d', before, null);
        orderEvent('c', null, after);
      }
    }
    // malformed messages among them: recorded, and the rest converges
    orderMsgs.splice(100, 0, { key: '{"id": 1}', value: 'not json' });
    orderMsgs.splice(300, 0, { key: '{"id": 2}', value: JSON.stringify(env('z', null, { id: 2 })) });
    orderMsgs.splice(500, 0, { key: '{"id": 3}', value: JSON.stringify(env('c', null, { id: 3, customer_id: 'x' })) });
    await send('db.public.customers', custMsgs.slice(0, 40));
    await send('db.public.orders', orderMsgs.slice(0, 200));
    const ddl = [
      'CREATE TABLE customers (id bigint PRIMARY KEY, name text NOT NULL, region text)',
      'CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint, amount numeric(10,2), placed date)',
    ];
    await client.query(`${ddl[0]} WITH (connector = 'kafka', brokers = '${mock.brokers}', topic = 'db.public.customers', format = 'debezium')`);
    await client.query(`${ddl[1]} WITH (connector = 'kafka', brokers = '${mock.brokers}', topic = 'db.public.orders', format = 'debezium', start = 'earliest', decimal_handling = 'string')`);
    const views = [
      'CREATE MATERIALIZED VIEW revenue AS SELECT c.region, count(*) AS n, sum(o.amount) AS total FROM orders o JOIN customers c ON o.customer_id = c.id GROUP BY c.region',
      'CREATE MATERIALIZED VIEW per_day AS SELECT placed, count(*) AS n, max(amount) AS top FROM orders GROUP BY placed',
    ];
    for (const v of views) await client.query(v);
    // the rest arrives while the views are maintained
    await send('db.public.customers', custMsgs.slice(40));
    await send('db.public.orders', orderMsgs.slice(200));
    await caughtUp('customers', 'db.public.customers');
    await caughtUp('orders', 'db.public.orders');

    for (const s of ddl) await oracle.exec(s);
    for (const c of customers.values()) await oracle.exec(`INSERT INTO customers VALUES (${c.id}, '${c.name}', '${c.region}')`);
    for (const o of orders.values()) await oracle.exec(`INSERT INTO orders VALUES (${o.id}, ${o.customer_id}, ${o.amount}, date '1970-01-01' + ${o.placed})`);
    for (const v of views) await oracle.exec(v);
    await sameAsPostgres(['SELECT * FROM revenue', 'SELECT * FROM per_day', 'SELECT * FROM orders', 'SELECT * FROM customers']);
    // the source's table keeps its key hashed (lookups), not ordered: ranges scan until an index is made
    const plan = async (q: string) => (await client.query(`EXPLAIN ${q}`)).rows.map((r) => r['QUERY PLAN']).join('\n');
    expect(await plan('SELECT * FROM orders WHERE id = 7')).toMatch(/Index Scan using orders_pkey/);
    const range = 'SELECT id, amount FROM orders WHERE id BETWEEN 100 AND 140';
    expect(await plan(range)).not.toMatch(/Index Scan/);
    await sameAsPostgres([range, 'SELECT * FROM orders WHERE id = 7']);
    await client.query('CREATE INDEX orders_id ON orders (id)');
    expect(await plan(range)).toMatch(/Index Scan using orders_id/);
    await sameAsPostgres([range]);
    const status = await client.query("SELECT partition, state, lag FROM tributary_catalog.sources WHERE name = 'orders' ORDER BY partition");
    expect(status.rows).toEqual([0, 1, 2].map((p) => ({ partition: p, state: 'running', lag: '0' })));
    const errors = await client.query("SELECT key, reason FROM tributary_catalog.source_errors WHERE name = 'orders' ORDER BY key");
    expect(errors.rows.map((r) => r.key)).toEqual(['{"id": 1}', '{"id": 2}', '{"id": 3}']);
    expect(errors.rows[1].reason).toMatch(/unknown op "z"/);
    expect(errors.rows[2].reason).toMatch(/customer_id/);
    expect((await client.query("SELECT sum(errors)::int AS e FROM tributary_catalog.sources WHERE name = 'orders'")).rows).toEqual([{ e: 3 }]);
  }, 60_000);
});

describe('upsert and json', () => {
  it('upsert: the key names the row, a null value deletes it', async () => {
    await send('customers_upsert', [
      { key: '{"id": 1}', value: '{"id": 1, "name": "ann", "score": 10}' },
      { key: '{"id": 2}', value: '{"name": "bob", "score": 20}' },
      { key: '3', value: '{"id": 3, "name": "cy", "score": 30, "unknown_field": true}' },
      { key: '{"id": 1}', value: '{"id": 1, "name": "ann", "score": 15}' },
      { key: '{"id": 2}', value: null },
      { key: '{"id": 4}', value: '{"id": 4, "name": "di"}' },
    ]);
    await client.query(`CREATE TABLE people (id int PRIMARY KEY, name text, score int) WITH (connector = 'kafka', brokers = '${mock.brokers}', topic = 'customers_upsert', format = 'upsert')`);
    await client.query('CREATE MATERIALIZED VIEW people_total AS SELECT count(*) AS n, sum(score) AS s FROM people');
    await caughtUp('people', 'customers_upsert');
    expect((await client.query('SELECT * FROM people ORDER BY id')).rows).toEqual([
      { id: 1, name: 'ann', score: 15 },
      { id: 3, name: 'cy', score: 30 },
      { id: 4, name: 'di', score: null },
    ]);
    expect((await client.query('SELECT * FROM people_total')).rows).toEqual([{ n: '3', s: '45' }]);
  }, 30_000);

  it('json: append-only rows; malformed messages are recorded with their position and the rest converges', async () => {
    const good: Msg[] = [];
    for (let i = 0; i < 300; i++) good.push({ key: null, value: JSON.stringify({ user_id: i % 7, url: `/p/${i % 5}`, ms: i }) });
    const bad: Msg[] = [
      { key: null, value: 'not json' },
      { key: null, value: '{"user_id": "seven", "url": "/x", "ms": 1}' },
      { key: null, value: '{"user_id": 1.5, "url": "/x", "ms": 1}' },
      { key: null, value: null },
      { key: null, value: '{"user_id": 1, "url": null, "ms": 1}' },
    ];
    const all = [...good];
    bad.forEach((b, i) => all.splice(50 * (i + 1), 0, b));
    await send('clicks', all);
    await client.query(`CREATE TABLE clicks (user_id int, url text NOT NULL, ms bigint) WITH (connector = 'kafka', brokers = '${mock.brokers}', topic = 'clicks', format = 'json')`);
    await client.query('CREATE MATERIALIZED VIEW click_counts AS SELECT url, count(*) AS n, count(DISTINCT user_id) AS users FROM clicks GROUP BY url');
    await caughtUp('clicks', 'clicks');
    await oracle.exec('CREATE TABLE clicks (user_id int, url text NOT NULL, ms bigint)');
    for (const g of good) {
      const r = JSON.parse(g.value!);
      await oracle.exec(`INSERT INTO clicks VALUES (${r.user_id}, '${r.url}', ${r.ms})`);
    }
    expect(sortedRows(await ours('SELECT * FROM click_counts'))).toEqual(sortedRows(await oracle.rows('SELECT url, count(*) AS n, count(DISTINCT user_id) AS users FROM clicks GROUP BY url')));
    const errors = await client.query("SELECT partition, message_offset, reason FROM tributary_catalog.source_errors WHERE name = 'clicks'");
    expect(errors.rows).toHaveLength(bad.length);
    for (const e of errors.rows) expect(e.reason).toMatch(/./);
    const total = await client.query("SELECT sum(errors)::int AS e, sum(messages)::int AS m FROM tributary_catalog.sources WHERE name = 'clicks'");
    expect(total.rows[0]).toEqual({ e: bad.length, m: all.length });
  }, 30_000);
});

describe('json with a primary key', () => {
  it('appends rows (an array is several), decimals as text by default, and records a repeated key instead of replacing the row', async () => {
    await send('payments', [
      { key: null, value: '{"id": 1, "amount": "12.50"}' },
      { key: null, value: '[{"id": 2, "amount": 1234}, {"id": 3, "amount": 0.1}]' },
      { key: null, value: '{"id": 1, "amount": "99.99"}' },
    ]);
    await client.query(`CREATE TABLE payments (id int PRIMARY KEY, amount numeric(10,2)) WITH (connector = 'kafka', brokers = '${mock.brokers}', topic = 'payments', format = 'json')`);
    await caughtUp('payments', 'payments');
    expect((await client.query('SELECT id, amount FROM payments ORDER BY id')).rows).toEqual([
      { id: 1, amount: '12.50' },
      { id: 2, amount: '1234.00' },
      { id: 3, amount: '0.10' },
    ]);
    const errors = await client.query("SELECT message_offset, reason FROM tributary_catalog.source_errors WHERE name = 'payments'");
    expect(errors.rows).toEqual([{ message_offset: '2', reason: 'duplicate key value violates unique constraint "payments_pkey"' }]);
  }, 30_000);
});

describe("start = 'latest' and append-only", () => {
  it('reads only what is produced after the table is created; an append-only table keeps no rows, its view all of them', async () => {
    await send('bad', [{ key: null, value: '{"n": 1}' }, { key: null, value: '{"n": 2}' }]);
    await client.query(`CREATE TABLE recent (n int) WITH (connector = 'kafka', brokers = '${mock.brokers}', topic = 'bad', format = 'json', start = 'latest', append_only = true)`);
    await client.query('CREATE MATERIALIZED VIEW recent_sum AS SELECT count(*) AS c, sum(n) AS s FROM recent');
    // the source has found the end of the topic before more is produced
    for (let i = 0; i < 100; i++) {
      const r = await client.query("SELECT next_offset FROM tributary_catalog.sources WHERE name = 'recent'");
      if (r.rows[0]?.next_offset === '2') break;
      await new Promise((res) => setTimeout(res, 20));
    }
    await send('bad', [{ key: null, value: '{"n": 10}' }, { key: null, value: '{"n": 20}' }]);
    await caughtUp('recent', 'bad');
    expect((await client.query('SELECT * FROM recent_sum')).rows).toEqual([{ c: '2', s: '30' }]);
    await expect(client.query('SELECT * FROM recent')).rejects.toMatchObject({ code: '0A000' });
  }, 30_000);
});

describe('watermarks per partition', () => {
  it('hold the watermark at the least partition, drop only rows late for it, and pass over an idle partition', async () => {
    const at = (s: number) => `2024-05-01 10:00:${String(s).padStart(2, '0')}`;
    const tick = async (partition: number, ...seconds: number[]) => {
      await producer.send({ topic: 'ticks', messages: seconds.map((s) => ({ partition, value: JSON.stringify({ ts: at(s), v: s }) })) });
      await caughtUp('ticks', 'ticks');
    };
    await client.query(`CREATE TABLE ticks (ts timestamp, v int) WITH (connector = 'kafka', brokers = '${mock.brokers}', topic = 'ticks', format = 'json',
      append_only = true, watermark = 'ts - INTERVAL ''1 second''', watermark_idle_timeout = '4 seconds')`);
    await client.query('CREATE MATERIALIZED VIEW ticks_seen AS SELECT v FROM ticks');
    const status = async () => (await client.query("SELECT watermark, late_rows::int AS late, partitions FROM tributary_catalog.late_events WHERE table_name = 'ticks'")).rows[0];
    const seen = async () => (await client.query('SELECT v FROM ticks_seen ORDER BY v')).rows.map((r) => r.v);
    // partition 1 lags: the watermark is its time less the delay, not partition 0's
    await tick(0, 10, 20);
    // partition 1 has sent nothing yet: it holds the watermark back (until it is idle)
    expect(await status()).toEqual({ watermark: null, late: 0, partitions: `0: ${at(19)}, 1: none` });
    await tick(1, 5);
    expect(await status()).toEqual({ watermark: at(4), late: 0, partitions: `0: ${at(19)}, 1: ${at(4)}` });
    // so its rows behind partition 0 are not late; a row behind its own watermark is
    await tick(1, 6, 3);
    expect(await status()).toEqual({ watermark: at(5), late: 1, partitions: `0: ${at(19)}, 1: ${at(5)}` });
    expect(await seen()).toEqual([5, 6, 10, 20]);
    // partition 1 goes quiet: once it has been idle for the timeout, partition 0 alone moves the watermark
    await new Promise((r) => setTimeout(r, 4200));
    await tick(0, 30);
    expect(await status()).toEqual({ watermark: at(29), late: 1, partitions: `0: ${at(29)}, 1: idle` });
    // and when it speaks again, its rows behind that are late
    await tick(1, 7, 40);
    expect(await status()).toEqual({ watermark: at(29), late: 2, partitions: `0: ${at(29)}, 1: ${at(39)}` });
    expect(await seen()).toEqual([5, 6, 10, 20, 30, 40]);
    await expect(client.query("CREATE TABLE y (ts timestamp) WITH (append_only = true, watermark = 'ts', watermark_idle_timeout = '1 second')")).rejects.toMatchObject({ code: '22023' });
    await expect(client.query(`CREATE TABLE y (ts timestamp) WITH (connector = 'kafka', brokers = '${mock.brokers}', topic = 'ticks', format = 'json', append_only = true, watermark = 'ts', watermark_idle_timeout = '0 seconds')`)).rejects.toMatchObject({ code: '22023' });
  }, 30_000);
});

describe('the broker going away', () => {
  it('mid-stream: the source retries, says so, and resumes with nothing lost or applied twice', async () => {
    const batch = (from: number, n: number): Msg[] => Array.from({ length: n }, (_, i) => ({ key: `k${(from + i) % 10}`, value: JSON.stringify({ n: from + i }) }));
    await send('restart', batch(0, 500));
    await client.query(`CREATE TABLE restart (n int) WITH (connector = 'kafka', brokers = '${mock.brokers}', topic = 'restart', format = 'json')`);
    await client.query('CREATE MATERIALIZED VIEW restart_sum AS SELECT count(*) AS c, sum(n) AS s, count(DISTINCT n) AS d FROM restart');
    await caughtUp('restart', 'restart');
    await mock.brokerDown(1);
    const deadline = Date.now() + 15_000;
    let state = '';
    while (state !== 'retrying' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      state = (await client.query("SELECT max(state) AS s FROM tributary_catalog.sources WHERE name = 'restart'")).rows[0].s;
    }
    expect(state).toBe('retrying');
    // the server keeps answering while its source cannot reach the broker
    expect((await client.query('SELECT c FROM restart_sum')).rows).toEqual([{ c: '500' }]);
    await mock.brokerUp(1);
    await send('restart', batch(500, 500));
    await caughtUp('restart', 'restart');
    expect((await client.query('SELECT * FROM restart_sum')).rows).toEqual([{ c: '1000', s: String((999 * 1000) / 2), d: '1000' }]);
    expect((await client.query("SELECT DISTINCT state FROM tributary_catalog.sources WHERE name = 'restart'")).rows).toEqual([{ state: 'running' }]);
  }, 60_000);
});

describe('a table fed by a source', () => {
  it('is read-only to DML, and DROP stops its consumer', async () => {
    await send('late', [{ key: null, value: '{"v": 1}' }]);
    await client.query(`CREATE TABLE late (v int) WITH (connector = 'kafka', brokers = '${mock.brokers}', topic = 'late', format = 'json')`);
    await caughtUp('late', 'late');
    for (const sql of ['INSERT INTO late VALUES (2)', 'UPDATE late SET v = 3', 'DELETE FROM late', 'TRUNCATE late']) {
      await expect(client.query(sql), sql).rejects.toMatchObject({ code: '42809', message: 'cannot change table "late": it is fed by kafka topic "late"' });
    }
    await expect(client.query('BEGIN; DROP TABLE late; COMMIT')).rejects.toMatchObject({ code: '25001' });
    await client.query('ROLLBACK').catch(() => {});
    await client.query('DROP TABLE late');
    expect((await client.query("SELECT * FROM tributary_catalog.sources WHERE name = 'late'")).rows).toEqual([]);
    await send('late', [{ key: null, value: '{"v": 2}' }]);
    // re-created, it reads the topic from the start again
    await client.query(`CREATE TABLE late (v int) WITH (connector = 'kafka', brokers = '${mock.brokers}', topic = 'late', format = 'json')`);
    await caughtUp('late', 'late');
    expect((await client.query('SELECT sum(v)::int AS s FROM late')).rows).toEqual([{ s: 3 }]);
  }, 30_000);

  it('keeps retrying a topic it cannot find, saying so, and commits its offsets to its consumer group', async () => {
    await client.query(`CREATE TABLE nowhere (v int) WITH (connector = 'kafka', brokers = '${mock.brokers}', topic = 'no_such_topic', format = 'json')`);
    let row: any = {};
    for (let i = 0; i < 100 && row.state !== 'retrying'; i++) {
      await new Promise((r) => setTimeout(r, 50));
      row = (await client.query("SELECT state, last_error FROM tributary_catalog.sources WHERE name = 'nowhere'")).rows[0];
    }
    expect(row.state).toBe('retrying');
    expect(row.last_error).toMatch(/no_such_topic/);
    await client.query('DROP TABLE nowhere');
    // offsets of a running source reach its group (for lag monitors), within a few seconds
    await send('late', [{ key: null, value: '{"v": 5}' }]);
    await client.query(`CREATE TABLE grouped (v int) WITH (connector = 'kafka', brokers = '${mock.brokers}', topic = 'late', format = 'json', group_id = 'watchers')`);
    await caughtUp('grouped', 'late');
    const admin = kafka.admin();
    await admin.connect();
    let committed = -1;
    for (let i = 0; i < 60 && committed !== (await endOffset('late')); i++) {
      await new Promise((r) => setTimeout(r, 100));
      const [t] = await admin.fetchOffsets({ groupId: 'watchers', topics: ['late'] });
      committed = t.partitions.reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
    }
    await admin.disconnect();
    expect(committed).toBe(await endOffset('late'));
    await client.query('DROP TABLE grouped');
  }, 30_000);

  it('refuses bad options with PostgreSQL errors', async () => {
    const cases: [string, string][] = [
      [`CREATE TABLE x (v int) WITH (connector = 'kafka', topic = 't', format = 'json')`, '22023'],
      [`CREATE TABLE x (v int) WITH (connector = 'kafka', brokers = 'h:1', topic = 't', format = 'avro')`, '22023'],
      [`CREATE TABLE x (v int) WITH (connector = 'kafka', brokers = 'h:1', topic = 't', format = 'debezium')`, '42P16'],
      [`CREATE TABLE x (v int) WITH (connector = 'kafka', brokers = 'h:1', topic = 't', format = 'json', colour = 'red')`, '22023'],
      [`CREATE TABLE x (v int) WITH (connector = 'ftp')`, '22023'],
      [`CREATE TABLE x (v int) WITH (colour = 'red')`, '22023'],
      [`BEGIN; CREATE TABLE x (v int) WITH (connector = 'kafka', brokers = 'h:1', topic = 't', format = 'json'); COMMIT`, '25001'],
    ];
    for (const [sql, code] of cases) {
      await expect(client.query(sql), sql).rejects.toMatchObject({ code });
      await client.query('ROLLBACK').catch(() => {});
    }
    await client.query('CREATE TABLE x (v int) WITH (fillfactor = 70)');
    await client.query('DROP TABLE x');
  });
});
