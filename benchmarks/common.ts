// Shared helpers for the benchmarks: timing, statistics, Markdown tables, result records.
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
