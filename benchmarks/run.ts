// Entry point: `npm run bench` (all benchmarks) or `npx tsx benchmarks/run.ts groupby join`.
// Flags: --quick (smaller sizes, for smoke tests), --tributary-only (skip baselines; for
// profiling with `node --import tsx --cpu-prof benchmarks/run.ts groupby --tributary-only`),
// --scripts=a,b (serving: only those scripts, by name), --sizes=n,m (serving: table sizes),
// --queries=q4,q5 and --events=n (nexmark).
// Prints one Markdown table per benchmark and writes benchmarks/results.json, then (after a run
// of every benchmark) the charts and summary of benchmarks/report.ts (docs/charts/*.svg,
// docs/benchmarks.md).
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { markdownTable, type BenchResult } from './common.js';
import { groupby } from './groupby.js';
import { join } from './join.js';
import { updateLatency } from './update_latency.js';
import { serving } from './serving.js';
import { transactions } from './transactions.js';
import { nexmark } from './nexmark.js';
import { copy } from './copy.js';
import { scaling } from './scaling.js';
import { writeReport, type ResultsFile } from './report.js';
import { ivmLibs } from './ivm_libs.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const tributaryOnly = args.includes('--tributary-only');
const selected = args.filter((a) => !a.startsWith('--'));
const listArg = (flag: string) => args.find((a) => a.startsWith(`${flag}=`))?.slice(flag.length + 1).split(',');
const scripts = listArg('--scripts');
const sizes = listArg('--sizes')?.map(Number);
const numberArg = (flag: string) => {
  const v = listArg(flag)?.[0];
  return v === undefined ? undefined : Number(v);
};
const want = (n: string) => selected.length === 0 || selected.includes(n);

const benches: [string, () => Promise<BenchResult>][] = [
  ['groupby', () => groupby(quick ? { events: 100_000, runs: 2, pgliteBatches: 5, tributaryOnly } : { runs: 5, tributaryOnly })],
  ['join', () => join(quick ? { rowsPerSide: 20_000, runs: 2, tributaryOnly } : { runs: 3, tributaryOnly })],
  ['update_latency', () => updateLatency(quick ? { sizes: [1_000, 10_000, 100_000], updates: 500 } : {})],
  ['serving', () => serving(quick ? { sizes: sizes ?? [100_000], clients: [1, 8], modes: ['prepared'], seconds: 2, scripts } : { sizes, scripts })],
  ['transactions', () => transactions(quick ? { accounts: [10], clients: [8], seconds: 2 } : {})],
  ['nexmark', () => nexmark(quick ? { events: 100_000, queries: listArg('--queries') } : { events: numberArg('--events'), queries: listArg('--queries') })],
  ['copy', () => copy(quick ? { rows: 100_000, runs: 1 } : {})],
  ['ivm_libs', () => ivmLibs(quick ? { sizes: [10_000, 100_000], batches: { 1: 20, 100: 5, 10_000: 1 }, recomputeBatches: { 10_000: 5, 100_000: 2 }, warmup: false } : {})],
  ['transactions-durable', () => transactions({ durable: true, levels: ['read committed', 'serializable'], clients: [1, 8, 32], accounts: [100_000], seconds: quick ? 2 : 5 })],
  ['scaling', () => scaling(quick ? { sizes: [1_000, 10_000, 100_000], changes: 1500, batchState: 100_000, batchRows: 20_000, batchSeconds: 0.5 } : {})],
];

const machine = {
  node: process.version,
  platform: `${os.platform()} ${os.arch()}`,
  cpus: os.cpus().length,
  cpuModel: os.cpus()[0]?.model ?? 'unknown',
  totalMemGB: Math.round(os.totalmem() / 2 ** 30),
  date: new Date().toISOString(),
};
console.log(`# Tributary benchmarks\n\nNode ${machine.node}, ${machine.platform}, ${machine.cpus} × ${machine.cpuModel}${quick ? ' (--quick)' : ''}\n`);

const results: BenchResult[] = [];
const started = performance.now();
for (const [name, fn] of benches) {
  if (!want(name)) continue;
  const t0 = performance.now();
  try {
    const r = await fn();
    results.push(r);
    console.log(`## ${r.title}\n\n${markdownTable(r.columns, r.rows)}\n`);
    for (const n of r.notes) console.log(`- ${n}`);
    console.log(`\n(${((performance.now() - t0) / 1000).toFixed(1)} s)\n`);
  } catch (e) {
    console.log(`## ${name}: FAILED\n\n\`\`\`\n${(e as Error).stack ?? e}\n\`\`\`\n`);
    results.push({ name, title: `${name}: FAILED`, columns: [], rows: [], notes: [String((e as Error).message ?? e)], correct: false, raw: {} });
  }
}
console.log(`total ${((performance.now() - started) / 1000).toFixed(1)} s`);

const out = fileURLToPath(new URL(quick || tributaryOnly || selected.length > 0 ? './results.partial.json' : './results.json', import.meta.url));
const json = JSON.stringify({ machine, quick, tributaryOnly, selected, results }, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2) + '\n';
writeFileSync(out, json);
console.log(`wrote ${out}`);
// docs/benchmarks.md and docs/charts/ from the same numbers (the summary says if quick), after
// a run of every benchmark only: a partial run would replace the whole report with its part
// (`npx tsx benchmarks/report.ts benchmarks/results.partial.json` draws one on purpose)
if (selected.length === 0 && !tributaryOnly) {
  try {
    const written = writeReport(JSON.parse(json) as ResultsFile);
    console.log(`wrote ${written[0]} and ${written.length - 1} charts`);
  } catch (e) {
    console.log(`report not written: ${(e as Error).stack ?? e}`);
  }
} else console.log('report not redrawn (a partial run)');
if (results.some((r) => !r.correct)) process.exitCode = 1;
