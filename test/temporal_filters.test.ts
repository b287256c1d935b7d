// Temporal filters: views whose WHERE compares now() with the row's time follow the clock.
// A property test moves a test clock and changes the rows at random (inserts, updates,
// deletes, restarts); after every step each view must equal PostgreSQL (PGlite) running the
// view's query with now() replaced by the clock's time, and a subscriber's changes must add
// up to the view (every row enters and leaves exactly once). Then: a snapshot transaction
// sees the clock of its snapshot, the timer moves views without any read, a tick that fails
// leaves writes going, and now() anywhere else in a view is refused.

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Database } from '../src/index.js';
import { Oracle, sortedRows } from './support/oracle.js';
import { crash } from './support/crash.js';
import { TemporalFilterOp } from '../src/dataflow/operators/temporal_filter.js';
import { ArrangeOp } from '../src/dataflow/operators/arrange.js';
import type { Operator } from '../src/dataflow/operator.js';
import { SourceOp } from '../src/dataflow/source.js';

let oracle: Oracle;
beforeAll(async () => {
  oracle = await Oracle.create();
}, 120_000);
afterAll(async () => {
  await oracle?.close();
});
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tributary-temporal-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const BASE_MS = Date.UTC(2024, 4, 1);
/** A time `s` seconds after the base, as PostgreSQL text. */
const text = (s: number) => new Date(BASE_MS + s * 1000).toISOString().replace('T', ' ').replace('Z', '');

// [name, view query, the same query for PostgreSQL, with NOW standing for the clock's time]
const VIEWS: [string, string, string][] = [
  ['recent', "SELECT id, v FROM ev WHERE ts + interval '10 minutes' > now() AND ts <= now()", "SELECT id, v FROM ev WHERE ts + interval '10 minutes' > NOW AND ts <= NOW"],
  ['by_g', "SELECT g, count(*) AS n, sum(v) AS s FROM ev WHERE ts > now() - interval '15 minutes' GROUP BY g", "SELECT g, count(*), sum(v) FROM ev WHERE ts > NOW - interval '15 minutes' GROUP BY g"],
  ['spans', "SELECT id FROM ev WHERE now() BETWEEN ts AND ts + interval '20 minutes'", "SELECT id FROM ev WHERE NOW BETWEEN ts AND ts + interval '20 minutes'"],
  ['ahead', "SELECT id, g FROM ev WHERE tz >= current_timestamp AND tz < current_timestamp + interval '30 minutes'", "SELECT id, g FROM ev WHERE tz >= NOW AND tz < NOW + interval '30 minutes'"],
  ['joined', "SELECT e.id, k.label FROM ev e JOIN kinds k ON e.g = k.g WHERE e.ts > now() - interval '5 minutes' AND k.since <= now()", "SELECT e.id, k.label FROM ev e JOIN kinds k ON e.g = k.g WHERE e.ts > NOW - interval '5 minutes' AND k.since <= NOW"],
  ['mz', "SELECT id FROM ev WHERE mz_now() <= ts + interval '7 minutes' AND v > 3", "SELECT id FROM ev WHERE NOW <= ts + interval '7 minutes' AND v > 3"],
  ['local', "SELECT id FROM ev WHERE ts > localtimestamp - interval '3 minutes'", "SELECT id FROM ev WHERE ts > NOW::timestamp - interval '3 minutes'"],
  ['dated', 'SELECT id, day FROM ev WHERE day + 1 > now()', 'SELECT id, day FROM ev WHERE day + 1 > NOW'],
  ['late_max', "SELECT g, max(ts) AS last FROM ev GROUP BY g HAVING max(ts) + interval '8 minutes' > now()", "SELECT g, max(ts) FROM ev GROUP BY g HAVING max(ts) + interval '8 minutes' > NOW"],
];
// a view over a view that follows the clock
const NESTED: [string, string, string] = ['nested', 'SELECT count(*) AS n FROM recent', "SELECT count(*) FROM ev WHERE ts + interval '10 minutes' > NOW AND ts <= NOW"];

const row = fc.record({
  g: fc.integer({ min: 0, max: 3 }),
  ts: fc.option(fc.integer({ min: 0, max: 7200 }), { freq: 8 }),
  v: fc.integer({ min: 0, max: 9 }),
});
const op = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('insert' as const), rows: fc.array(row, { minLength: 1, maxLength: 4 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('update' as const), pick: fc.nat(), shift: fc.integer({ min: -900, max: 900 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('kind' as const), g: fc.integer({ min: 0, max: 3 }), since: fc.integer({ min: 0, max: 7200 }) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('advance' as const), seconds: fc.oneof(fc.integer({ min: 0, max: 1200 }), fc.constantFrom(1, 60, 300)) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('restart' as const), crash: fc.boolean() }) },
);

const values = (id: number, r: { g: number; ts: number | null; v: number }) => {
  const ts = r.ts === null ? 'NULL' : `'${text(r.ts)}'`;
  const day = r.ts === null ? 'NULL' : `'${text(r.ts).slice(0, 10)}'::date`;
  const tz = r.ts === null ? 'NULL' : `'${text(r.ts + 1800)}+00'`;
  return `(${id}, ${r.g}, ${ts}, ${tz}, ${day}, ${r.v})`;
};

describe('temporal filters', () => {
  it('keep every view equal to PostgreSQL at the clock, as rows enter and leave', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 14 }), async (ops) => {
        rmSync(dir, { recursive: true, force: true });
        let clock = 0; // seconds after the base
        const source = () => BigInt(BASE_MS + clock * 1000) * 1000n;
        const open = () => Database.open({ dataDir: dir, log: () => {}, checkpointIntervalMs: 0, clock: source });
        let db = await open();
        const setup = 'CREATE TABLE ev (id int PRIMARY KEY, g int, ts timestamp, tz timestamptz, day date, v int); CREATE TABLE kinds (g int PRIMARY KEY, label text, since timestamp)';
        await db.query(setup);
        await oracle.exec(`DROP TABLE IF EXISTS ev, kinds; ${setup}`);
        for (const [name, q] of [...VIEWS, NESTED]) await db.query(`CREATE MATERIALIZED VIEW ${name} AS ${q}`);
        // a subscriber's changes, summed: must always be the view's contents
        let seen = new Map<string, number>();
        const watch = (d: Database) => {
          seen = new Map();
          d.subscribe('recent', (changes) => {
            for (const c of changes) {
              const k = JSON.stringify(c.row);
              seen.set(k, (seen.get(k) ?? 0) + c.diff);
              if (seen.get(k) === 0) seen.delete(k);
            }
          });
        };
        watch(db);
        const ids: number[] = [];
        let nextId = 1;
        try {
          for (const o of ops) {
            let stmt: string | null = null;
            if (o.kind === 'insert') {
              stmt = `INSERT INTO ev VALUES ${o.rows.map((r) => values(nextId++, r)).join(', ')}`;
              for (let k = nextId - o.rows.length; k < nextId; k++) ids.push(k);
            } else if ((o.kind === 'delete' || o.kind === 'update') && ids.length > 0) {
              const id = ids[o.pick % ids.length];
              if (o.kind === 'delete') {
                stmt = `DELETE FROM ev WHERE id = ${id}`;
                ids.splice(ids.indexOf(id), 1);
              } else stmt = `UPDATE ev SET ts = ts + interval '${o.shift} seconds', tz = tz + interval '${o.shift} seconds', v = (v + 1) % 10 WHERE id = ${id}`;
            } else if (o.kind === 'kind') {
              stmt = `INSERT INTO kinds VALUES (${o.g}, 'k${o.g}', '${text(o.since)}') ON CONFLICT (g) DO UPDATE SET since = excluded.since`;
            } else if (o.kind === 'advance') clock += o.seconds;
            else if (o.kind === 'restart') {
              if (o.crash) await crash(db);
              else await db.close();
              db = await open();
              watch(db);
            }
            if (stmt) {
              await db.query(stmt);
              await oracle.exec(stmt);
            }
            const now = `'${text(clock)}+00'::timestamptz`;
            for (const [name, , pgq] of [...VIEWS, NESTED]) {
              const ours = (await db.query(`SELECT * FROM ${name}`, [], { format: 'text', rowMode: 'array' })).rows as unknown as (string | null)[][];
              expect(sortedRows(ours), `${name} at ${text(clock)}`).toEqual(sortedRows(await oracle.rows(pgq.replaceAll('NOW', now))));
            }
            const contents = (await db.query('SELECT * FROM recent')).rows.map((r) => JSON.stringify(r));
            const summed = [...seen].flatMap(([k, n]) => Array.from({ length: n }, () => k));
            expect(summed.sort(), 'the subscriber of recent').toEqual(contents.sort());
          }
        } finally {
          await db.close();
        }
      }),
      { numRuns: 30 },
    );
  }, 300_000);

  it('release the state of rows that have left, in the filter and in a join above it', async () => {
    let clock = 0;
    const db = await Database.open({ clock: () => BigInt(BASE_MS + clock * 1000) * 1000n });
    await db.query('CREATE TABLE s (id int, ts timestamp)');
    await db.query("CREATE TABLE kinds (id int PRIMARY KEY, label text); INSERT INTO kinds SELECT g, 'k' || g FROM generate_series(0, 9) g");
    await db.query("CREATE MATERIALIZED VIEW live AS SELECT count(*) AS n FROM s WHERE ts + interval '1 minute' > now()");
    // a windowed join: the filter goes below it, so its arrangement of s holds the window only
    await db.query("CREATE MATERIALIZED VIEW joined AS SELECT k.label, count(*) AS n FROM s JOIN kinds k ON k.id = s.id % 10 WHERE s.ts + interval '1 minute' > now() GROUP BY k.label");
    const ops = (view: string) => (db.engine.catalog.get(view) as { operators: Operator[] }).operators;
    const tf = ops('live').find((o) => o instanceof TemporalFilterOp) as TemporalFilterOp;
    // the arrangement of s's side: its key (id % 10) computed over the filter's output
    const overFilter = (o: Operator): boolean => o instanceof TemporalFilterOp || (o.inputs.length === 1 && !(o instanceof SourceOp) && overFilter(o.inputs[0]));
    const arranged = ops('joined').filter((o): o is ArrangeOp => o instanceof ArrangeOp && overFilter(o.inputs[0]));
    expect(arranged).toHaveLength(1);
    // an hour of rows, ten a minute: only the last minute's are scheduled (to leave) and joined
    for (let minute = 0; minute < 60; minute++) {
      db.insert('s', Array.from({ length: 10 }, (_, k) => [minute * 10 + k, text(minute * 60 + k * 6)]));
      clock = minute * 60 + 59;
      // the minute's ten rows; the minute before's have left
      expect((await db.query('SELECT n FROM live')).rows).toEqual([{ n: 10n }]);
      expect((await db.query('SELECT sum(n)::int AS n FROM joined')).rows).toEqual([{ n: 10 }]);
      expect(tf.scheduled).toBe(10);
      expect(arranged[0].arrangement.size).toBe(10);
    }
    await db.close();
  });

  it('bring restored views to the clock at once, when the checkpoint is older than the last tick', async () => {
    // a tick writes no log record, so the close after it takes no new checkpoint: the restart
    // restores the schedule as it was before the tick, and must run it again at the first read,
    // though the clock stands still since
    let clock = 0;
    const open = () => Database.open({ dataDir: dir, log: () => {}, checkpointIntervalMs: 0, clock: () => BigInt(BASE_MS + clock * 1000) * 1000n });
    let db = await open();
    await db.query('CREATE TABLE s (id int, at timestamptz)');
    await db.query("CREATE MATERIALIZED VIEW soon AS SELECT id FROM s WHERE at < now() + interval '30 minutes'");
    await db.query(`INSERT INTO s VALUES (1, '${text(1800)}+00')`);
    expect((await db.query('SELECT id FROM soon')).rows).toEqual([]);
    await db.close();
    db = await open();
    clock = 1; // the row enters
    expect((await db.query('SELECT id FROM soon')).rows).toEqual([{ id: 1 }]);
    await db.close();
    db = await open();
    expect((await db.query('SELECT id FROM soon')).rows).toEqual([{ id: 1 }]);
    await db.close();
  });

  it('give a snapshot transaction the clock of its snapshot', async () => {
    let clock = 0;
    const db = await Database.open({ clock: () => BigInt(BASE_MS + clock * 1000) * 1000n });
    await db.query(`CREATE TABLE s (id int, ts timestamp); INSERT INTO s VALUES (1, '${text(0)}'), (2, '${text(100)}')`);
    await db.query("CREATE MATERIALIZED VIEW live AS SELECT id FROM s WHERE ts + interval '1 minute' > now()");
    const reader = db.newSession();
    const ids = () => reader.execute('SELECT id FROM live ORDER BY id')[0].rows!.map((r) => Number(r[0]));
    reader.execute('BEGIN ISOLATION LEVEL REPEATABLE READ');
    expect(ids()).toEqual([1, 2]);
    clock = 90; // row 1 leaves
    expect((await db.query('SELECT id FROM live ORDER BY id')).rows).toEqual([{ id: 2 }]);
    expect(ids()).toEqual([1, 2]);
    reader.execute('COMMIT');
    expect(ids()).toEqual([2]);
    // READ COMMITTED with its own writes: the present clock
    reader.execute(`BEGIN; INSERT INTO s VALUES (3, '${text(80)}')`);
    expect(ids()).toEqual([2, 3]);
    reader.execute('ROLLBACK');
    await db.close();
  });

  it('move views on the timer, without any read or write', async () => {
    const db = await Database.open();
    await db.query('CREATE TABLE s (id int, ts timestamptz)');
    await db.query("CREATE MATERIALIZED VIEW live AS SELECT id FROM s WHERE ts + interval '2 seconds' > now()");
    const changes: number[] = [];
    db.subscribe<{ id: number }>('live', (cs) => cs.forEach((c) => changes.push(c.diff * c.row.id)), { snapshot: false });
    await db.query('INSERT INTO s VALUES (1, now()), (2, now() + interval \'1 second\')');
    expect(changes).toEqual([1, 2]);
    const until = Date.now() + 10_000;
    while (changes.length < 4 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    expect(changes).toEqual([1, 2, -1, -2]);
    await db.close();
  });

  it('leave writes going when a tick fails, and report its error to readers', async () => {
    let clock = 0;
    const db = await Database.open({ clock: () => BigInt(BASE_MS + clock * 1000) * 1000n });
    await db.query(`CREATE TABLE s (id int, ts timestamp); CREATE TABLE other (x int); INSERT INTO s VALUES (1, '${text(0)}')`);
    await db.query("CREATE MATERIALIZED VIEW ratio AS SELECT 10 / count(*) AS r FROM s WHERE ts + interval '1 minute' > now()");
    await db.query('CREATE MATERIALIZED VIEW plain AS SELECT count(*) AS n FROM other');
    expect((await db.query('SELECT r FROM ratio')).rows).toEqual([{ r: 10n }]);
    clock = 120; // the row leaves: 10 / 0
    await expect(db.query('SELECT r FROM ratio')).rejects.toMatchObject({ code: '22012', where: expect.stringContaining('ratio') });
    await db.query('INSERT INTO other VALUES (1)');
    expect((await db.query('SELECT n FROM plain')).rows).toEqual([{ n: 1n }]);
    // a row that keeps the count above zero lets the clock move on
    await db.query(`INSERT INTO s VALUES (2, '${text(110)}')`);
    expect((await db.query('SELECT r FROM ratio')).rows).toEqual([{ r: 10n }]);
    await db.close();
  });

  it('refuse now() anywhere else in a view, explaining the temporal filter', async () => {
    const db = await Database.open();
    await db.query('CREATE TABLE s (id int, ts timestamp, until timestamp)');
    const refused: [string, string][] = [
      ['SELECT id, now() FROM s', 'outside a temporal filter'],
      ['SELECT id FROM s WHERE ts > now() OR id = 1', 'outside a temporal filter'],
      ["SELECT id FROM s WHERE date_trunc('hour', now()) < ts", 'outside a temporal filter'],
      ["SELECT id FROM s WHERE ts > now() - interval '1 month'", 'months'],
      ['SELECT a.id FROM s a JOIN s b ON a.id = b.id WHERE a.ts > now() - (b.until - b.ts)', 'outside a temporal filter'],
      ['SELECT a.id FROM s a JOIN s b ON a.id = b.id WHERE a.ts + (b.until - a.ts) > now()', 'both sides of a join'],
      ['SELECT count(*) FROM s GROUP BY now() > ts', 'outside a temporal filter'],
    ];
    for (const [q, says] of refused) {
      await expect(db.query(`CREATE MATERIALIZED VIEW v AS ${q}`), q).rejects.toMatchObject({ code: '0A000', message: expect.stringContaining(says) });
    }
    const hint = await db.query('CREATE MATERIALIZED VIEW v AS SELECT now()').catch((e) => e.hint);
    expect(hint).toContain("WHERE ts + INTERVAL '1 hour' > now()");
    // ad hoc, now() is the transaction's start (one value for every row), as in PostgreSQL
    await db.query('INSERT INTO s SELECT g, NULL, NULL FROM generate_series(1, 20000) g');
    expect((await db.query('SELECT count(DISTINCT now()::text) AS n, bool_and(now() = current_timestamp AND statement_timestamp() >= now()) AS same FROM s')).rows).toEqual([{ n: 1n, same: true }]);
    const session = db.newSession();
    const now = () => String(session.execute('SELECT now()::text')[0].rows![0][0]);
    session.execute('BEGIN');
    const first = now();
    await new Promise((r) => setTimeout(r, 5));
    expect(now()).toBe(first);
    session.execute('COMMIT');
    expect(now()).not.toBe(first);
    // and mz_now() is the present
    const [{ ok }] = (await db.query("SELECT mz_now() BETWEEN now() - interval '1 minute' AND now() + interval '1 minute' AS ok")).rows;
    expect(ok).toBe(true);
    await db.close();
  });
});
