// Generator sources (datagen, nexmark) feeding tables, and append-only tables that keep no
// rows: views over them equal PostgreSQL's answers over the same rows.

import { describe, expect, it } from 'vitest';
import { Database } from '../src/index.js';
import { useOracle } from './support/suite.js';
import { sortedRows } from './support/oracle.js';
import { bindMaintainedQuery } from '../src/engine/ddl.js';
import { parseSql } from '../src/sql/parser.js';
import { IntegrateOp } from '../src/dataflow/operators/integrate.js';

const { oracle, reset } = useOracle();

const PERSON = 'id bigint, name text, email_address text, credit_card text, city text, state text, date_time timestamp, extra text';
const AUCTION = 'id bigint, item_name text, description text, initial_bid bigint, reserve bigint, date_time timestamp, expires timestamp, seller bigint, category bigint, extra text';
const BID = 'auction bigint, bidder bigint, price bigint, channel text, url text, date_time timestamp, extra text';

/** Nexmark-style queries (q1, q2, q3, q4's inner max, q6-like, q8-like), as views. */
const QUERIES = [
  'SELECT auction, bidder, price * 908 / 1000 AS euro, date_time FROM bid',
  'SELECT auction, price FROM bid WHERE auction % 123 = 0',
  `SELECT p.name, p.city, p.state, a.id FROM auction a JOIN person p ON a.seller = p.id WHERE a.category = 10 AND p.state IN ('OR', 'ID', 'CA')`,
  'SELECT a.category, max(b.price) AS top, count(*) AS n FROM auction a JOIN bid b ON a.id = b.auction AND b.date_time BETWEEN a.date_time AND a.expires GROUP BY a.category',
  'SELECT bidder, count(*) AS n, avg(price) AS avg_price, min(price) AS low FROM bid GROUP BY bidder',
  'SELECT p.id, p.name, count(a.id) AS auctions FROM person p LEFT JOIN auction a ON a.seller = p.id GROUP BY p.id, p.name',
  'SELECT channel, count(DISTINCT bidder) AS bidders FROM bid GROUP BY channel',
];

async function finished(db: Database, tables: string[]): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    const r = await db.query<{ n: bigint }>(`SELECT count(*) AS n FROM tributary_catalog.sources WHERE name IN (${tables.map((t) => `'${t}'`).join(', ')}) AND state <> 'finished'`);
    if (r.rows[0].n === 0n) return;
    await new Promise((res) => setTimeout(res, 10));
  }
  throw new Error('generators did not finish');
}

async function copyToOracle(db: Database, table: string, columns: string): Promise<void> {
  await oracle().exec(`CREATE TABLE ${table} (${columns})`);
  const rows = (await db.query(`SELECT * FROM ${table}`, [], { rowMode: 'array', format: 'text' })).rows as unknown as (string | null)[][];
  for (let i = 0; i < rows.length; i += 500) {
    const chunk = rows.slice(i, i + 500);
    const values = chunk.map((r) => `(${r.map((v) => (v === null ? 'NULL' : `'${v.replace(/'/g, "''")}'`)).join(', ')})`).join(', ');
    await oracle().exec(`INSERT INTO ${table} VALUES ${values}`);
  }
}

async function same(db: Database, view: string, query: string): Promise<void> {
  const ours = (await db.query(`SELECT * FROM ${view}`, [], { rowMode: 'array', format: 'text' })).rows as unknown as (string | null)[][];
  expect(ours.length, view).toBeGreaterThan(0);
  expect(sortedRows(ours), view).toEqual(sortedRows(await oracle().rows(query)));
}

describe('nexmark', () => {
  it('person, auction and bid streams of one seed: views equal PostgreSQL over the generated rows', async () => {
    await reset();
    const db = await Database.open();
    const opts = `connector = 'nexmark', events_per_second = 0, max_events = 20000, seed = 5`;
    await db.query(`CREATE TABLE person (${PERSON}) WITH (${opts})`);
    await db.query(`CREATE TABLE auction (${AUCTION}) WITH (${opts})`);
    await db.query(`CREATE TABLE bid (${BID}) WITH (${opts})`);
    // half the views before the events arrive, half after (hydrated from the tables)
    for (let i = 0; i < QUERIES.length; i += 2) await db.query(`CREATE MATERIALIZED VIEW q${i} AS ${QUERIES[i]}`);
    await finished(db, ['person', 'auction', 'bid']);
    for (let i = 1; i < QUERIES.length; i += 2) await db.query(`CREATE MATERIALIZED VIEW q${i} AS ${QUERIES[i]}`);
    const counts = (await db.query<{ n: bigint }>('SELECT (SELECT count(*) FROM person) + (SELECT count(*) FROM auction) + (SELECT count(*) FROM bid) AS n')).rows[0];
    expect(counts.n).toBe(20000n);
    await copyToOracle(db, 'person', PERSON);
    await copyToOracle(db, 'auction', AUCTION);
    await copyToOracle(db, 'bid', BID);
    for (let i = 0; i < QUERIES.length; i++) await same(db, `q${i}`, QUERIES[i]);
    await db.close();
  }, 120_000);

  it('an append-only bid stream keeps no rows; its views equal those over a stored copy of the same stream', async () => {
    await reset();
    const db = await Database.open();
    const opts = `connector = 'nexmark', events_per_second = 0, max_events = 20000, seed = 9`;
    await db.query(`CREATE TABLE bid (${BID}) WITH (${opts})`);
    await db.query(`CREATE TABLE bid_stream (${BID}) WITH (${opts}, table_type = 'bid', append_only = true)`);
    const views = QUERIES.filter((q) => !q.includes('person') && !q.includes('auction a'));
    for (let i = 0; i < views.length; i++) await db.query(`CREATE MATERIALIZED VIEW s${i} AS ${views[i].replace(/\bbid\b/g, 'bid_stream')}`);
    await finished(db, ['bid', 'bid_stream']);
    await copyToOracle(db, 'bid', BID);
    for (let i = 0; i < views.length; i++) await same(db, `s${i}`, views[i]);
    await expect(db.query('SELECT count(*) FROM bid_stream')).rejects.toMatchObject({ code: '0A000', message: 'cannot read append-only table "bid_stream": it keeps no rows' });
    await db.close();
  }, 120_000);
});

describe('datagen', () => {
  it('fills a table deterministically; an aggregate view equals PostgreSQL over its rows', async () => {
    await reset();
    const db = await Database.open();
    const cols = 'id bigint PRIMARY KEY, k int, v numeric(8,2), s varchar(6), d date, ts timestamp, b bool';
    await db.query(`CREATE TABLE g (${cols}) WITH (connector = 'datagen', rows_per_second = 0, max_rows = 5000, seed = 3, k.min = 1, k.max = 20)`);
    await db.query('CREATE MATERIALIZED VIEW gv AS SELECT k, count(*) AS n, sum(v) AS total, max(s) AS top, min(d) AS first_day, bool_or(b) AS any_b FROM g GROUP BY k');
    await finished(db, ['g']);
    await copyToOracle(db, 'g', cols);
    await same(db, 'gv', 'SELECT k, count(*) AS n, sum(v) AS total, max(s) AS top, min(d) AS first_day, bool_or(b) AS any_b FROM g GROUP BY k');
    // the same options give the same rows
    const again = await Database.open();
    await again.query(`CREATE TABLE g (${cols}) WITH (connector = 'datagen', rows_per_second = 0, max_rows = 5000, seed = 3, k.min = 1, k.max = 20)`);
    await finished(again, ['g']);
    const a = (await db.query('SELECT * FROM g ORDER BY id', [], { format: 'text', rowMode: 'array' })).rows;
    const b = (await again.query('SELECT * FROM g ORDER BY id', [], { format: 'text', rowMode: 'array' })).rows;
    expect(b).toEqual(a);
    await db.close();
    await again.close();
  }, 60_000);

  it('records the rows a view cannot take (each by its position) and applies the others', async () => {
    const db = await Database.open();
    await db.query(`CREATE TABLE div (id bigint PRIMARY KEY, v int) WITH (connector = 'datagen', rows_per_second = 0, max_rows = 2000, seed = 4, v.min = 0, v.max = 9)`);
    await db.query('CREATE MATERIALIZED VIEW inv AS SELECT id, 100 / v AS x FROM div');
    await finished(db, ['div']);
    const errors = (await db.query<{ message_offset: bigint; reason: string }>('SELECT message_offset, reason FROM tributary_catalog.source_errors')).rows;
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every((e) => /division by zero/.test(e.reason))).toBe(true);
    // the failing rows are left out of the table too: table and view agree, and with the errors make every row
    const count = async (q: string) => (await db.query<{ n: bigint }>(q)).rows[0].n;
    expect(await count('SELECT count(*) AS n FROM div WHERE v = 0')).toBe(0n);
    expect(await count('SELECT count(*) AS n FROM inv')).toBe(await count('SELECT count(*) AS n FROM div'));
    expect((await count('SELECT count(*) AS n FROM div')) + BigInt(errors.length)).toBe(2000n);
    // each recorded position is the row's: the id sequence starts at 1, so the missing ids are position + 1
    const ids = new Set((await db.query<{ id: bigint }>('SELECT id FROM div')).rows.map((r) => r.id));
    for (const e of errors) expect(ids.has(e.message_offset + 1n)).toBe(false);
    await db.close();
  });

  it('keeps serving reads while a generator runs as fast as it can, one transaction at a time', async () => {
    const db = await Database.open();
    await db.query(`CREATE TABLE fast (id bigint PRIMARY KEY, v int) WITH (connector = 'datagen', rows_per_second = 0, max_batch_rows = 1000)`);
    await db.query('CREATE MATERIALIZED VIEW fast_n AS SELECT count(*) AS n, sum(id) AS s FROM fast');
    const seen: bigint[] = [];
    for (let i = 0; i < 20; i++) {
      await new Promise((r) => setTimeout(r, 5));
      const r = (await db.query<{ n: bigint; s: string }>('SELECT n, s FROM fast_n')).rows[0];
      // every read sees whole transactions: ids 1..n, so the sum is n(n+1)/2
      expect(BigInt(r.s ?? 0)).toBe((r.n * (r.n + 1n)) / 2n);
      seen.push(r.n);
    }
    expect(seen[seen.length - 1]).toBeGreaterThan(seen[0]);
    await db.close();
  });
});

describe('append-only tables', () => {
  it('a subscription without a snapshot passes changes on and keeps no rows; a snapshot read of a stale view is refused', async () => {
    const db = await Database.open();
    await db.query('CREATE TABLE ev (k int, v int) WITH (append_only = true)');
    await db.query('CREATE MATERIALIZED VIEW evn AS SELECT count(*) AS n FROM ev');
    const before = new Set(db.engine.circuit.operators());
    const { plan, deps } = bindMaintainedQuery(db.engine, parseSql('SELECT k, v * 2 AS w FROM ev WHERE v > 1')[0].node.SelectStmt);
    const got: string[] = [];
    const w = db.engine.watch({ plan, deps, snapshot: false }, (changes) => got.push(...changes.map((c) => `${c.diff}:${c.row.join(',')}`)), () => {});
    const added = db.engine.circuit.operators().filter((o) => !before.has(o));
    expect(added.some((o) => o instanceof IntegrateOp)).toBe(false);
    await db.query('INSERT INTO ev VALUES (1, 1), (2, 2), (3, 3)');
    expect(got).toEqual(['1:2,4', '1:3,6']);
    w.stop();
    // REPEATABLE READ: once the view has moved on, the snapshot's version would need the rows
    await db.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    expect((await db.query('SELECT n FROM evn')).rows).toEqual([{ n: 3n }]);
    const other = db.newSession();
    other.execute('INSERT INTO ev VALUES (4, 4)');
    await expect(db.query('SELECT n FROM evn')).rejects.toMatchObject({ code: '0A000' });
    await db.query('ROLLBACK');
    expect((await db.query('SELECT n FROM evn')).rows).toEqual([{ n: 4n }]);
    await db.close();
  });

  it('take INSERT only, refuse reads with a hint; a failed commit is undone in the views over them', async () => {
    const db = await Database.open();
    await db.query('CREATE TABLE ev (k int, v int) WITH (append_only = true)');
    await db.query('CREATE MATERIALIZED VIEW evs AS SELECT k, sum(v) AS s FROM ev GROUP BY k');
    await db.query('INSERT INTO ev VALUES (1, 10), (1, 5), (2, 7)');
    db.insert('ev', [[2, 1]]);
    expect((await db.query('SELECT * FROM evs ORDER BY k')).rows).toEqual([{ k: 1, s: 15n }, { k: 2, s: 8n }]);
    for (const [sql, code] of [
      ['SELECT * FROM ev', '0A000'],
      ['DELETE FROM ev', '0A000'],
      ['UPDATE ev SET v = 0', '0A000'],
      ['TRUNCATE ev', '0A000'],
      ['CREATE INDEX ON ev (k)', '0A000'],
      ['CREATE TABLE ev2 (k int PRIMARY KEY) WITH (append_only = true)', '0A000'],
    ]) {
      await expect(db.query(sql), sql).rejects.toMatchObject({ code });
    }
    // a view created later sees the rows from then on
    await db.query('CREATE MATERIALIZED VIEW later AS SELECT count(*) AS n FROM ev');
    await db.query('INSERT INTO ev VALUES (3, 3)');
    expect((await db.query('SELECT n FROM later')).rows).toEqual([{ n: 1n }]);
    await db.query('CREATE MATERIALIZED VIEW inv AS SELECT 10 / (v - 3) AS x FROM ev');
    await expect(db.query('INSERT INTO ev VALUES (4, 3), (1, 100)')).rejects.toMatchObject({ code: '22012' });
    // the views the failed commit reached undid it: nothing of it shows
    expect((await db.query('SELECT * FROM evs ORDER BY k')).rows).toEqual([{ k: 1, s: 15n }, { k: 2, s: 8n }, { k: 3, s: 3n }]);
    expect((await db.query('SELECT n FROM later')).rows).toEqual([{ n: 1n }]);
    // a DISTINCT aggregate too, before the failing view
    await db.query('CREATE MATERIALIZED VIEW evd AS SELECT k, count(DISTINCT v) AS d FROM ev GROUP BY k');
    await db.query('CREATE MATERIALIZED VIEW inv4 AS SELECT 10 / (v - 4) AS x FROM ev');
    await db.query('INSERT INTO ev VALUES (5, 1)');
    await expect(db.query('INSERT INTO ev VALUES (5, 2), (6, 4)')).rejects.toMatchObject({ code: '22012' });
    expect((await db.query('SELECT * FROM evd')).rows).toEqual([{ k: 5, d: 1n }]);
    expect((await db.query('SELECT * FROM evs WHERE k = 5')).rows).toEqual([{ k: 5, s: 1n }]);
    await db.close();
  });
});
