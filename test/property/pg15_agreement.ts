// Do the generators stay where PostgreSQL 15 and 18 agree? Runs generated programs on PGlite
// (PostgreSQL 18, the oracle of the property tests) and on a real PostgreSQL 15 (connection as
// sql-tests/tools/pg-client.ts), reading every view after every statement, and prints the
// first difference of each program. Views whose representatives the harness compares up to
// representation are compared so here too. Not part of `npm test` (it needs PostgreSQL 15):
//
//   PGDATABASE=<db> PROPERTY_FEATURES=all npx tsx test/property/pg15_agreement.ts values|errors|mixed [runs] [seed]
import fc from 'fast-check';
import { connectOracle } from '../../sql-tests/tools/pg-client.js';
import { Oracle } from '../support/oracle.js';
import { canonical } from '../support/differential.js';
import { genProgram } from './program.js';
import { newGen } from './runner.js';
import type { Cfg } from './query.js';

const cfgs: Record<string, Cfg> = {
  values: { sources: [6, 2, 0], viewsOnViews: true, subqueries: true, kinds: { proj: 1, agg: 4, distinct: 2, union: 2 }, views: [2, 5], txns: [6, 14], values: true },
  errors: { sources: [5, 2, 0], viewsOnViews: true, subqueries: false, kinds: { proj: 3, agg: 3, distinct: 1, union: 1 }, views: [1, 4], txns: [6, 14], errors: true },
  mixed: { sources: [3, 2, 1], viewsOnViews: true, subqueries: true, kinds: { proj: 2, agg: 3, distinct: 1, union: 2 }, views: [3, 7], txns: [6, 16], drops: true },
};
const cfg = cfgs[process.argv[2] ?? 'values'];
const runs = Number(process.argv[3] ?? 50);
const seed = Number(process.argv[4] ?? 1);

const pg15 = await connectOracle();
const pg18 = await Oracle.create();
type Out = { rows: string[] | null; err: string | null };
const norm = (rows: (string | null)[][], canon: boolean) => rows.map((r) => JSON.stringify(canon ? r.map(canonical) : r)).sort();

async function on15(sql: string, canon: boolean): Promise<Out> {
  try {
    const r = await pg15.query({ text: sql, rowMode: 'array' } as any);
    return { rows: norm((Array.isArray(r) ? r.at(-1) : r).rows ?? [], canon), err: null };
  } catch (e: any) {
    return { rows: null, err: e.code };
  }
}
async function on18(sql: string, canon: boolean): Promise<Out> {
  try {
    return { rows: norm(await pg18.rows(sql), canon), err: null };
  } catch (e: any) {
    return { rows: null, err: e.code };
  }
}

let diffs = 0;
let programs = 0;
await fc.assert(
  fc.asyncProperty(fc.gen(), async (gv) => {
    const p = genProgram(newGen(gv), cfg);
    programs++;
    for (const db of ['15', '18']) {
      const run = db === '15' ? (s: string) => pg15.query(s) : (s: string) => pg18.exec(s);
      await run('ROLLBACK').catch(() => {});
      await run('DROP SCHEMA public CASCADE; CREATE SCHEMA public');
    }
    await pg15.query("SET TimeZone = 'UTC'; SET DateStyle = 'ISO, MDY'; SET IntervalStyle = 'postgres'; SET extra_float_digits = 1");
    const views: string[] = [];
    for (const s0 of p.stmts) {
      const s = s0.replace(/MATERIALIZED VIEW/, 'VIEW');
      const meta = p.views.get(s0);
      const canon = !!meta && meta.picks.length > 0 && !meta.ordered;
      const a = await on15(s, canon);
      const b = await on18(s, canon);
      const mv = /^CREATE VIEW (\w+)/.exec(s);
      if (mv && !a.err && !b.err) views.push(mv[1]);
      const dv = /^DROP VIEW (\w+)/.exec(s);
      if (dv) views.splice(0, views.length, ...views.filter((v) => v !== dv[1]));
      const show = (o: Out) => (o.err ? `error ${o.err}` : JSON.stringify(o.rows).slice(0, 300));
      if (show(a) !== show(b)) {
        diffs++;
        console.log(`DIFF statement: ${s}\n  15: ${show(a)}\n  18: ${show(b)}\n  program: ${JSON.stringify(p.stmts)}`);
        return true;
      }
      for (const v of views) {
        const vm = [...p.views.entries()].find(([k]) => k.startsWith(`CREATE MATERIALIZED VIEW ${v} AS`))?.[1];
        const c = !!vm && vm.picks.length > 0 && !vm.ordered;
        const x = await on15(`SELECT * FROM ${v}`, c);
        const y = await on18(`SELECT * FROM ${v}`, c);
        if (show(x) !== show(y)) {
          diffs++;
          console.log(`DIFF view ${v} after: ${s}\n  15: ${show(x)}\n  18: ${show(y)}\n  program: ${JSON.stringify(p.stmts)}`);
          return true;
        }
      }
    }
    return true;
  }),
  { numRuns: runs, seed },
);
console.log(`${programs} programs, ${diffs} with a difference between PostgreSQL 15 and 18`);
await pg15.end();
await pg18.close();
