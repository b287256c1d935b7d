// Running a property: fast-check draws programs (with a fixed seed by default), each program
// runs until its first failure, and a failure is shrunk by fast-check and then minimised
// statement by statement. The report ends with the program as a test ready to paste into
// test/regressions.test.ts.
//
// Environment: PROPERTY_SEED (a number, or `random`), PROPERTY_RUNS, PROPERTY_TIME_LIMIT (ms
// per property), PROPERTY_FEATURES (features.ts), PROPERTY_EXPLORE=1 (keep going after
// failures, then minimise and print one of each kind), PROPERTY_TIMING=1.

import fc from 'fast-check';
import { FEATURES } from './features.js';
import type { Program } from './program.js';
import { R } from './random.js';
import type { G } from './types.js';

/** A failure found by running a program. */
export interface Found {
  /** what kind of failure: minimisation keeps it */
  kind: string;
  /** groups failures when exploring (the kind plus a hint of the wrong result) */
  key: string;
  description: string;
  /** the program up to the failing statement */
  upTo: Program;
}

export interface PropertySpec {
  name: string;
  gen(g: G): Program;
  run(p: Program): Promise<Found | null>;
  /** The program as a regression test. */
  format(p: Program, f: Found): string;
}

// fixed by default so CI is deterministic; PROPERTY_SEED=random explores new cases
export const SEED = process.env.PROPERTY_SEED === 'random' ? undefined : Number(process.env.PROPERTY_SEED ?? 20261123);
export const RUNS = process.env.PROPERTY_RUNS ? Number(process.env.PROPERTY_RUNS) : undefined;
/** Each property stops generating new runs after this long (then shrinks and minimises). */
export const TIME_LIMIT = process.env.PROPERTY_TIME_LIMIT ? Number(process.env.PROPERTY_TIME_LIMIT) : 45_000;
export const TEST_TIMEOUT = TIME_LIMIT + 180_000;
export const EXPLORE = !!process.env.PROPERTY_EXPLORE;
const TIMING = !!process.env.PROPERTY_TIMING;

export const newGen = (gv: fc.GeneratorValue): G => ({ r: new R(gv), f: FEATURES, sub: null, errs: 0, errP: 0.3, made: 0, scalar: null });

/** Greedy statement-level minimisation of a failing program (keeps the same kind of failure). */
export async function minimise(spec: PropertySpec, found: Found, deadline: number): Promise<Found> {
  let cur = found;
  let progress = true;
  while (progress && Date.now() < deadline) {
    progress = false;
    for (let i = cur.upTo.stmts.length - 1; i >= 0 && Date.now() < deadline; i--) {
      const stmts = cur.upTo.stmts.slice(0, i).concat(cur.upTo.stmts.slice(i + 1));
      const res = await spec.run({ ...cur.upTo, stmts });
      if (res && res.kind === cur.kind) {
        cur = res;
        progress = true;
        i = Math.min(i, cur.upTo.stmts.length);
      }
    }
  }
  return cur;
}

/** Run a property `runs` times (default: its own count); throws with a minimised report on failure. */
export async function checkProperty(spec: PropertySpec, runs: number): Promise<void> {
  let lastFailure: Found | null = null;
  const explored: Found[] = [];
  let current: Program | null = null;
  const prop = fc.asyncProperty(fc.gen(), async (gv) => {
    await new Promise((res) => setImmediate(res)); // let vitest's RPC breathe between runs
    const t0 = performance.now();
    const p = spec.gen(newGen(gv));
    current = p;
    const res = await spec.run(p);
    if (TIMING) console.log(`${spec.name}: ${Math.round(performance.now() - t0)} ms, ${p.stmts.length} statements`);
    if (!res) return true;
    lastFailure = res;
    if (EXPLORE) {
      explored.push(res);
      return true;
    }
    return false;
  });
  const out = await fc.check(prop, { numRuns: RUNS ?? runs, seed: SEED, endOnFailure: false, interruptAfterTimeLimit: TIME_LIMIT, markInterruptAsFailure: false });
  if (TIMING) console.log(`${spec.name}: ${out.numRuns} runs, interrupted ${out.interrupted}`);
  if (out.interrupted && current) console.warn(`property "${spec.name}" hit its time limit after ${out.numRuns} runs`);
  if (EXPLORE) {
    if (out.failed) console.log(`EXPLORE ${spec.name}: the property threw: ${String(out.errorInstance)}\n${(out.errorInstance as Error)?.stack ?? ''}`);
    const seen = new Set<string>();
    const reports: string[] = [];
    for (const f of explored) {
      if (seen.has(f.key)) continue;
      seen.add(f.key);
      const min = await minimise(spec, f, Date.now() + 30_000);
      reports.push(`${min.description}\n${spec.format(min.upTo, min)}`);
    }
    console.log(`EXPLORE ${spec.name}: ${explored.length} failing runs of ${out.numRuns}, ${seen.size} distinct\n\n` + reports.join('\n\n'));
    return;
  }
  if (!out.failed) return;
  if (!lastFailure) {
    // the predicate threw (a harness or engine crash rather than a mismatch)
    throw new Error(`property "${spec.name}" crashed (seed ${out.seed}): ${String(out.errorInstance)}\n${(out.errorInstance as Error)?.stack ?? ''}`);
  }
  const min = await minimise(spec, lastFailure, Date.now() + 60_000);
  const report =
    `property "${spec.name}" failed (seed ${out.seed}, after ${out.numRuns} runs, ${out.numShrinks} shrinks)\n` +
    `${min.description}\nas a regression test:\n${spec.format(min.upTo, min)}`;
  console.error(report);
  throw new Error(report);
}

/** `stmts` as a JS array literal, one statement per line. */
export function stmtList(stmts: string[], indent = '    '): string {
  const lit = (s: string) => (/['\\]/.test(s) ? JSON.stringify(s) : `'${s}'`);
  return `[\n${stmts.map((s) => `${indent}${lit(s)},`).join('\n')}\n${indent.slice(2)}]`;
}
