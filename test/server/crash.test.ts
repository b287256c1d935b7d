// Crash tests: a server on a data directory takes transactions from several clients and a
// Kafka topic, and is killed with SIGKILL at random moments, then restarted on the same
// directory. After each restart: every acknowledged transaction is there, whole; one that
// was under way is there whole or not at all; nothing was applied twice (Kafka messages
// included); and every view equals what PostgreSQL computes from the recovered tables.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { spawnServer, type ServerProcess } from './support.js';
import { produce, startMockKafka, type MockKafka } from '../support/kafka.js';

const CYCLES = Number(process.env.CRASH_CYCLES ?? 10);
const CLIENTS = 4;
const ACCOUNTS = 20;
const START_BALANCE = 1000;

const VIEWS: Record<string, string> = {
  acct_total: 'SELECT sum(bal) AS s, count(*) AS n FROM acct',
  ev_by_k: 'SELECT k, count(*) AS c, max(v) AS m FROM ev GROUP BY k',
  acct_ev: 'SELECT a.id, a.bal, count(e.v) AS c FROM acct a LEFT JOIN ev e ON e.k = a.id GROUP BY a.id, a.bal',
  kin_sum: 'SELECT count(*) AS n, count(DISTINCT id) AS d, sum(id) AS s FROM kin',
};

/** What the clients did: per event text its state, per transfer its deltas. */
interface Model {
  /** ev rows by their text v: 'acked' (present), 'deleted' (acknowledged delete), 'unknown' (in flight at a kill) */
  ev: Map<string, { k: number; state: 'acked' | 'unknown' | 'deleted' | 'unknown-delete' }>;
  /** Per account the balance acknowledged transfers leave. */
  bal: number[];
  /** Transfers in flight at a kill: applied whole or not at all. */
  pendingTransfers: { from: number; to: number; d: number }[];
  /** Rows of multi-row inserts in flight: all or none. */
  pendingGroups: string[][];
}

let dir: string;
let kafka: MockKafka;
let produced = 0;

function client(port: number): pg.Client {
  return new pg.Client({ host: '127.0.0.1', port, user: 'crash', database: 'crash' });
}

async function start(): Promise<ServerProcess> {
  return spawnServer([], ['--data-dir', dir, '--checkpoint-interval', '300ms']);
}

/** Run a client's statements: 'ok', 'refused' (an SQL error: the session goes on, nothing committed) or 'dead' (the server died: outcome unknown). */
async function attempt(c: pg.Client, run: () => Promise<unknown>): Promise<'ok' | 'refused' | 'dead'> {
  try {
    await run();
    return 'ok';
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (!code || !/^[0-9A-Z]{5}$/.test(code) || code.startsWith('08') || code.startsWith('57')) return 'dead';
    return (await attempt(c, () => c.query('ROLLBACK'))) === 'dead' ? 'dead' : 'refused';
  }
}

/** Each client runs transactions until the server dies; the model learns what was acknowledged. */
async function workload(port: number, id: number, model: Model, seqBase: number): Promise<void> {
  const c = client(port);
  c.on('error', () => {});
  try {
    await c.connect();
  } catch {
    return;
  }
  let seq = seqBase;
  let r = (id + 1) * 7919 + seqBase;
  const rand = (n: number) => ((r = (r * 1103515245 + 12345) % 2147483648) % n);
  for (;;) {
    const kind = rand(4);
    seq++;
    if (kind === 0) {
      const v = `c${id}-${seq}`;
      const k = rand(ACCOUNTS);
      model.ev.set(v, { k, state: 'unknown' });
      const out = await attempt(c, () => c.query('INSERT INTO ev VALUES ($1, $2)', [k, v]));
      if (out === 'dead') return;
      if (out === 'refused') throw new Error('an INSERT into ev was refused');
      model.ev.get(v)!.state = 'acked';
    } else if (kind === 1) {
      const vs = [0, 1, 2].map((j) => `c${id}-${seq}-${j}`);
      const k = rand(ACCOUNTS);
      for (const v of vs) model.ev.set(v, { k, state: 'unknown' });
      model.pendingGroups.push(vs);
      const out = await attempt(c, () => c.query(`INSERT INTO ev VALUES ${vs.map((v) => `(${k}, '${v}')`).join(', ')}`));
      if (out === 'dead') return;
      if (out === 'refused') throw new Error('a multi-row INSERT into ev was refused');
      for (const v of vs) model.ev.get(v)!.state = 'acked';
      model.pendingGroups.splice(model.pendingGroups.indexOf(vs), 1);
    } else if (kind === 2) {
      const from = rand(ACCOUNTS);
      const to = (from + 1 + rand(ACCOUNTS - 1)) % ACCOUNTS;
      const d = 1 + rand(50);
      const t = { from, to, d };
      model.pendingTransfers.push(t);
      const out = await attempt(c, async () => {
        await c.query('BEGIN');
        await c.query('UPDATE acct SET bal = bal - $1 WHERE id = $2', [d, from]);
        await c.query('UPDATE acct SET bal = bal + $1 WHERE id = $2', [d, to]);
        await c.query('COMMIT');
      });
      // dead: its outcome is decided after the restart; refused (a conflict): it did not happen
      if (out === 'dead') return;
      model.pendingTransfers.splice(model.pendingTransfers.indexOf(t), 1);
      if (out === 'ok') {
        model.bal[from] -= d;
        model.bal[to] += d;
      }
    } else {
      // delete one of this client's acknowledged events
      const mine = [...model.ev].find(([v, e]) => e.state === 'acked' && v.startsWith(`c${id}-`));
      if (!mine) continue;
      mine[1].state = 'unknown-delete';
      const out = await attempt(c, () => c.query('DELETE FROM ev WHERE v = $1', [mine[0]]));
      if (out === 'dead') return;
      mine[1].state = out === 'ok' ? 'deleted' : 'acked';
    }
  }
}

/** Check the recovered server against the model, and settle what was in flight. */
async function verify(port: number, model: Model, oracle: PGlite): Promise<void> {
  const c = client(port);
  await c.connect();
  try {
    const ev = (await c.query('SELECT k, v FROM ev')).rows as { k: number; v: string }[];
    const present = new Map<string, number>();
    for (const row of ev) present.set(row.v, (present.get(row.v) ?? 0) + 1);
    for (const [v, n] of present) {
      expect(n, `event ${v} is there once`).toBe(1);
      expect(model.ev.has(v), `event ${v} was inserted by a client`).toBe(true);
    }
    for (const [v, e] of model.ev) {
      if (e.state === 'acked') expect(present.has(v), `acknowledged event ${v} survived`).toBe(true);
      if (e.state === 'deleted') expect(present.has(v), `acknowledged delete of ${v} survived`).toBe(false);
      // what was in flight is settled by what recovery shows
      if (e.state === 'unknown' || e.state === 'unknown-delete') e.state = present.has(v) ? 'acked' : 'deleted';
    }
    for (const g of model.pendingGroups) {
      const n = g.filter((v) => present.has(v)).length;
      expect(n === 0 || n === g.length, `a multi-row INSERT is whole or absent (${n} of ${g.length})`).toBe(true);
    }
    model.pendingGroups = [];
    const acct = (await c.query('SELECT id, bal FROM acct ORDER BY id')).rows.map((r) => Number(r.bal));
    // the transfers in flight: some subset of them committed, each whole
    const pending = model.pendingTransfers;
    let found = -1;
    for (let mask = 0; mask < 1 << pending.length && found < 0; mask++) {
      const b = [...model.bal];
      pending.forEach((t, i) => {
        if (mask & (1 << i)) {
          b[t.from] -= t.d;
          b[t.to] += t.d;
        }
      });
      if (b.every((x, i) => x === acct[i])) found = mask;
    }
    expect(found, `balances ${acct} are the acknowledged transfers plus whole ones in flight`).toBeGreaterThanOrEqual(0);
    pending.forEach((t, i) => {
      if (found & (1 << i)) {
        model.bal[t.from] -= t.d;
        model.bal[t.to] += t.d;
      }
    });
    model.pendingTransfers = [];
    // Kafka: each message at most once (the source catches up later)
    const kin = (await c.query('SELECT count(*)::int AS n, count(DISTINCT id)::int AS d FROM kin')).rows[0];
    expect(kin.n, 'no Kafka message applied twice').toBe(kin.d);
    // every view equals PostgreSQL's answer over the recovered tables
    await compareViews(c, oracle);
  } finally {
    await c.end();
  }
}

async function compareViews(c: pg.Client, oracle: PGlite): Promise<void> {
  await oracle.exec('DELETE FROM acct; DELETE FROM ev; DELETE FROM kin;');
  for (const t of ['acct', 'ev', 'kin']) {
    const rows = (await c.query(`SELECT * FROM ${t}`)).rows;
    for (const row of rows) {
      const cols = Object.keys(row);
      await oracle.query(`INSERT INTO ${t} (${cols.join(', ')}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')})`, cols.map((k) => row[k]));
    }
  }
  for (const [name, q] of Object.entries(VIEWS)) {
    const ours = (await c.query(`SELECT * FROM ${name}`)).rows.map((r) => JSON.stringify(Object.values(r).map(String))).sort();
    const theirs = (await oracle.query<Record<string, unknown>>(q)).rows.map((r) => JSON.stringify(Object.values(r).map(String))).sort();
    expect(ours, `view ${name} after recovery`).toEqual(theirs);
  }
}

async function produceSome(n: number): Promise<void> {
  const msgs = Array.from({ length: n }, () => {
    const id = ++produced;
    return { partition: id % 2, key: String(id), value: { id, v: `m${id}` } };
  });
  await produce(kafka.brokers, 'crash_in', msgs);
}

describe('crash recovery (kill -9)', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tributary-crash-'));
    kafka = await startMockKafka({ crash_in: 2 });
  }, 30_000);

  afterAll(() => {
    kafka?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it(`loses no acknowledged commit and applies none twice across ${CYCLES} kills`, async () => {
    const oracle = new PGlite();
    await oracle.exec(`CREATE TABLE acct (id int PRIMARY KEY, bal bigint NOT NULL); CREATE TABLE ev (k int, v text); CREATE TABLE kin (id int, v text);`);
    const model: Model = { ev: new Map(), bal: Array.from({ length: ACCOUNTS }, () => START_BALANCE), pendingTransfers: [], pendingGroups: [] };
    let server = await start();
    {
      const c = client(server.port);
      await c.connect();
      await c.query('CREATE TABLE acct (id int PRIMARY KEY, bal bigint NOT NULL)');
      await c.query(`INSERT INTO acct SELECT g, ${START_BALANCE} FROM generate_series(0, ${ACCOUNTS - 1}) g`);
      await c.query('CREATE TABLE ev (k int, v text)');
      await c.query(`CREATE TABLE kin (id int, v text) WITH (connector = 'kafka', brokers = '${kafka.brokers}', topic = 'crash_in', format = 'json', start = 'earliest')`);
      for (const [name, q] of Object.entries(VIEWS)) await c.query(`CREATE MATERIALIZED VIEW ${name} AS ${q}`);
      await c.end();
    }
    let seq = 0;
    let r = 12345;
    let fromCheckpoint = 0;
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      const t0 = Date.now();
      const trace = (w: string) => process.env.CRASH_TRACE && console.log(`cycle ${cycle} ${w} +${Date.now() - t0} ms`);
      const producing = produceSome(200);
      const runs = Array.from({ length: CLIENTS }, (_, i) => workload(server.port, i, model, (seq += 100_000)));
      await new Promise((res) => setTimeout(res, 150 + ((r = (r * 48271) % 2147483647) % 600)));
      server.child.kill('SIGKILL');
      trace('killed');
      await Promise.all(runs);
      trace('clients done');
      await producing;
      trace('produced');
      const dead = server.child;
      if (dead.exitCode === null && dead.signalCode === null) await new Promise((res) => dead.once('exit', res));
      server = await start();
      trace('restarted');
      await verify(server.port, model, oracle);
      const said = server.stderr();
      expect(said, 'no checkpoint was passed over').not.toMatch(/cannot be used/);
      if (/restored the checkpoint/.test(said)) fromCheckpoint++;
      trace('verified');
    }
    // recoveries loaded a checkpoint and replayed the log after it (the first may have none yet)
    expect(fromCheckpoint).toBeGreaterThanOrEqual(CYCLES / 2);
    // the source catches up: every message exactly once
    const c = client(server.port);
    await c.connect();
    const deadline = Date.now() + 20_000;
    let n = 0;
    while (Date.now() < deadline) {
      n = (await c.query('SELECT count(*)::int AS n FROM kin')).rows[0].n;
      if (n >= produced) break;
      await new Promise((res) => setTimeout(res, 100));
    }
    const kin = (await c.query('SELECT count(*)::int AS n, count(DISTINCT id)::int AS d, min(id) AS lo, max(id) AS hi FROM kin')).rows[0];
    expect(kin).toEqual({ n: produced, d: produced, lo: 1, hi: produced });
    await compareViews(c, oracle);
    await c.end();
    server.child.kill('SIGTERM');
    await oracle.close();
  }, Math.max(240_000, CYCLES * 20_000));
});
