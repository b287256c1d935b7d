// `tributary slt [options] PATHS…`: run sqllogictest files, print one line per failed record
// and end with `N passed, M failed[, K skipped]`; exit status 1 when any record failed.

import { writeFileSync } from 'node:fs';
import { collectFiles, failureLine, runFile, summaryLine, type FileResult, type RunOptions } from './runner.js';
import { runFileIsolated, WorkerLane } from './isolate.js';
import type { Via } from './drivers.js';

export const SLT_HELP = `Usage: tributary slt [options] PATHS…

Runs sqllogictest files (SQLite's format and sqllogictest-rs's extensions) and directories
(searched for *.slt and *.test), each file on a fresh in-memory database. Prints one line per
failed record and ends with "N passed, M failed[, K skipped]". Exit status 1 if any failed.

Options:
  --via embedded|pgwire  Run through the library (default) or through node-postgres against
                         the wire server, started in-process on an ephemeral port.
  --incremental          Also answer every query from a materialized view created before the
                         data and maintained through the file's changes (docs/conformance.md).
  --report FILE.json     Write every file's counts and failed records as JSON.
  --timeout SECONDS      Per-record timeout (default 120): each file runs in a worker thread;
                         a record that hangs or crashes it fails and the file is re-run
                         without it. 0 runs in-process without a watchdog.
  --jobs N               Files run in parallel (default 1).
  --ignore-error-text    Pass 'statement error <regex>' on any error (for suites written
                         with another engine's messages).
  --max-sleep SECONDS    Cap on 'sleep' records (default: sleep as written).
  --quiet                Print only the final line.
  --help                 This text.

Engine conditions: we are 'tributary' and honour 'postgresql' (skipif either skips; onlyif
any other name skips).`;

export interface SltReport {
  via: Via;
  incremental: boolean;
  totals: { passed: number; failed: number; skipped: number };
  files: FileResult[];
}

export interface RunManyOptions extends RunOptions {
  timeoutMs: number;
  jobs: number;
  onFile?: (r: FileResult) => void;
}

/** Run files (in workers under a watchdog unless timeoutMs is 0), in order of the list. */
export async function runMany(files: readonly string[], opts: RunManyOptions): Promise<FileResult[]> {
  const { timeoutMs, jobs, onFile, ...run } = opts;
  const results: FileResult[] = new Array(files.length);
  let next = 0;
  const lane = async () => {
    const worker = timeoutMs > 0 ? new WorkerLane({ timeoutMs }) : undefined;
    try {
      while (next < files.length) {
        const k = next++;
        const r = worker ? await runFileIsolated(files[k], run, worker) : await runFile(files[k], run);
        results[k] = r;
        onFile?.(r);
      }
    } finally {
      await worker?.close();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, jobs) }, lane));
  return results;
}

export function totals(results: readonly FileResult[]): SltReport['totals'] {
  const t = { passed: 0, failed: 0, skipped: 0 };
  for (const r of results) {
    t.passed += r.passed;
    t.failed += r.failed;
    t.skipped += r.skipped;
  }
  return t;
}

export async function sltMain(args: string[]): Promise<number> {
  let via: Via = 'embedded';
  let incremental = false;
  let report: string | undefined;
  let timeout = 120;
  let jobs = 1;
  let quiet = false;
  let checkErrorText = true;
  let maxSleepMs: number | undefined;
  const paths: string[] = [];
  const usage = (m: string) => {
    console.error(`tributary slt: ${m}\n\n${SLT_HELP}`);
    return 2;
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const value = () => args[++i];
    if (a === '--help' || a === '-h') {
      console.log(SLT_HELP);
      return 0;
    } else if (a === '--via') {
      const v = value();
      if (v !== 'embedded' && v !== 'pgwire') return usage('--via takes embedded or pgwire');
      via = v;
    } else if (a === '--incremental') incremental = true;
    else if (a === '--report') {
      report = value();
      if (!report) return usage('--report needs a file name');
    } else if (a === '--timeout') {
      timeout = Number(value());
      if (!(timeout >= 0)) return usage('--timeout takes a number of seconds');
    } else if (a === '--jobs') {
      jobs = Number(value());
      if (!Number.isInteger(jobs) || jobs < 1) return usage('--jobs takes a positive integer');
    } else if (a === '--max-sleep') {
      maxSleepMs = Number(value()) * 1000;
      if (!(maxSleepMs >= 0)) return usage('--max-sleep takes a number of seconds');
    } else if (a === '--ignore-error-text') checkErrorText = false;
    else if (a === '--quiet') quiet = true;
    else if (a.startsWith('--')) return usage(`unknown option '${a}'`);
    else paths.push(a);
  }
  if (paths.length === 0) return usage('no files given');
  let files: string[];
  try {
    files = collectFiles(paths);
  } catch (e) {
    return usage((e as Error).message);
  }
  const results = await runMany(files, {
    via,
    incremental,
    checkErrorText,
    maxSleepMs,
    timeoutMs: timeout * 1000,
    jobs,
    onFile: (r) => {
      if (!quiet) for (const f of r.failures) console.log(failureLine(f));
    },
  });
  const t = totals(results);
  if (report) {
    const rep: SltReport = { via, incremental, totals: t, files: results };
    writeFileSync(report, JSON.stringify(rep, null, 1) + '\n');
  }
  console.log(summaryLine(t.passed, t.failed, t.skipped));
  return t.failed > 0 ? 1 : 0;
}
