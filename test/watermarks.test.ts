// Watermarks on an append-only table: late rows (behind the greatest `ts - 10 minutes` seen,
// or without a time once there is a watermark) are dropped before any view sees them, and
// counted in tributary_catalog.late_events. A model filters the same random stream of
// out-of-order events; every view must equal PostgreSQL (PGlite) over the accepted rows only.
// A commit that fails (a view divides by zero) changes neither the watermark nor the counts.
// Restarts, clean or crashed, keep the watermark (so a row late before is late after).

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Database } from '../src/index.js';
import { Oracle, sortedRows } from './support/oracle.js';
import { crash } from './support/crash.js';

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
  restart: fc.constantFrom('none', 'none', 'none', 'none', 'clean', 'crash'),
});

describe('watermarks', () => {
  it('drop late rows before every view, count them, survive failed commits and restarts', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 10 }), async (steps) => {
        rmSync(dir, { recursive: true, force: true });
        const open = () => Database.open({ dataDir: dir, log: () => {}, checkpointIntervalMs: 0 });
        let db = await open();
        await db.query(`CREATE TABLE ev (id int, ts timestamp, v int) WITH (append_only = true, watermark = 'ts - INTERVAL ''${DELAY_S}'' SECOND')`);
        for (const [name, q] of VIEWS) await db.query(`CREATE MATERIALIZED VIEW ${name} AS ${q}`);
        await db.query('CREATE MATERIALIZED VIEW poison AS SELECT id, 100 / (v - 7) AS r FROM ev');
        await oracle.exec('DROP TABLE IF EXISTS acc; CREATE TABLE acc (id int, ts timestamp, v int)');
        // the model
        let wm: number | null = null;
        let late = 0;
        let nextId = 1;
        try {
          for (const { statements, restart } of steps) {
            let w: number | null = wm;
            let l = late;
            const accepted: Ev[] = [];
            const stmts = statements.map((evs) => {
              const rows = evs.map((e) => ({ ...e, id: nextId++ }));
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
            const ok = await db.query(['BEGIN', ...stmts, 'COMMIT'].join(';\n')).then(() => true, async () => {
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
              late = 0; // counted since the start
            }
            for (const [name, , pgq] of VIEWS) {
              const ours = (await db.query(`SELECT * FROM ${name}`, [], { format: 'text', rowMode: 'array' })).rows as unknown as (string | null)[][];
              expect(sortedRows(ours), name).toEqual(sortedRows(await oracle.rows(pgq)));
            }
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

  it('are refused where they cannot hold', async () => {
    const db = await Database.open();
    const err = (q: string) => db.query(q).then(() => null, (e) => `${e.code} ${e.message}`);
    expect(await err("CREATE TABLE a (ts timestamp) WITH (watermark = 'ts')")).toMatch(/^0A000 a watermark on a table that is not append-only/);
    expect(await err("CREATE TABLE b (ts int) WITH (append_only = true, watermark = 'ts')")).toMatch(/^22023 invalid watermark "ts": column "ts" is not a timestamp/);
    expect(await err("CREATE TABLE c (ts timestamp) WITH (append_only = true, watermark = 'ts + interval ''1 s''')")).toMatch(/^22023 invalid watermark/);
    expect(await err("CREATE TABLE d (ts timestamp) WITH (append_only = true, watermark = 'ts - interval ''1 month''')")).toMatch(/^22023 .*months or years/);
    expect(await err("CREATE TABLE e (ts timestamp) WITH (append_only = true, watermark = 'ts - interval ''-1 s''')")).toMatch(/^22023 .*cannot be negative/);
    expect(await err("CREATE TABLE f (ts timestamp) WITH (append_only = true, watermark = 'nosuch')")).toMatch(/^42703/);
    await db.close();
  });
});
