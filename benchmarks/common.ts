// Shared helpers for the benchmarks: timing, statistics, Markdown tables, result records.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';

export interface Row {
  [column: string]: string | number;
}

/** One benchmark's outcome: a Markdown table plus free-form notes and raw numbers. */
export interface BenchResult {
  name: string;
  title: string;
  columns: string[];
  rows: Row[];
  notes: string[];
  correct: boolean;
  raw: Record<string, unknown>;
}

export function now(): number {
  return performance.now();
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

export function fmtInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function fmtNum(n: number, digits = 2): string {
  return n.toFixed(digits);
}

export function markdownTable(columns: string[], rows: Row[]): string {
  const lines = [`| ${columns.join(' | ')} |`, `| ${columns.map(() => '---').join(' | ')} |`];
  for (const r of rows) lines.push(`| ${columns.map((c) => String(r[c] ?? '')).join(' | ')} |`);
  return lines.join('\n');
}

/** Deterministic PRNG (mulberry32) so every run streams the same data. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// A full GC between timed runs, so one run's garbage is not collected during the next.
// `npm run bench` runs plain tsx, so expose gc at runtime rather than via a CLI flag.
v8.setFlagsFromString('--expose-gc');
const fullGc = vm.runInNewContext('gc') as () => void;

export function gc(): void {
  fullGc();
}

export function assert(cond: boolean, msg: string): void {
  if (!cond) throw new Error(`correctness check failed: ${msg}`);
}

/** A numeric command-line option `--name N` of this process, or `dflt`. */
export function numberFlag(name: string, dflt: number): number {
  const args = process.argv.slice(2);
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
}

/**
 * The engine as users run it: the compiled build in dist/ (what `tributary serve` and the
 * package's entry load). Benchmarks of the wire server use it, since tsx's on-the-fly
 * transform adds work to every closure it creates (its `__name` helper). Refuses a dist/ older
 * than src/, which would measure old code.
 */
export async function builtEngine(): Promise<typeof import('../src/index.js')> {
  const root = new URL('..', import.meta.url).pathname;
  const entry = join(root, 'dist', 'index.js');
  let built: number;
  try {
    built = statSync(entry).mtimeMs;
  } catch {
    throw new Error('dist/ is missing: run `npm run build` first (this benchmark measures the compiled server)');
  }
  const newest = (dir: string): number =>
    Math.max(0, ...readdirSync(dir, { withFileTypes: true }).map((d) => (d.isDirectory() ? newest(join(dir, d.name)) : d.name.endsWith('.ts') ? statSync(join(dir, d.name)).mtimeMs : 0)));
  if (newest(join(root, 'src')) > built) throw new Error('dist/ is older than src/: run `npm run build` first (this benchmark measures the compiled server)');
  return (await import(entry)) as typeof import('../src/index.js');
}
