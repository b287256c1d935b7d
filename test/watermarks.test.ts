// Watermarks on an append-only table: late rows (behind the greatest `ts - 10 minutes` seen,
// or without a time once there is a watermark) are dropped before any view sees them, and
// counted in tributary_catalog.late_events. A model filters the same random stream of
// out-of-order events; every view must equal PostgreSQL (PGlite) over the accepted rows only.
// A commit that fails (a view divides by zero) changes neither the watermark nor the counts.
// Restarts, clean or crashed, keep the watermark (so a row late before is late after). Views
// that emit on window close show exactly the windows the watermark has closed, and their
// subscribers never see a retraction.

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Database } from '../src/index.js';
import { Oracle, sortedRows } from './support/oracle.js';
import { crash } from './support/crash.js';
import { AggregateOp } from '../src/dataflow/operators/aggregate.js';
import { TopKOp } from '../src/dataflow/operators/top_k.js';

let oracle: Oracle;
beforeAll(async () => {
  oracle = await Oracle.create();
}, 120_000);
afterAll(async () => {
  await oracle?.close();
});
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tributary-watermark-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const DELAY_S = 600;
const EPOCH = "timestamp '1970-01-01'";
const VIEWS: [string, string, string][] = [
  ['per_window', "SELECT window_start, count(*) AS n, sum(v) AS s, min(v) AS lo, max(ts) AS last FROM tumble(ev, ts, interval '15' minute) GROUP BY window_start",
    `SELECT date_bin(interval '15 minutes', ts, ${EPOCH}), count(*), sum(v), min(v), max(ts) FROM acc GROUP BY 1`],
  ['hopping', "SELECT window_start, count(*) AS n FROM hop(ev, ts, interval '10 minutes', interval '30 minutes') GROUP BY window_start",
    `SELECT date_bin(interval '10 minutes', ts, ${EPOCH}) - k * interval '10 minutes', count(*) FROM acc, generate_series(0, 2) k WHERE ts IS NOT NULL GROUP BY 1`],
  ['totals', 'SELECT count(*) AS n, count(ts) AS timed, max(id) AS top FROM ev', 'SELECT count(*), count(ts), max(id) FROM acc'],
  // deduplication per window (its closed windows are forgotten, their rows kept)
  ['dedup', "SELECT DISTINCT window_start, v % 3 AS r FROM tumble(ev, ts, interval '15' minute)", `SELECT DISTINCT date_bin(interval '15 minutes', ts, ${EPOCH}), v % 3 FROM acc`],
];

/** Views that emit on window close: [name, query, PostgreSQL's rows of the windows the watermark `wm` (a SQL timestamp) closed]. */
const CLOSING: [string, string, (wm: string) => string][] = [
  ['closed_tumble', "SELECT window_start, count(*) AS n, sum(v) AS s, max(ts) AS last FROM tumble(ev, ts, interval '15' minute) GROUP BY window_start",
    (wm) => `SELECT date_bin(interval '15 minutes', ts, ${EPOCH}) AS ws, count(*), sum(v), max(ts) FROM acc WHERE ts IS NOT NULL GROUP BY 1 HAVING date_bin(interval '15 minutes', ts, ${EPOCH}) + interval '15 minutes' <= ${wm}`],
  ['closed_hop', "SELECT window_end, min(v) AS lo, count(*) AS n FROM hop(ev, ts, interval '10 minutes', interval '30 minutes') WHERE v < 8 GROUP BY window_end",
    (wm) => `SELECT we, min(v), count(*) FROM (SELECT v, date_bin(interval '10 minutes', ts, ${EPOCH}) - k * interval '10 minutes' + interval '30 minutes' AS we FROM acc, generate_series(0, 2) k WHERE ts IS NOT NULL AND v < 8) h WHERE we <= ${wm} GROUP BY we`],
  // windows written with date_bin and date_trunc
  ['closed_bin', "SELECT date_bin(interval '7 minutes', ts, timestamp '2001-02-03 04:05:06') AS w, v % 2 AS odd, count(*) AS n FROM ev GROUP BY 1, 2",
    (wm) => `SELECT date_bin(interval '7 minutes', ts, timestamp '2001-02-03 04:05:06') AS w, v % 2, count(*) FROM acc WHERE ts IS NOT NULL GROUP BY 1, 2 HAVING date_bin(interval '7 minutes', ts, timestamp '2001-02-03 04:05:06') + interval '7 minutes' <= ${wm}`],
  ['closed_trunc', "SELECT max(v) AS m, date_trunc('hour', ts) AS h FROM ev GROUP BY 2",
    (wm) => `SELECT max(v), date_trunc('hour', ts) FROM acc WHERE ts IS NOT NULL GROUP BY 2 HAVING date_trunc('hour', ts) + interval '1 hour' <= ${wm}`],
  // a top-k per window: final once the window closes (the window is its partition key)
  ['closed_top', "SELECT window_start, id, v FROM (SELECT window_start, id, v, row_number() OVER (PARTITION BY window_start ORDER BY v DESC, id) AS rn FROM tumble(ev, ts, interval '15' minute)) t WHERE rn <= 2",
    (wm) => `SELECT ws, id, v FROM (SELECT date_bin(interval '15 minutes', ts, ${EPOCH}) AS ws, id, v, row_number() OVER (PARTITION BY date_bin(interval '15 minutes', ts, ${EPOCH}) ORDER BY v DESC, id) AS rn FROM acc WHERE ts IS NOT NULL) t WHERE rn <= 2 AND ws + interval '15 minutes' <= ${wm}`],
  // the same as DISTINCT ON (its ORDER BY a sort above the top-k)
  ['closed_first', "SELECT DISTINCT ON (window_start) window_start, id, v FROM tumble(ev, ts, interval '15' minute) ORDER BY window_start, v DESC, id",
    (wm) => `SELECT DISTINCT ON (ws) ws, id, v FROM (SELECT date_bin(interval '15 minutes', ts, ${EPOCH}) AS ws, id, v FROM acc WHERE ts IS NOT NULL) t WHERE ws + interval '15 minutes' <= ${wm} ORDER BY ws, v DESC, id`],
];

interface Ev {
  id: number;
  ts: number | null; // seconds after 2024-05-01 00:00
  v: number;
}
const sql = (e: Ev) => `(${e.id}, ${e.ts === null ? 'NULL' : `timestamp '2024-05-01' + interval '${e.ts} seconds'`}, ${e.v})`;
const event = fc.record({ ts: fc.option(fc.integer({ min: 0, max: 4 * 3600 }), { freq: 10 }), v: fc.integer({ min: 0, max: 9 }) });
const step = fc.record({
  statements: fc.array(fc.array(event, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 3 }),
  // through db.insert (a batch, as sources deliver them) instead of SQL
  api: fc.boolean(),
  restart: fc.constantFrom('none', 'none', 'none', 'none', 'clean', 'crash'),
});
const text = (s: number) => new Date(Date.UTC(2024, 4, 1) + s * 1000).toISOString().replace('T', ' ').replace('Z', '');

describe('watermarks', () => {
  it('drop late rows before every view, count them, survive failed commits and restarts', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 10 }), async (steps) => {
        rmSync(dir, { recursive: true, force: true });
        const open = () => Database.open({ dataDir: dir, log: () => {}, checkpointIntervalMs: 0 });
        let db = await open();
        await db.query(`CREATE TABLE ev (id int, ts timestamp, v int) WITH (append_only = true, watermark = 'ts - INTERVAL ''${DELAY_S}'' SECOND')`);
        for (const [name, q] of VIEWS) await db.query(`CREATE MATERIALIZED VIEW ${name} AS ${q}`);
        for (const [name, q] of CLOSING) await db.query(`CREATE MATERIALIZED VIEW ${name} WITH (emit = 'on_window_close') AS ${q}`);
        // subscribers of a view that emits on window close never see a retraction
        const retractions: string[] = [];
        const watch = (d: Database) => {
          for (const [name] of CLOSING) d.subscribe(name, (changes: { diff: number }[]) => void (changes.some((c) => c.diff < 0) && retractions.push(name)), { snapshot: false });
        };
        watch(db);
        await db.query('CREATE MATERIALIZED VIEW poison AS SELECT id, 100 / (v - 7) AS r FROM ev');
        await oracle.exec('DROP TABLE IF EXISTS acc; CREATE TABLE acc (id int, ts timestamp, v int)');
        // the model
        let wm: number | null = null;
        let late = 0;
        let nextId = 1;
        try {
          for (const { statements: stmtEvents, api, restart } of steps) {
            // db.insert commits one call at a time: one statement's rows
            const statements = api ? stmtEvents.slice(0, 1) : stmtEvents;
            let w: number | null = wm;
            let l = late;
            const accepted: Ev[] = [];
            const apiRows: unknown[][] = [];
            const stmts = statements.map((evs) => {
              const rows = evs.map((e) => ({ ...e, id: nextId++ }));
              for (const e of rows) apiRows.push([e.id, e.ts === null ? null : text(e.ts), e.v]);
              for (const e of rows) {
                if (w !== null && (e.ts === null || e.ts < w)) l++;
                else {
                  accepted.push(e);
                  if (e.ts !== null && (w === null || e.ts - DELAY_S > w)) w = e.ts - DELAY_S;
                }
              }
              return `INSERT INTO ev VALUES ${rows.map(sql).join(', ')}`;
            });
            const fails = accepted.some((e) => e.v === 7);
            const ok = api
              ? (() => {
                  try {
                    db.insert('ev', apiRows);
                    return true;
                  } catch {
                    return false;
                  }
                })()
              : await db.query(['BEGIN', ...stmts, 'COMMIT'].join(';\n')).then(() => true, async () => {
                  await db.query('ROLLBACK').catch(() => {});
                  return false;
                });
            expect(ok, stmts.join('; ')).toBe(!fails);
            if (ok) {
              wm = w;
              late = l;
              if (accepted.length) await oracle.exec(`INSERT INTO acc VALUES ${accepted.map(sql).join(', ')}`);
            }
            if (restart === 'clean') await db.close();
            else if (restart === 'crash') await crash(db);
            if (restart !== 'none') {
              db = await open();
              watch(db);
              late = 0; // counted since the start
            }
            for (const [name, , pgq] of VIEWS) {
              const ours = (await db.query(`SELECT * FROM ${name}`, [], { format: 'text', rowMode: 'array' })).rows as unknown as (string | null)[][];
              expect(sortedRows(ours), name).toEqual(sortedRows(await oracle.rows(pgq)));
            }
            const wmSql = wm === null ? 'NULL::timestamp' : `timestamp '2024-05-01' + interval '${wm} seconds'`;
            for (const [name, , pgq] of CLOSING) {
              const ours = (await db.query(`SELECT * FROM ${name}`, [], { format: 'text', rowMode: 'array' })).rows as unknown as (string | null)[][];
              expect(sortedRows(ours), name).toEqual(sortedRows(await oracle.rows(pgq(wmSql))));
            }
            expect(retractions).toEqual([]);
            const status = (await db.query('SELECT late_rows::int AS late, watermark FROM tributary_catalog.late_events', [], { format: 'text' })).rows;
            const expected = wm === null ? null : (await oracle.rows(`SELECT (timestamp '2024-05-01' + interval '${wm} seconds')::text`))[0][0];
            expect(status).toEqual([{ late: String(late), watermark: expected }]);
          }
        } finally {
          await db.close();
        }
      }),
      { numRuns: 40 },
    );
  }, 300_000);

  it('release the state of windows that closed in a view that emits on window close', async () => {
    const db = await Database.open();
    await db.query("CREATE TABLE s (v int, ts timestamp) WITH (append_only = true, watermark = 'ts')");
    await db.query("CREATE MATERIALIZED VIEW top WITH (emit = 'on_window_close') AS SELECT max(v) AS m, window_start FROM tumble(s, ts, interval '1 minute') GROUP BY window_start");
    const agg = (db.engine.catalog.get('top') as { operators: object[] }).operators.find((o) => o instanceof AggregateOp) as unknown as { live: number };
    // an hour of events, ten distinct values a minute: only the open minute keeps a group
    for (let minute = 0; minute < 60; minute++) {
      db.insert('s', Array.from({ length: 10 }, (_, k) => [k * minute, `2024-05-01 10:${String(minute).padStart(2, '0')}:${String(k * 5).padStart(2, '0')}`]));
      expect(agg.live).toBe(1);
    }
    const rows = (await db.query<{ m: number }>('SELECT m FROM top ORDER BY window_start')).rows.map((r) => r.m);
    expect(rows).toEqual(Array.from({ length: 59 }, (_, minute) => 9 * minute));
    await db.close();
  });

  it('release the partitions of windows that closed in a top-k by window, shown as they change or on close', async () => {
    for (const emit of ['', " WITH (emit = 'on_window_close')"]) {
      const db = await Database.open();
      await db.query("CREATE TABLE s (id int, v int, ts timestamp) WITH (append_only = true, watermark = 'ts - INTERVAL ''30'' SECOND')");
      await db.query(
        `CREATE MATERIALIZED VIEW top${emit} AS SELECT window_start, id, v FROM (SELECT window_start, id, v, row_number() OVER (PARTITION BY window_start ORDER BY v DESC, id) AS rn FROM tumble(s, ts, interval '1 minute')) t WHERE rn <= 2`,
      );
      // DISTINCT ON is a top-k too
      await db.query(`CREATE MATERIALIZED VIEW first${emit} AS SELECT DISTINCT ON (window_start) window_start, id, v FROM tumble(s, ts, interval '1 minute') ORDER BY window_start, v DESC, id`);
      const topK = (view: string) => (db.engine.catalog.get(view) as { operators: object[] }).operators.find((o) => o instanceof TopKOp) as unknown as { parts: Map<unknown, unknown> };
      const [top, first] = [topK('top'), topK('first')];
      // an hour of events: each top-k keeps at most the open minute and the one before
      let id = 0;
      for (let minute = 0; minute < 60; minute++) {
        db.insert('s', Array.from({ length: 10 }, (_, k) => [++id, (k * 7) % 10, `2024-05-01 10:${String(minute).padStart(2, '0')}:${String(k * 5).padStart(2, '0')}`]));
        expect(top.parts.size).toBeLessThanOrEqual(2);
        expect(first.parts.size).toBeLessThanOrEqual(2);
      }
      // each minute's two highest v: 9 (k = 7) and 8 (k = 4), the ids of its 8th and 5th rows
      const rows = (await db.query<{ id: number; v: number }>('SELECT id, v FROM top ORDER BY window_start, v DESC')).rows;
      const minutes = emit ? 59 : 60; // on close: the last minute is still open
      expect(rows).toEqual(Array.from({ length: minutes }, (_, m) => [{ id: 10 * m + 8, v: 9 }, { id: 10 * m + 5, v: 8 }]).flat());
      const firsts = (await db.query<{ id: number; v: number }>('SELECT id, v FROM first ORDER BY window_start')).rows;
      expect(firsts).toEqual(Array.from({ length: minutes }, (_, m) => ({ id: 10 * m + 8, v: 9 })));
      await db.close();
    }
  });

  it('release the state of windows that closed in a view that shows them as they change', async () => {
    const db = await Database.open();
    await db.query("CREATE TABLE s (v int, ts timestamp) WITH (append_only = true, watermark = 'ts - INTERVAL ''30'' SECOND')");
    await db.query("CREATE MATERIALIZED VIEW top AS SELECT max(v) AS m, window_start, count(*) AS n FROM tumble(s, ts, interval '1 minute') GROUP BY window_start");
    const agg = (db.engine.catalog.get('top') as { operators: object[] }).operators.find((o) => o instanceof AggregateOp) as unknown as { live: number };
    // every window shows at once; the aggregate keeps at most the open minute and the one before
    for (let minute = 0; minute < 60; minute++) {
      db.insert('s', Array.from({ length: 10 }, (_, k) => [k * minute, `2024-05-01 10:${String(minute).padStart(2, '0')}:${String(k * 5).padStart(2, '0')}`]));
      expect(agg.live).toBeLessThanOrEqual(2);
      const shown = (await db.query<{ m: number; n: bigint }>('SELECT m, n FROM top ORDER BY window_start')).rows;
      expect(shown).toEqual(Array.from({ length: minute + 1 }, (_, w) => ({ m: 9 * w, n: 10n })));
    }
    await db.close();
  });

  it('let joins on windows (TUMBLE, HOP) forget the windows both watermarks have closed, their views equal to PostgreSQL', async () => {
    const side = fc.record({ k: fc.integer({ min: 0, max: 3 }), ts: fc.option(fc.integer({ min: 0, max: 3 * 3600 }), { freq: 12 }) });
    const batch = fc.record({ table: fc.constantFrom('l', 'r'), rows: fc.array(side, { minLength: 1, maxLength: 5 }) });
    await fc.assert(
      fc.asyncProperty(fc.array(batch, { minLength: 1, maxLength: 16 }), async (batches) => {
        const db = await Database.open();
        // l's watermark trails by 10 minutes, r's by 5: each closes the other's windows
        await db.query(`CREATE TABLE l (k int, ts timestamp) WITH (append_only = true, watermark = 'ts - INTERVAL ''${DELAY_S}'' SECOND')`);
        await db.query("CREATE TABLE r (k int, ts timestamp) WITH (append_only = true, watermark = 'ts - INTERVAL ''300'' SECOND')");
        const view = `SELECT a.k, a.window_start, a.ts AS lt, b.ts AS rt FROM tumble(l, ts, interval '15' minute) a JOIN tumble(r, ts, interval '15' minute) b ON a.k = b.k AND a.window_start = b.window_start`;
        await db.query(`CREATE MATERIALIZED VIEW joined AS ${view}`);
        await db.query("CREATE MATERIALIZED VIEW hopped AS SELECT a.k, a.window_start, count(*) AS n FROM hop(l, ts, interval '5' minute, interval '15' minute) a JOIN hop(r, ts, interval '5' minute, interval '15' minute) b ON a.k = b.k AND a.window_start = b.window_start GROUP BY 1, 2");
        const hopJoin = (db.engine.catalog.get('hopped') as { operators: object[] }).operators.find((o) => (o as { closer?: unknown }).closer);
        expect(hopJoin, 'the HOP join prunes closed windows').toBeDefined();
        const join = (db.engine.catalog.get('joined') as { operators: object[] }).operators.find((o) => (o as { closer?: unknown }).closer) as { closer: { sizes(): [number, number] } } | undefined;
        expect(join, 'the join prunes closed windows').toBeDefined();
        await oracle.exec('DROP TABLE IF EXISTS la, ra; CREATE TABLE la (k int, ts timestamp); CREATE TABLE ra (k int, ts timestamp)');
        // the model: each table's watermark, and which rows each side still needs
        const wm: Record<string, number | null> = { l: null, r: null };
        const delay: Record<string, number> = { l: DELAY_S, r: 300 };
        const held: Record<string, number[]> = { l: [], r: [] };
        for (const { table, rows } of batches) {
          const accepted = rows.filter((e) => {
            const w = wm[table];
            if (w !== null && (e.ts === null || e.ts < w)) return false;
            if (e.ts !== null && (w === null || e.ts - delay[table] > w)) wm[table] = e.ts - delay[table];
            return true;
          });
          const values = (evs: typeof rows) => evs.map((e) => `(${e.k}, ${e.ts === null ? 'NULL' : `timestamp '2024-05-01' + interval '${e.ts} seconds'`})`).join(', ');
          await db.query(`INSERT INTO ${table} VALUES ${values(rows)}`);
          if (accepted.length) await oracle.exec(`INSERT INTO ${table}a VALUES ${values(accepted)}`);
          held[table].push(...accepted.map((e) => (e.ts === null ? -1 : e.ts - (e.ts % 900) + 900)));
          const ours = (await db.query('SELECT * FROM joined', [], { format: 'text', rowMode: 'array' })).rows as unknown as (string | null)[][];
          const theirs = await oracle.rows(`SELECT a.k, date_bin(interval '15 minutes', a.ts, ${EPOCH}), a.ts, b.ts FROM la a JOIN ra b ON a.k = b.k AND date_bin(interval '15 minutes', a.ts, ${EPOCH}) = date_bin(interval '15 minutes', b.ts, ${EPOCH})`);
          expect(sortedRows(ours)).toEqual(sortedRows(theirs));
          const hop = (t: string) => `SELECT k, date_bin(interval '5 minutes', ts, ${EPOCH}) - s * interval '5 minutes' AS ws FROM ${t}, generate_series(0, 2) s WHERE ts IS NOT NULL`;
          const hopped = (await db.query('SELECT * FROM hopped', [], { format: 'text', rowMode: 'array' })).rows as unknown as (string | null)[][];
          expect(sortedRows(hopped), 'hopped').toEqual(sortedRows(await oracle.rows(`SELECT a.k, a.ws, count(*) FROM (${hop('la')}) a JOIN (${hop('ra')}) b ON a.k = b.k AND a.ws = b.ws GROUP BY 1, 2`)));
          // a side keeps (as distinct rows, at most) its rows of windows the other's watermark has not closed
          const open = (t: string, other: string) => held[t].filter((end) => end === -1 || wm[other] === null || end > wm[other]!).length;
          const [lSize, rSize] = join!.closer.sizes();
          expect(lSize).toBeLessThanOrEqual(open('l', 'r'));
          expect(rSize).toBeLessThanOrEqual(open('r', 'l'));
        }
        await db.close();
      }),
      { numRuns: 60 },
    );
  }, 120_000);

  it('keep only the extreme for MIN and MAX over an append-only table, ties decided as PostgreSQL decides them', async () => {
    const db = await Database.open();
    await db.query('CREATE TABLE s (g int, n numeric, f float8, c char(3), t text) WITH (append_only = true)');
    const q = 'SELECT g, min(n) AS n0, max(n) AS n1, min(f) AS f0, max(f) AS f1, min(c) AS c0, max(c) AS c1, max(t) AS t1, count(*) AS k FROM s GROUP BY g';
    await db.query(`CREATE MATERIALIZED VIEW extremes AS ${q}`);
    await oracle.exec('DROP TABLE IF EXISTS s; CREATE TABLE s (g int, n numeric, f float8, c char(3), t text)');
    const batches = [
      "(1, 1.5, 0, 'a', 'x'), (1, 1.50, -0, 'a ', 'y'), (2, NULL, NULL, NULL, NULL)",
      "(1, 1.500, '-0', 'a  ', 'x'), (1, 0.5, 'NaN', 'b', 'z'), (2, 2, 1, 'q', 'q')",
      "(1, 0.50, 'Infinity', 'b ', 'z'), (2, 2.0, 1, 'q', 'q'), (3, -1, '-Infinity', ' ', '')",
    ];
    for (const b of batches) {
      await db.query(`INSERT INTO s VALUES ${b}`);
      await oracle.exec(`INSERT INTO s VALUES ${b}`);
      const ours = (await db.query('SELECT * FROM extremes', [], { format: 'text', rowMode: 'array' })).rows as unknown as (string | null)[][];
      expect(sortedRows(ours)).toEqual(sortedRows(await oracle.rows(q)));
    }
    await db.close();
  });

  it('keep only the extreme for MIN and MAX over an inner join of append-only tables, both sides changing in one transaction', async () => {
    const db = await Database.open();
    await db.query('CREATE TABLE a (id int, cat int) WITH (append_only = true); CREATE TABLE b (auction int, price int, who text) WITH (append_only = true)');
    const q = 'SELECT a.cat, max(b.price) AS hi, min(b.price) AS lo, max(b.who) AS who, count(*) AS n FROM a JOIN b ON a.id = b.auction GROUP BY a.cat';
    await db.query(`CREATE MATERIALIZED VIEW extremes AS ${q}`);
    const agg = (db.engine.catalog.get('extremes') as { operators: object[] }).operators.find((o) => o instanceof AggregateOp) as unknown as { spec: { aggs: { fn: string; insertOnly: boolean }[] } };
    expect(agg.spec.aggs.filter((x) => x.fn === 'max' || x.fn === 'min').every((x) => x.insertOnly)).toBe(true);
    await oracle.exec('DROP TABLE IF EXISTS a, b; CREATE TABLE a (id int, cat int); CREATE TABLE b (auction int, price int, who text)');
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ a: fc.array(fc.tuple(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 2 })), { maxLength: 3 }), b: fc.array(fc.tuple(fc.integer({ min: 0, max: 6 }), fc.integer({ min: -5, max: 5 }), fc.constantFrom('x', 'y', 'z')), { maxLength: 4 }) }), { maxLength: 6 }),
        async (steps) => {
          for (const st of steps) {
            // one transaction with both tables: ΔA joins B as it was, A as it is joins ΔB
            await db.query('BEGIN');
            if (st.a.length > 0) db.insert('a', st.a);
            if (st.b.length > 0) db.insert('b', st.b);
            await db.query('COMMIT');
            if (st.a.length > 0) await oracle.exec(`INSERT INTO a VALUES ${st.a.map((r) => `(${r.join(', ')})`).join(', ')}`);
            if (st.b.length > 0) await oracle.exec(`INSERT INTO b VALUES ${st.b.map(([x, y, z]) => `(${x}, ${y}, '${z}')`).join(', ')}`);
            const ours = (await db.query('SELECT * FROM extremes', [], { format: 'text', rowMode: 'array' })).rows as unknown as (string | null)[][];
            expect(sortedRows(ours)).toEqual(sortedRows(await oracle.rows(q)));
          }
        },
      ),
      { numRuns: 15 },
    );
    // a commit that fails after the join has arranged its rows leaves no trace of them
    await db.query('CREATE MATERIALIZED VIEW ratio AS SELECT a.id, 10 / b.price AS r FROM a JOIN b ON a.id = b.auction');
    const before = sortedRows((await db.query('SELECT * FROM extremes', [], { format: 'text', rowMode: 'array' })).rows as unknown as (string | null)[][]);
    await db.query('BEGIN');
    db.insert('a', [[100, 1]]);
    db.insert('b', [[100, 0, 'x'], [100, 4, 'y']]);
    await expect(db.query('COMMIT')).rejects.toMatchObject({ code: '22012' });
    expect(sortedRows((await db.query('SELECT * FROM extremes', [], { format: 'text', rowMode: 'array' })).rows as unknown as (string | null)[][])).toEqual(before);
    db.insert('b', [[100, 5, 'z']]);
    db.insert('a', [[100, 1]]);
    expect((await db.query('SELECT r FROM ratio WHERE id = 100', [], { format: 'text', rowMode: 'array' })).rows).toEqual([['2']]);
    await db.close();
  }, 120_000);

  it('are refused where they cannot hold', async () => {
    const db = await Database.open();
    const err = (q: string) => db.query(q).then(() => null, (e) => `${e.code} ${e.message}`);
    expect(await err("CREATE TABLE a (ts timestamp) WITH (watermark = 'ts')")).toMatch(/^0A000 a watermark on a table that is not append-only/);
    expect(await err("CREATE TABLE b (ts int) WITH (append_only = true, watermark = 'ts')")).toMatch(/^22023 invalid watermark "ts": column "ts" is not a timestamp/);
    expect(await err("CREATE TABLE c (ts timestamp) WITH (append_only = true, watermark = 'ts + interval ''1 s''')")).toMatch(/^22023 invalid watermark/);
    expect(await err("CREATE TABLE d (ts timestamp) WITH (append_only = true, watermark = 'ts - interval ''1 month''')")).toMatch(/^22023 .*months or years/);
    expect(await err("CREATE TABLE e (ts timestamp) WITH (append_only = true, watermark = 'ts - interval ''-1 s''')")).toMatch(/^22023 .*cannot be negative/);
    expect(await err("CREATE TABLE f (ts timestamp) WITH (append_only = true, watermark = 'nosuch')")).toMatch(/^42703/);
    // emit on window close: one append-only table with a watermark, no join, a window column in the output
    await db.query("CREATE TABLE s (k int, ts timestamp) WITH (append_only = true, watermark = 'ts')");
    await db.query('CREATE TABLE plain (k int, ts timestamp)');
    const eowc = (q: string) => err(`CREATE MATERIALIZED VIEW v WITH (emit = 'on_window_close') AS ${q}`);
    expect(await eowc('SELECT count(*) FROM s')).toMatch(/^0A000 emit = 'on_window_close' on a view without a window of the watermark's column among its columns/);
    expect(await eowc("SELECT window_start + interval '1 s', count(*) FROM tumble(s, ts, interval '1 hour') GROUP BY 1")).toMatch(/^0A000 .*without a window of the watermark's column/);
    // a top-k or a LIMIT across windows can push a closed window's row out later: the refusal names it
    expect(await eowc("SELECT window_start, k FROM (SELECT window_start, k, row_number() OVER (ORDER BY k) AS rn FROM tumble(s, ts, interval '1 hour')) t WHERE rn <= 1")).toMatch(/^0A000 emit = 'on_window_close' on a view whose LIMIT or window function spans windows/);
    expect(await eowc("SELECT window_start, k FROM tumble(s, ts, interval '1 hour') ORDER BY k LIMIT 5")).toMatch(/^0A000 emit = 'on_window_close' on a view whose LIMIT or window function spans windows/);
    expect(await eowc("SELECT window_start, k, sum(k) OVER () FROM tumble(s, ts, interval '1 hour')")).toMatch(/^0A000 emit = 'on_window_close' on a view whose LIMIT or window function spans windows/);
    // windows of another column than the watermark's, or of months, would not close with it
    await db.query("CREATE TABLE s2 (k int, ts timestamp, other timestamp) WITH (append_only = true, watermark = 'ts')");
    expect(await eowc("SELECT window_start, count(*) FROM tumble(s2, other, interval '1 hour') GROUP BY 1")).toMatch(/^0A000 .*without a window of the watermark's column/);
    expect(await eowc("SELECT date_trunc('hour', other), count(*) FROM s2 GROUP BY 1")).toMatch(/^0A000 .*without a window of the watermark's column/);
    expect(await eowc("SELECT date_trunc('month', ts), count(*) FROM s2 GROUP BY 1")).toMatch(/^0A000 .*without a window of the watermark's column/);
    expect(await eowc("SELECT window_start, count(*) FROM tumble(plain, ts, interval '1 hour') GROUP BY 1")).toMatch(/^0A000 emit = 'on_window_close' over anything but one append-only table with a watermark/);
    expect(await eowc("SELECT a.window_start, count(*) FROM tumble(s, ts, interval '1 hour') a JOIN tumble(s, ts, interval '1 hour') b ON a.k = b.k GROUP BY 1")).toMatch(/^0A000 .*without joins/);
    expect(await err("CREATE MATERIALIZED VIEW v WITH (emit = 'sometimes') AS SELECT 1")).toMatch(/^22023 invalid value for option "emit"/);
    expect(await err('CREATE MATERIALIZED VIEW v WITH (fillfactor = 5) AS SELECT 1')).toMatch(/^0A000 the option "fillfactor" on materialized views is not supported/);
    expect(await err("CREATE MATERIALIZED VIEW v WITH (emit = 'on_update') AS SELECT k FROM plain")).toBe(null);
    await db.close();
  });
});
