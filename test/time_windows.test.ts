// TUMBLE and HOP in materialized views, maintained through random inserts, updates and
// deletes of events (out of order, some without a time), against PostgreSQL (PGlite) running
// the same windows written with date_bin: TUMBLE(t, ts, size [, offset]) is
// date_bin(size, ts, '1970-01-01' + offset), and HOP(t, ts, slide, size) is each
// date_bin(slide, ts, '1970-01-01') - k * slide for k below size / slide.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Database } from '../src/index.js';
import { Oracle, sortedRows } from './support/oracle.js';

let oracle: Oracle;
beforeAll(async () => {
  oracle = await Oracle.create();
}, 120_000);
afterAll(async () => {
  await oracle?.close();
});

const SETUP = 'CREATE TABLE ev (id int, g int, x int, ts timestamp, tz timestamptz)';
const EPOCH = "timestamp '1970-01-01'";
const hop = (slide: string, n: number) =>
  `(SELECT ev.*, date_bin(interval '${slide}', ts, ${EPOCH}) - k * interval '${slide}' AS window_start FROM ev, generate_series(0, ${n - 1}) k WHERE ts IS NOT NULL) h`;

/** [view name, Tributary's query, PostgreSQL's query of the same rows] */
const VIEWS: [string, string, string][] = [
  ['rows_tumble', "SELECT * FROM tumble(ev, ts, interval '7 minutes')",
    `SELECT ev.*, date_bin(interval '7 minutes', ts, ${EPOCH}), date_bin(interval '7 minutes', ts, ${EPOCH}) + interval '7 minutes' FROM ev`],
  ['agg_tumble', "SELECT g, window_start, window_end, count(*) AS n, sum(x) AS s FROM tumble(ev, ts, interval '10' minute) GROUP BY g, window_start, window_end",
    `SELECT g, date_bin(interval '10 minutes', ts, ${EPOCH}) AS ws, date_bin(interval '10 minutes', ts, ${EPOCH}) + interval '10 minutes', count(*), sum(x) FROM ev GROUP BY 1, 2, 3`],
  ['agg_hop', "SELECT window_start, window_end, count(*) AS n, max(x) AS m FROM hop(ev, ts, interval '5 minutes', interval '15 minutes') GROUP BY window_start, window_end",
    `SELECT window_start, window_start + interval '15 minutes', count(*), max(x) FROM ${hop('5 minutes', 3)} GROUP BY 1, 2`],
  ['rows_hop', "SELECT id, window_start, window_end FROM hop(ev, ts, interval '20 minutes', interval '40 minutes') AS w WHERE w.x > 2",
    `SELECT id, window_start, window_start + interval '40 minutes' FROM ${hop('20 minutes', 2)} WHERE x > 2`],
  // timestamptz, a day of 24 hours, an offset
  ['agg_tumble_tz', "SELECT window_start, window_end, count(*) AS n FROM tumble(ev, tz, interval '1 day', interval '3 hours') GROUP BY 1, 2",
    "SELECT date_bin(interval '86400 s', tz, timestamptz '1970-01-01 03:00+00'), date_bin(interval '86400 s', tz, timestamptz '1970-01-01 03:00+00') + interval '86400 s', count(*) FROM ev GROUP BY 1, 2"],
  ['joined', "SELECT a.id, b.id AS other, a.window_start FROM tumble(ev, ts, interval '30 minutes') a JOIN tumble(ev, ts, interval '30 minutes') b ON a.window_start = b.window_start AND a.g = b.g AND a.id < b.id",
    `SELECT a.id, b.id, date_bin(interval '30 minutes', a.ts, ${EPOCH}) FROM ev a JOIN ev b ON date_bin(interval '30 minutes', a.ts, ${EPOCH}) = date_bin(interval '30 minutes', b.ts, ${EPOCH}) AND a.g = b.g AND a.id < b.id`],
];

const time = fc.option(fc.integer({ min: 0, max: 3 * 3600 - 1 }).map((s) => `'2024-03-10 ${String(Math.floor(s / 3600)).padStart(2, '0')}:${String(Math.floor(s / 60) % 60).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}.25'`), { freq: 8 });
const stmt = fc.oneof(
  fc.record({ id: fc.integer({ min: 1, max: 40 }), g: fc.integer({ min: 0, max: 2 }), x: fc.integer({ min: 0, max: 5 }), ts: time, day: fc.integer({ min: 0, max: 2 }), hour: fc.integer({ min: 0, max: 23 }) }).map(
    (r) => `INSERT INTO ev VALUES (${r.id}, ${r.g}, ${r.x}, ${r.ts ?? 'NULL'}, '2024-03-${10 + r.day} ${String(r.hour).padStart(2, '0')}:30:00+00')`,
  ),
  fc.record({ id: fc.integer({ min: 1, max: 40 }), ts: time }).map((r) => `UPDATE ev SET ts = ${r.ts ?? 'NULL'} WHERE id = ${r.id}`),
  fc.integer({ min: 1, max: 40 }).map((id) => `UPDATE ev SET x = x + 1, g = (g + 1) % 3 WHERE id = ${id}`),
  fc.integer({ min: 1, max: 40 }).map((id) => `DELETE FROM ev WHERE id = ${id}`),
);

describe('time window functions', () => {
  it('views over TUMBLE and HOP agree with date_bin in PostgreSQL after every transaction', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(stmt, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 12 }), async (txs) => {
        const db = await Database.open();
        await oracle.exec('DROP TABLE IF EXISTS ev');
        await oracle.exec(SETUP);
        await db.query(SETUP);
        for (const [name, q] of VIEWS) await db.query(`CREATE MATERIALIZED VIEW ${name} AS ${q}`);
        try {
          for (const tx of txs) {
            const sql = ['BEGIN', ...tx, 'COMMIT'].join(';\n');
            await db.query(sql);
            await oracle.exec(sql);
            for (const [name, , pgq] of VIEWS) {
              const ours = (await db.query(`SELECT * FROM ${name}`, [], { format: 'text', rowMode: 'array' })).rows as unknown as (string | null)[][];
              expect(sortedRows(ours), `${name} after ${tx.join('; ')}`).toEqual(sortedRows(await oracle.rows(pgq)));
            }
          }
        } finally {
          await db.close();
        }
      }),
      { numRuns: 100 },
    );
  }, 300_000);
});
