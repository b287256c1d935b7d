// Per-operator time of the groupby and join workloads (wraps each circuit operator's step).
// Diagnostic only: npx tsx benchmarks/op_breakdown.ts
import { Database } from '../src/index.js';
async function inst(db: Database) {
  const times = new Map<string, number>();
  for (const op of db.engine.circuit.operators()) {
    const orig = op.step.bind(op);
    const label = `${op.id}:${op.name}`;
    (op as any).step = (inputs: any, ctx: any) => { const t0 = performance.now(); const r = orig(inputs, ctx); times.set(label, (times.get(label) ?? 0) + performance.now() - t0); return r; };
  }
  return times;
}
{
  const db = await Database.open();
  await db.query('CREATE TABLE t (k int, v bigint)');
  await db.query('CREATE MATERIALIZED VIEW g AS SELECT k, sum(v), count(*) FROM t GROUP BY k');
  const times = await inst(db);
  const batches: number[][][] = [];
  for (let s = 0; s < 1_000_000; s += 1000) { const r = []; for (let i = s; i < s + 1000; i++) r.push([i % 1000, i]); batches.push(r); }
  const t0 = performance.now();
  for (const b of batches) db.insert('t', b);
  console.log('groupby total', (performance.now() - t0).toFixed(0), 'ms'); console.log(times);
}
{
  const db = await Database.open();
  await db.query('CREATE TABLE a (id int, k int, x int)');
  await db.query('CREATE TABLE b (id int, k int, y int)');
  await db.query('CREATE MATERIALIZED VIEW j AS SELECT a.id AS aid, b.id AS bid, a.x, b.y FROM a JOIN b ON a.k = b.k');
  const times = await inst(db);
  let seed = 1; const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  const t0 = performance.now();
  for (let s = 0; s < 200_000; s += 1000) {
    for (const side of ['a', 'b']) { const r = []; for (let i = s; i < s + 1000; i++) r.push([i, Math.floor(rand() * 50000), i % 1000]); db.insert(side, r); }
  }
  console.log('join total', (performance.now() - t0).toFixed(0), 'ms'); console.log(times);
}
