// SUBSCRIBE over the wire: snapshot, then every change in timestamp order, progress rows,
// queries, ends (cancel, dropped relation), and a slow subscriber dropped without stalling writers.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import pg from 'pg';
import { serialize } from 'pg-protocol';
import { setSubscribeBufferLimit } from '../../src/server/subscribe.js';
import { parseSubscribe } from '../../src/server/subscribe.js';
import { errorFields, RawClient, startTestServer, type TestServer } from './support.js';
import { PSQL } from '../support/psql.js';

let ts: TestServer;
let writer: pg.Client;

beforeAll(async () => {
  ts = await startTestServer({}, [
    'CREATE TABLE t (k int, v text)',
    "INSERT INTO t VALUES (1, 'a'), (2, 'b'), (2, 'b')",
    'CREATE MATERIALIZED VIEW counts AS SELECT k, count(*) AS n FROM t GROUP BY k',
  ]);
  writer = new pg.Client({ host: '127.0.0.1', port: ts.port, user: 'writer' });
  await writer.connect();
});
afterAll(async () => {
  await writer.end();
  await ts.close();
});

/** Start a SUBSCRIBE on a raw connection; returns a reader of its COPY rows (split on tabs). */
async function subscribe(sql: string) {
  const c = await RawClient.connect(ts.port);
  c.send(serialize.query(sql));
  const first = await c.next();
  if (first?.type === 'E') return { c, error: errorFields(first.body), rows: async () => [] as string[][] };
  expect(first?.type).toBe('H');
  /** The next n rows; an ErrorResponse ends the stream (returned as ['ERROR', code, message]). */
  const rows = async (n: number): Promise<string[][]> => {
    const out: string[][] = [];
    while (out.length < n) {
      const m = await c.next();
      if (!m) throw new Error('connection closed');
      if (m.type === 'E') {
        const f = errorFields(m.body);
        out.push(['ERROR', f.C, f.M]);
        break;
      }
      expect(m.type).toBe('d');
      out.push(m.body.toString('utf8').replace(/\n$/, '').split('\t'));
    }
    return out;
  };
  return { c, error: null, rows };
}

const sorted = (rows: string[][]) => [...rows].sort((a, b) => a.join().localeCompare(b.join()));

describe('SUBSCRIBE', () => {
  it('streams the snapshot, then each transaction\'s changes in timestamp order', async () => {
    const s = await subscribe('SUBSCRIBE counts');
    const snap = await s.rows(2);
    const t0 = Number(snap[0][0]);
    expect(snap.every((r) => Number(r[0]) === t0)).toBe(true);
    expect(sorted(snap).map((r) => r.slice(1))).toEqual([
      ['1', '1', '1'],
      ['1', '2', '2'],
    ]);
    await writer.query("INSERT INTO t VALUES (3, 'c')");
    await writer.query("BEGIN; UPDATE t SET k = 3 WHERE k = 1; DELETE FROM t WHERE v = 'b'; COMMIT");
    const first = await s.rows(1);
    expect(first[0].slice(1)).toEqual(['1', '3', '1']);
    const second = await s.rows(4);
    const t1 = Number(first[0][0]);
    const t2 = Number(second[0][0]);
    expect(t1).toBeGreaterThan(t0);
    expect(t2).toBeGreaterThan(t1);
    expect(second.every((r) => Number(r[0]) === t2)).toBe(true);
    expect(sorted(second).map((r) => r.slice(1))).toEqual([
      ['-1', '1', '1'],
      ['-1', '2', '2'],
      ['-1', '3', '1'],
      ['1', '3', '2'],
    ]);
    s.c.end();
  });

  it('WITH (SNAPSHOT false, PROGRESS): only changes, and progress rows that bound later timestamps', async () => {
    const s = await subscribe('SUBSCRIBE TO counts WITH (SNAPSHOT = false, PROGRESS)');
    const p0 = (await s.rows(1))[0];
    expect(p0.slice(1)).toEqual(['t', '\\N', '\\N', '\\N']);
    await writer.query("INSERT INTO t VALUES (9, 'z')");
    const [data, progress] = await s.rows(2);
    expect(data.slice(1)).toEqual(['f', '1', '9', '1']);
    expect(Number(data[0])).toBeGreaterThanOrEqual(Number(p0[0]));
    expect(progress[1]).toBe('t');
    expect(Number(progress[0])).toBeGreaterThan(Number(data[0]));
    s.c.end();
  });

  it('subscribes to a query and to a table; snapshot diffs count duplicates', async () => {
    await writer.query("INSERT INTO t VALUES (5, 'dup'), (5, 'dup')");
    const q = await subscribe("SUBSCRIBE (SELECT v, k * 10 AS k10 FROM t WHERE v = 'dup')");
    expect((await q.rows(1))[0].slice(1)).toEqual(['2', 'dup', '50']);
    const tbl = await subscribe('COPY (SUBSCRIBE t WITH (SNAPSHOT false)) TO STDOUT');
    await writer.query("DELETE FROM t WHERE v = 'dup'");
    expect((await q.rows(1))[0].slice(1)).toEqual(['-2', 'dup', '50']);
    expect((await tbl.rows(1))[0].slice(1)).toEqual(['-2', '5', 'dup']);
    q.c.end();
    tbl.c.end();
  });

  it('over an append-only table, without a snapshot: passes each change on (the table keeps no rows)', async () => {
    await writer.query('CREATE TABLE clicks (u int, url text) WITH (append_only = true)');
    await writer.query("INSERT INTO clicks VALUES (1, '/a')");
    const s = await subscribe("SUBSCRIBE (SELECT u, upper(url) AS url FROM clicks WHERE u > 1) WITH (SNAPSHOT = false)");
    expect(s.error).toBeNull();
    await writer.query("INSERT INTO clicks VALUES (2, '/b'), (1, '/c'), (3, '/d')");
    expect(sorted((await s.rows(2)).map((r) => r.slice(1)))).toEqual([['1', '2', '/B'], ['1', '3', '/D']]);
    // with a snapshot, the subscription starts from its own creation: the table's rows are gone
    const t = await subscribe('SUBSCRIBE (SELECT u FROM clicks)');
    await writer.query("INSERT INTO clicks VALUES (4, '/e')");
    expect((await t.rows(1)).map((r) => r.slice(1))).toEqual([['1', '4']]);
    await expect(writer.query('SELECT * FROM clicks')).rejects.toMatchObject({ code: '0A000' });
    s.c.end();
    t.c.end();
    await writer.query('DROP TABLE clicks');
  });

  it('ends with an error when a relation it reads is dropped; refuses what a view cannot maintain', async () => {
    await writer.query('CREATE TABLE gone (x int)');
    const s = await subscribe('SUBSCRIBE (SELECT x FROM gone)');
    await writer.query('DROP TABLE gone');
    expect(await s.rows(1)).toEqual([['ERROR', '42P01', 'subscription ended: relation "gone" was dropped']]);
    s.c.end();
    const lim = await subscribe('SUBSCRIBE (SELECT k, rank() OVER (ORDER BY k) FROM t)');
    expect(lim.error?.C).toBe('0A000');
    const opt = await subscribe('SUBSCRIBE counts WITH (SNAPSHOT false, FOO true)');
    expect([opt.error?.C, opt.error?.M]).toEqual(['0A000', 'SUBSCRIBE option FOO is not supported']);
    lim.c.end();
    opt.c.end();
  });

  it('every form ends when its view or table is dropped, and stays ended when the name comes back', async () => {
    await writer.query('CREATE TABLE d (x int); CREATE MATERIALIZED VIEW dv AS SELECT x, count(*) AS n FROM d GROUP BY x');
    const forms = ['SUBSCRIBE dv', 'SUBSCRIBE TO dv', 'SUBSCRIBE (SELECT x FROM dv)', 'COPY (SUBSCRIBE dv) TO STDOUT', 'SUBSCRIBE TO d', 'COPY (SUBSCRIBE d WITH (SNAPSHOT false)) TO STDOUT'];
    const subs = await Promise.all(forms.map((f) => subscribe(f)));
    let embeddedEnd: string | null = null;
    const embedded = ts.db.subscribe('dv', () => {}, { onEnd: (e) => (embeddedEnd = `${e.code} ${e.message}`) });
    await writer.query('DROP MATERIALIZED VIEW dv');
    for (const s of subs.slice(0, 4)) expect(await s.rows(1)).toEqual([['ERROR', '42P01', 'subscription ended: relation "dv" was dropped']]);
    expect(embeddedEnd).toBe('42P01 subscription ended: relation "dv" was dropped');
    // a new view of the same name reaches no old subscriber (nor the one that goes on)
    await writer.query('CREATE MATERIALIZED VIEW dv AS SELECT x FROM d');
    await writer.query('INSERT INTO d VALUES (1)');
    await writer.query('DROP MATERIALIZED VIEW dv; DROP TABLE d');
    for (const s of subs.slice(4)) {
      const rows = await s.rows(2);
      expect(rows[rows.length - 1]).toEqual(['ERROR', '42P01', 'subscription ended: relation "d" was dropped']);
    }
    embedded.unsubscribe();
    for (const s of subs) s.c.end();
  });

  it('a subscriber that stops reading is dropped with a clear error; writers never wait for it', async () => {
    setSubscribeBufferLimit(64 * 1024);
    try {
      const s = await subscribe('SUBSCRIBE TO t WITH (SNAPSHOT false)');
      s.c.socket.pause(); // a client that stops reading
      const payload = 'x'.repeat(2000);
      const values = Array.from({ length: 20 }, (_, k) => `(${k}, '${payload}')`).join(', ');
      for (let i = 0; i < 200; i++) await writer.query(`INSERT INTO t VALUES ${values}`);
      // the writer went on; the other clients too
      expect((await writer.query('SELECT count(*)::int AS n FROM t WHERE length(v) = 2000')).rows[0].n).toBe(4000);
      s.c.socket.resume();
      let last: string[] = [];
      for (;;) {
        const r = await s.rows(1000);
        if (r.length === 0) break;
        last = r[r.length - 1];
        if (last[0] === 'ERROR') break;
      }
      expect(last[0]).toBe('ERROR');
      expect(last[1]).toBe('53400');
      expect(last[2]).toMatch(/^SUBSCRIBE dropped: the client fell behind/);
      await writer.query("DELETE FROM t WHERE length(v) = 2000");
      s.c.end();
    } finally {
      setSubscribeBufferLimit(64 * 1024 * 1024);
    }
  });

  it('streams a snapshot far larger than the limit to a reader that keeps up, then the changes', async () => {
    setSubscribeBufferLimit(64 * 1024);
    try {
      await writer.query("CREATE TABLE big AS SELECT g AS k, repeat('v', 100) || g AS v FROM generate_series(1, 20000) g");
      // about 2.3 MB of snapshot rows against a 64 kB limit
      const s = await subscribe('SUBSCRIBE big');
      const snap = await s.rows(20000);
      expect(snap.length).toBe(20000);
      expect(snap.every((r) => r[1] === '1')).toBe(true);
      expect(new Set(snap.map((r) => r[2])).size).toBe(20000);
      await writer.query("INSERT INTO big VALUES (0, 'after')");
      expect((await s.rows(1))[0].slice(1)).toEqual(['1', '0', 'after']);
      s.c.end();
      await writer.query('DROP TABLE big');
    } finally {
      setSubscribeBufferLimit(64 * 1024 * 1024);
    }
  });

  it('real psql: streams changes until cancelled', async () => {
    // stdbuf: psql's stdout is a pipe here, so make its writes unbuffered as on a terminal
    const p = spawn('stdbuf', ['-o0', PSQL ?? 'psql', '-X', '-h', '127.0.0.1', '-p', String(ts.port), '-U', 'psql', '-d', 'db', '-c', 'SUBSCRIBE counts WITH (SNAPSHOT false)']);
    let out = '';
    const seen = (text: string) =>
      new Promise<void>((resolve) => {
        const check = () => (out.includes(text) ? resolve() : setTimeout(check, 20));
        check();
      });
    p.stdout.on('data', (d) => (out += d));
    await new Promise((r) => setTimeout(r, 300)); // psql connects and starts the COPY
    await writer.query("INSERT INTO t VALUES (77, 'psql')");
    await seen('\t1\t77\t1\n');
    p.kill('SIGINT'); // psql sends a CancelRequest
    const code = await new Promise<number | null>((r) => p.on('close', r));
    expect(code).not.toBe(0);
  });
});

describe('parseSubscribe', () => {
  it('reads names, queries and options', () => {
    expect(parseSubscribe('SUBSCRIBE TO "My View" WITH (snapshot = false);')).toEqual({ target: { relation: 'My View' }, snapshot: false, progress: false });
    expect(parseSubscribe('subscribe public.mv with (progress)')).toEqual({ target: { relation: 'mv' }, snapshot: true, progress: true });
    expect(parseSubscribe("SUBSCRIBE (SELECT ')' AS p FROM t)")).toEqual({ target: { query: "SELECT ')' AS p FROM t" }, snapshot: true, progress: false });
    expect(parseSubscribe('COPY (SUBSCRIBE mv) TO STDOUT')).toEqual({ target: { relation: 'mv' }, snapshot: true, progress: false });
    expect(() => parseSubscribe('SUBSCRIBE mv AS OF 5')).toThrow('SUBSCRIBE … AS OF is not supported');
    expect(() => parseSubscribe('SUBSCRIBE mv; SELECT 1')).toThrow('not supported');
    expect(() => parseSubscribe('SUBSCRIBE other.mv')).toThrow('relation "other.mv" does not exist');
  });
});
