// Runs sqllogictest files against a fresh Tributary database each (batch mode).
//
// A file is loaded with its `include`s expanded into one list of items, numbered in order
// (`seq`), so that a run can be repeated with chosen records left out (the watchdog in
// isolate.ts does that after a record hangs or crashes the process). Each counted record
// (statement, query, let, system) ends as passed, failed or skipped; the other records
// (hash-threshold, control, sleep, halt, include) only change the run's state.
//
// Engine conditions: we are `tributary` and also honour `postgresql` (we speak its dialect):
// `skipif` either name skips the record, `onlyif` any other name skips it.
//
// Vendor statements from peers' suites (see `vendorAction`): RisingWave's `FLUSH` and its
// session knobs (`SET streaming_*`, `SET rw_*`, `SET RW_IMPLICIT_FLUSH`, …) are accepted and
// ignored (our reads always see committed writes; there is no parallelism to tune);
// Materialize-only statements (clusters, secrets, connections, SUBSCRIBE) are skipped.

import { mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { parseSlt, type QueryRecord, type SltRecord, type StatementRecord } from './parser.js';
import { compareResult, shorten, type Cell, type FormatStyle } from './format.js';
import { openDriver, toExecError, type Connection, type Driver, type ExecError, type ExecResult, type Via } from './drivers.js';

export const ENGINE_NAMES = new Set(['tributary', 'postgresql']);

export interface RunOptions {
  via: Via;
  incremental?: boolean;
  /** Check `statement error <regex>` against the message (default true). Off for suites whose wording is another engine's. */
  checkErrorText?: boolean;
  /** Longest `sleep` actually slept (default: no cap). */
  maxSleepMs?: number;
  /** Records (by seq) not to execute: they count as failed with the given reason. */
  exclude?: ReadonlyMap<number, string>;
  /** Called before each item runs (the watchdog's heartbeat). */
  onItem?: (seq: number, line: number, file: string) => void;
  /** Incremental mode: views alive at once in one replay of the file (default VIEWS_PER_REPLAY). */
  viewsPerReplay?: number;
  /** Directory that file names in results are shown relative to (default: cwd). */
  baseDir?: string;
}

export type Status = 'pass' | 'fail' | 'skip';

export interface RecordResult {
  file: string;
  line: number;
  seq: number;
  status: Status;
  /** Failure or skip reason: `SQLSTATE: message`, 'wrong result', 'expected an error', … */
  reason?: string;
  sql?: string;
  expected?: string;
  actual?: string;
}

export interface FileResult {
  file: string;
  passed: number;
  failed: number;
  skipped: number;
  /** Failed records (all of them). */
  failures: RecordResult[];
  /** Skip reasons with counts. */
  skips: Record<string, number>;
  /** Incremental mode: how many transactions fed each checked view (0, 1-2, ≥3). */
  feeds?: { none: number; few: number; many: number; late: number };
  ms: number;
}

export interface Item {
  seq: number;
  file: string;
  rec: SltRecord;
}

// ---- loading ---------------------------------------------------------------------------------

function expandGlob(pattern: string): string[] {
  if (!/[*?]/.test(pattern)) return [pattern];
  const dir = dirname(pattern);
  const re = new RegExp('^' + basename(pattern).replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$');
  return readdirSync(dir).filter((f) => re.test(f)).sort().map((f) => join(dir, f));
}

/** The file's records with includes expanded (an include skipped by its conditions is dropped). */
export function loadItems(path: string, text?: string): Item[] {
  const items: Item[] = [];
  const visit = (file: string, src: string, depth: number) => {
    for (const rec of parseSlt(src, file)) {
      if (rec.kind === 'include') {
        if (skipReason(rec.conditions)) continue;
        if (depth > 16) throw new Error(`${file}:${rec.line}: include nested too deep`);
        const paths = expandGlob(join(dirname(file), rec.path));
        if (paths.length === 0) throw new Error(`${file}:${rec.line}: include '${rec.path}' matches no file`);
        for (const p of paths) visit(p, readFileSync(p, 'utf8'), depth + 1);
        continue;
      }
      items.push({ seq: items.length, file, rec });
    }
  };
  visit(path, text ?? readFileSync(path, 'utf8'), 0);
  return items;
}

/** The test files under the given paths: files as given, directories searched for *.slt / *.test. */
export function collectFiles(paths: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (p: string) => {
    if (statSync(p).isDirectory()) {
      for (const f of readdirSync(p).sort()) {
        const q = join(p, f);
        if (statSync(q).isDirectory()) walk(q);
        else if (/\.(slt|test|sqllogictest)$/.test(f)) out.push(q);
      }
    } else out.push(p);
  };
  for (const p of paths) walk(p);
  return out;
}

// ---- rules -----------------------------------------------------------------------------------

export function skipReason(conds: SltRecord['conditions']): string | undefined {
  for (const c of conds) {
    if (c.kind === 'skipif' && ENGINE_NAMES.has(c.engine)) return `skipif ${c.engine}`;
    if (c.kind === 'onlyif' && !ENGINE_NAMES.has(c.engine)) return `onlyif ${c.engine}`;
  }
  return undefined;
}

const VENDOR_NOOP = [
  /^flush$/i,
  /^set\s+(session\s+)?(streaming_\w+|rw_\w+|implicit_flush|enable_two_phase_agg|upsert_dml|background_ddl|sink_decouple)\b/i,
];
const MATERIALIZE_ONLY = /^(create|drop|alter)\s+(cluster|secret|connection)\b|^set\s+cluster\b|^subscribe\b/i;

/** 'noop': accept without running (RisingWave session statements); 'skip': another vendor's syntax. */
export function vendorAction(sql: string): { action: 'noop' | 'skip'; reason: string } | undefined {
  const s = sql.replace(/--[^\n]*/g, '').trim().replace(/;\s*$/, '').trim();
  if (VENDOR_NOOP.some((re) => re.test(s))) return { action: 'noop', reason: 'RisingWave session statement (ignored)' };
  if (MATERIALIZE_ONLY.test(s)) return { action: 'skip', reason: 'Materialize-only statement' };
  return undefined;
}

/** Does an error satisfy `statement error <regex>`? The regex may match the message or the SQLSTATE. */
export function errorMatches(err: ExecError, regex: string | undefined): boolean {
  if (!regex) return true;
  const texts = [err.message, `${err.code ?? ''}: ${err.message}`, err.code ?? ''];
  try {
    const re = new RegExp(regex);
    return texts.some((t) => re.test(t));
  } catch {
    return texts.some((t) => t.includes(regex));
  }
}

export function errorReason(e: ExecError): string {
  return e.code ? `${e.code}: ${e.message}` : `internal error: ${e.message}`;
}

export function styleFor(file: string): FormatStyle {
  return file.endsWith('.test') ? 'sqlite' : 'pg';
}

// ---- the run ---------------------------------------------------------------------------------

export type Outcome = { ok: true; result: ExecResult } | { ok: false; error: ExecError };

export class FileRunner {
  protected driver!: Driver;
  protected hashThreshold = 0;
  protected substitution = false;
  protected vars = new Map<string, string>();
  protected defaultSort: QueryRecord['sort'];
  protected labels = new Map<string, string>();
  protected readonly result: FileResult;
  protected readonly style: FormatStyle;
  protected readonly shownFile: string;
  /** Whether the default connection is inside BEGIN … COMMIT (tracked from the SQL text). */
  protected inBlock = false;
  private testDir: string | undefined;

  constructor(
    readonly path: string,
    readonly items: readonly Item[],
    readonly opts: RunOptions,
  ) {
    this.shownFile = relative(opts.baseDir ?? process.cwd(), path) || path;
    this.result = { file: this.shownFile, passed: 0, failed: 0, skipped: 0, failures: [], skips: {}, ms: 0 };
    this.style = styleFor(path);
  }

  protected async open(): Promise<void> {
    this.driver = await openDriver(this.opts.via);
  }

  async run(): Promise<FileResult> {
    const t0 = performance.now();
    await this.open();
    try {
      for (const item of this.items) {
        this.opts.onItem?.(item.seq, item.rec.line, item.file);
        const excluded = this.opts.exclude?.get(item.seq);
        if (excluded !== undefined) {
          this.record(item, 'fail', excluded, this.sqlOf(item.rec));
          continue;
        }
        if ((await this.execItem(item)) === 'halt') break;
      }
    } finally {
      await this.driver.close().catch(() => {});
    }
    this.result.ms = performance.now() - t0;
    return this.result;
  }

  protected sqlOf(rec: SltRecord): string | undefined {
    return rec.kind === 'statement' || rec.kind === 'query' || rec.kind === 'let' ? rec.sql : undefined;
  }

  protected record(item: Item, status: Status, reason?: string, sql?: string, expected?: string[], actual?: string[]): void {
    const r = this.result;
    if (status === 'pass') r.passed++;
    else if (status === 'skip') {
      r.skipped++;
      const key = reason ?? 'skipped';
      r.skips[key] = (r.skips[key] ?? 0) + 1;
    } else {
      r.failed++;
      const f: RecordResult = { file: relative(this.opts.baseDir ?? process.cwd(), item.file) || item.file, line: item.rec.line, seq: item.seq, status };
      if (reason !== undefined) f.reason = reason;
      if (sql !== undefined) f.sql = sql;
      if (expected) f.expected = expected.join('\n');
      if (actual) f.actual = actual.join('\n');
      r.failures.push(f);
    }
  }

  protected substitute(sql: string): string {
    if (!this.substitution) return sql;
    return sql.replace(/\\\$|\$\{(\w+)\}|\$(\w+)/g, (m, a: string | undefined, b: string | undefined) => {
      if (m === '\\$') return '$';
      const name = (a ?? b)!;
      if (name === '__NOW__') return String(BigInt(Date.now()) * 1_000_000n);
      if (name === '__DATABASE__') return 'slt';
      if (name === '__TEST_DIR__') return (this.testDir ??= mkdtempSync(join(tmpdir(), 'tributary-slt-'))); // a scratch directory, as in sqllogictest-rs
      return this.vars.get(name) ?? m;
    });
  }

  protected async conn(rec: SltRecord): Promise<Connection> {
    return this.driver.connection(rec.connection ?? 'default');
  }

  /** Run SQL, turning every exception (also a crash inside the engine) into an outcome. */
  protected async exec(conn: Connection, sql: string): Promise<Outcome> {
    try {
      return { ok: true, result: await conn.run(sql) };
    } catch (e) {
      return { ok: false, error: toExecError(e) };
    }
  }

  protected trackBlock(rec: SltRecord, sql: string, ok: boolean): void {
    if (!ok || (rec.connection ?? 'default') !== 'default') return;
    const s = sql.trim().toLowerCase();
    if (/^(begin|start\s+transaction)\b/.test(s)) this.inBlock = true;
    // ROLLBACK TO keeps the block, and so does … AND CHAIN (a new one starts at once)
    else if (/^(commit|end|rollback|abort)\b/.test(s) && !/^rollback\s+to\b/.test(s) && !/\band\s+chain\s*;?$/.test(s)) this.inBlock = false;
  }

  /** Returns 'halt' to stop the file. */
  protected async execItem(item: Item): Promise<'halt' | void> {
    const rec = item.rec;
    const skip = skipReason(rec.conditions);
    switch (rec.kind) {
      case 'halt':
        return skip ? undefined : 'halt';
      case 'hash-threshold':
        this.hashThreshold = rec.threshold;
        return;
      case 'control':
        if (skip) return;
        if (rec.key === 'substitution') this.substitution = rec.value === 'on';
        else if (rec.key === 'sortmode') this.defaultSort = rec.value as QueryRecord['sort'];
        return;
      case 'sleep':
        if (!skip && rec.ms > 0) await new Promise((r) => setTimeout(r, Math.min(rec.ms, this.opts.maxSleepMs ?? Infinity)));
        return;
      case 'include':
        return; // expanded by loadItems
      case 'system':
        this.record(item, 'skip', 'system command (never run)');
        return;
    }
    if (skip) {
      this.record(item, 'skip', skip);
      return;
    }
    if (rec.kind === 'let') {
      const sql = this.substitute(rec.sql);
      const out = await this.exec(await this.conn(rec), sql);
      if (!out.ok) return this.record(item, 'fail', errorReason(out.error), sql);
      const row = out.result.rows[0];
      if (!row) return this.record(item, 'fail', 'let: the query returned no row', sql);
      rec.vars.forEach((v, k) => this.vars.set(v, row[k] ?? 'NULL'));
      return this.record(item, 'pass');
    }
    const sql = this.substitute(rec.sql);
    const vendor = vendorAction(sql);
    if (vendor) return this.record(item, vendor.action === 'noop' ? 'pass' : 'skip', vendor.action === 'skip' ? vendor.reason : undefined);
    if (rec.kind === 'statement') return this.execStatement(item, rec, sql);
    return this.execQuery(item, rec, sql);
  }

  protected async execStatement(item: Item, rec: StatementRecord, sql: string): Promise<void> {
    const out = await this.exec(await this.conn(rec), sql);
    this.trackBlock(rec, sql, out.ok);
    this.judgeStatement(item, rec, sql, out);
  }

  protected judgeStatement(item: Item, rec: StatementRecord, sql: string, out: Outcome): void {
    const ex = rec.expect;
    if (ex.type === 'error') {
      if (out.ok) return this.record(item, 'fail', 'expected an error', sql);
      if (this.opts.checkErrorText !== false && !errorMatches(out.error, ex.regex)) {
        return this.record(item, 'fail', `error text does not match /${ex.regex}/`, sql, [ex.regex ?? ''], [errorReason(out.error)]);
      }
      return this.record(item, 'pass');
    }
    if (!out.ok) return this.record(item, 'fail', errorReason(out.error), sql);
    if (ex.type === 'count' && out.result.rowCount !== ex.count) {
      return this.record(item, 'fail', 'wrong count', sql, [String(ex.count)], [String(out.result.rowCount)]);
    }
    this.record(item, 'pass');
  }

  protected async execQuery(item: Item, rec: QueryRecord, sql: string): Promise<void> {
    const out = await this.exec(await this.conn(rec), sql);
    this.trackBlock(rec, sql, out.ok);
    this.judgeQuery(item, rec, sql, out);
  }

  /** Compare a query's outcome with the record; returns whether it passed. */
  protected judgeQuery(item: Item, rec: QueryRecord, sql: string, out: Outcome, sortOverride?: QueryRecord['sort']): boolean {
    if (rec.error) {
      if (out.ok) {
        this.record(item, 'fail', 'expected an error', sql);
        return false;
      }
      if (this.opts.checkErrorText !== false && !errorMatches(out.error, rec.error.regex)) {
        this.record(item, 'fail', `error text does not match /${rec.error.regex}/`, sql, [rec.error.regex ?? ''], [errorReason(out.error)]);
        return false;
      }
      this.record(item, 'pass');
      return true;
    }
    if (!out.ok) {
      this.record(item, 'fail', errorReason(out.error), sql);
      return false;
    }
    const r2 = { ...rec, sort: sortOverride ?? rec.sort ?? this.defaultSort };
    const rows = out.result.rows;
    if (rec.expected.length === 0 && rec.label && this.labels.has(rec.label) && rows.length > 0) {
      // a labelled query without results must agree with the earlier one of that label
      r2.expected = this.labels.get(rec.label)!.split('\n');
    }
    const diff = compareResult(r2, rows, { style: this.style });
    if (diff) {
      this.record(item, 'fail', 'wrong result', sql, r2.expected, diff);
      return false;
    }
    if (rec.label && !this.labels.has(rec.label) && rec.expected.length) this.labels.set(rec.label, rec.expected.join('\n'));
    this.record(item, 'pass');
    return true;
  }
}

export async function runFile(path: string, opts: RunOptions, text?: string): Promise<FileResult> {
  let items: Item[];
  try {
    items = loadItems(path, text);
  } catch (e) {
    return wholeFileFailure(path, opts, path, (e as { line?: number }).line ?? 0, 0, `cannot load: ${(e as Error).message}`, 0);
  }
  if (opts.incremental) {
    const { runIncremental } = await import('./incremental.js');
    return runIncremental(path, items, opts);
  }
  return new FileRunner(path, items, opts).run();
}

/** One line for a failed record: file:line, reason, the SQL, expected vs actual, shortened. */
/** The result of a file that could not be run: one failure at `file:line`. */
export function wholeFileFailure(path: string, opts: RunOptions, file: string, line: number, seq: number, reason: string, ms: number): FileResult {
  const shown = (f: string) => relative(opts.baseDir ?? process.cwd(), f) || f;
  return { file: shown(path), passed: 0, failed: 1, skipped: 0, failures: [{ file: shown(file), line, seq, status: 'fail', reason }], skips: {}, ms };
}

export function failureLine(f: RecordResult): string {
  let s = `${f.file}:${f.line}: ${shorten(f.reason ?? 'failed', 120)}`;
  if (f.sql) s += ` | ${shorten(f.sql, 160)}`;
  if (f.expected !== undefined || f.actual !== undefined) {
    s += ` | expected: ${shorten(f.expected ?? '', 80)} | actual: ${shorten(f.actual ?? '', 80)}`;
  }
  return s;
}

/** The final line CI reads: `N passed, M failed[, K skipped]`. */
export function summaryLine(passed: number, failed: number, skipped: number): string {
  return `${passed} passed, ${failed} failed` + (skipped > 0 ? `, ${skipped} skipped` : '');
}

export type { Cell };
