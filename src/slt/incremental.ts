// Incremental mode (`--incremental`), the method Feldera uses on SQLite's corpus: every query
// of a file is also answered by a materialized view that was created before the data arrived
// and has been maintained through the file's changes since.
//
// Pass 1 runs the file in batch mode on one database and remembers, per query record, whether
// it ran without error and (when the expected result is an ordered hash, which a view cannot
// reproduce) its verified rows; per statement, whether it succeeded.
//
// Pass 2 replays the file on a fresh database. Candidate queries are the SELECT / WITH /
// VALUES queries that ran without error in pass 1, have no LIMIT/OFFSET/FETCH (a view has no
// order, so those are skipped with that reason) and use no `$` substitution. For each candidate
// `CREATE MATERIALIZED VIEW slt_iv_<seq> (c1, …) AS <query>` is attempted at the start of the file and
// again after every CREATE statement that makes a relation whose name the query mentions, so a
// view exists as soon as the relations it reads do (before their data, in SQLite's files and
// most of RisingWave's). A candidate that can be created before any relation exists reads no
// table: it is run as a plain query. A `0A000` refusal makes the record skipped ("cannot be
// maintained incrementally"), never passed. Statements run as in batch mode, except:
//  - a plain multi-row `INSERT … VALUES` that succeeded in pass 1 is split into up to three
//    statements, so the views see the data arrive in several transactions;
//  - a statement that fails in pass 2 but succeeded in pass 1, or failed there with another
//    SQLSTATE, is in conflict with one of our views (a `DROP` of a relation a view depends on;
//    a write our engine rejects because a view's query would fail on it, maybe before the
//    file's own view fails on it): the live, unchecked views naming the dropped relation —
//    or, failing that, all of them — are dropped and the statement retried. Views dropped for a
//    write are created again right after it; those over a dropped relation when a relation of
//    that name is created again. Either way they count as "late".
// A query inside a transaction block runs as a plain query: views can be neither created nor
// dropped there (the refusal would abort the file's block).
// At the query's own record the view is read (`SELECT * FROM slt_iv_<seq>`) and compared with
// the expected result as a multiset (rowsort; valuesort stays valuesort); where the expected
// result is a hash of ordered values, the view is compared with the rows pass 1 verified.
// Then the view is dropped. Files with many queries are replayed once per chunk of
// VIEWS_PER_REPLAY views (each replay on a fresh database; the first also counts the other
// records). A candidate whose view does not exist by then is created at its
// record (a hydration check only; counted in `feeds.late`). Each checked view's count of
// transactions since its creation is reported (`feeds`: none / 1–2 / ≥3).

import type { QueryRecord, StatementRecord } from './parser.js';
import { sameRows } from './format.js';
import { FileRunner, errorReason, skipReason, vendorAction, type FileResult, type Item, type Outcome, type RunOptions, type Status } from './runner.js';
import type { Cell } from './format.js';

interface BatchInfo {
  /** query: ran without error; statement: succeeded. */
  ok: boolean;
  /** A statement that failed: its SQLSTATE. */
  code?: string;
  /** Verified rows of a query whose expected result is an ordered hash. */
  rows?: Cell[][];
  /** A query's number of columns (the view gets a column list: queries may repeat names). */
  columns?: number;
}

const HASHED = /^\d+ values hashing to [0-9a-f]{32}$/;

/** Pass 1: batch mode, remembering each record's outcome. */
class RecordingRunner extends FileRunner {
  readonly info = new Map<number, BatchInfo>();
  protected override async execStatement(item: Item, rec: StatementRecord, sql: string): Promise<void> {
    const out = await this.exec(await this.conn(rec), sql);
    this.trackBlock(rec, sql, out.ok);
    this.info.set(item.seq, { ok: out.ok, code: out.ok ? undefined : out.error.code });
    this.judgeStatement(item, rec, sql, out);
  }
  protected override async execQuery(item: Item, rec: QueryRecord, sql: string): Promise<void> {
    const out = await this.exec(await this.conn(rec), sql);
    this.trackBlock(rec, sql, out.ok);
    const passed = this.judgeQuery(item, rec, sql, out);
    const info: BatchInfo = { ok: out.ok };
    if (out.ok) info.columns = out.result.columns;
    const orderedHash = (rec.sort ?? this.defaultSort ?? 'nosort') === 'nosort' && rec.expected.length === 1 && HASHED.test(rec.expected[0]);
    if (passed && orderedHash && out.ok) info.rows = out.result.rows;
    this.info.set(item.seq, info);
  }
}

/** Split a plain `INSERT INTO t [(cols)] VALUES (…), (…), …` into up to `parts` statements. */
export function splitInsert(sql: string, parts = 3): string[] | undefined {
  const text = sql.trim().replace(/;\s*$/, '');
  const head = /^insert\s+into\s+[\w."]+(\s*\([^()]*\))?\s*values\s*/i.exec(text);
  if (!head) return undefined;
  const tuples: string[] = [];
  let i = head[0].length;
  while (i < text.length) {
    if (text[i] !== '(') return undefined;
    let depth = 0;
    const start = i;
    for (; i < text.length; i++) {
      const c = text[i];
      if (c === "'" || c === '"') {
        const q = c;
        for (i++; i < text.length; i++) {
          if (text[i] === q) {
            if (text[i + 1] === q) i++;
            else break;
          }
        }
      } else if (c === '(') depth++;
      else if (c === ')' && --depth === 0) break;
    }
    if (depth !== 0 || i >= text.length) return undefined;
    tuples.push(text.slice(start, ++i));
    while (/\s/.test(text[i] ?? '')) i++;
    if (i >= text.length) break;
    if (text[i] !== ',') return undefined; // ON CONFLICT, RETURNING, …: leave the statement whole
    i++;
    while (/\s/.test(text[i] ?? '')) i++;
  }
  if (tuples.length < 2) return undefined;
  const n = Math.min(parts, tuples.length);
  const prefix = text.slice(0, head[0].length);
  const out: string[] = [];
  for (let k = 0; k < n; k++) {
    const from = Math.floor((k * tuples.length) / n);
    const to = Math.floor(((k + 1) * tuples.length) / n);
    out.push(prefix + tuples.slice(from, to).join(', '));
  }
  return out;
}

const isQueryText = (sql: string) => /^\s*(\(\s*)*(select|with|values|table)\b/i.test(sql);
const LIMITED = /\b(limit|offset|fetch)\b/i;
const DML = /^\s*(insert|update|delete|merge|truncate|copy)\b/i;
const CREATES = /^\s*create\s+(?:or\s+replace\s+)?(?:(?:temp|temporary|unlogged)\s+)?(?:materialized\s+)?(?:table|view|source)\s+(?:if\s+not\s+exists\s+)?([\w."]+)/i;
const DROPS = /^\s*drop\s+(?:materialized\s+)?(?:table|view|source)\s+(?:if\s+exists\s+)?([\w."]+)/i;
const relName = (s: string) => s.replace(/"/g, '').split('.').pop()!.toLowerCase();
const words = (sql: string) => new Set((sql.toLowerCase().match(/[a-z_][a-z0-9_$]*/g) ?? []));

type ViewState = 'pending' | 'live' | 'refused' | 'plain' | 'checked';

interface Candidate {
  seq: number;
  sql: string;
  state: ViewState;
  reason?: string;
  /** Transactions committed when the view was created. */
  createdAt: number;
  late: boolean;
  words: Set<string>;
  columns: number;
}

class IncrementalRunner extends FileRunner {
  private readonly cands = new Map<number, Candidate>();
  /** candidates by the words they mention, to find those a new relation may unblock */
  private readonly byWord = new Map<string, Candidate[]>();
  /** Transactions committed so far (autocommit DML statements and COMMITs). */
  private txns = 0;
  readonly feeds = { none: 0, few: 0, many: 0, late: 0 };

  /**
   * `owned`: the candidates this replay creates and checks (a chunk of them, see
   * runIncremental). Only the `primary` replay counts the other records.
   */
  constructor(
    path: string,
    items: readonly Item[],
    opts: RunOptions,
    private readonly batch: Map<number, BatchInfo>,
    private readonly all: ReadonlySet<number>,
    owned: ReadonlySet<number>,
    private readonly primary: boolean,
  ) {
    super(path, items, opts);
    for (const it of items) {
      if (!owned.has(it.seq)) continue;
      const rec = it.rec as QueryRecord;
      const b = batch.get(it.seq)!;
      const c: Candidate = {
        columns: b.columns!,
        seq: it.seq,
        sql: rec.sql.trim().replace(/;\s*$/, ''),
        state: 'pending',
        createdAt: 0,
        late: false,
        words: words(rec.sql),
      };
      this.cands.set(it.seq, c);
      for (const w of c.words) {
        let l = this.byWord.get(w);
        if (!l) this.byWord.set(w, (l = []));
        l.push(c);
      }
    }
  }

  /** Count a record only in the replay responsible for it. */
  protected override record(item: Item, status: Status, reason?: string, sql?: string, expected?: string[], actual?: string[]): void {
    if (this.cands.has(item.seq) || (this.primary && !this.all.has(item.seq))) super.record(item, status, reason, sql, expected, actual);
  }

  private viewName(seq: number): string {
    return `slt_iv_${seq}`;
  }

  private createSql(c: Candidate): string {
    const cols = Array.from({ length: c.columns }, (_, k) => `c${k + 1}`).join(', ');
    return `CREATE MATERIALIZED VIEW ${this.viewName(c.seq)} (${cols}) AS ${c.sql}`;
  }

  private async tryCreate(c: Candidate, first: boolean): Promise<void> {
    const out = await this.exec(await this.driver.connection('default'), this.createSql(c));
    if (out.ok) {
      if (first) {
        // reads no table: nothing to maintain, run it as a plain query
        await this.exec(await this.driver.connection('default'), `DROP MATERIALIZED VIEW ${this.viewName(c.seq)}`);
        c.state = 'plain';
        return;
      }
      c.state = 'live';
      c.createdAt = this.txns;
    } else if (out.error.code === '0A000') {
      c.state = 'refused';
      c.reason = `cannot be maintained incrementally: ${out.error.message}`;
    }
  }

  /** Create the pending views whose text mentions `name` (all pending ones when name is undefined). */
  private async createPending(after: number, name?: string, first = false): Promise<void> {
    if (this.inBlock) return; // our DDL would commit the file's open transaction
    const list = name === undefined ? [...this.cands.values()] : (this.byWord.get(name) ?? []);
    for (const c of list) if (c.state === 'pending' && c.seq > after) await this.tryCreate(c, first);
  }

  /** Drop live, unchecked views (those mentioning `word`, or all); they become pending again. */
  private async dropLive(word?: string): Promise<Candidate[]> {
    const dropped: Candidate[] = [];
    for (const c of word === undefined ? this.cands.values() : (this.byWord.get(word) ?? [])) {
      if (c.state !== 'live') continue;
      await this.exec(await this.driver.connection('default'), `DROP MATERIALIZED VIEW IF EXISTS ${this.viewName(c.seq)}`);
      c.state = 'pending';
      c.late = true;
      dropped.push(c);
    }
    return dropped;
  }

  override async run(): Promise<FileResult> {
    const r = await super.run();
    r.feeds = this.feeds;
    return r;
  }

  protected override async open(): Promise<void> {
    await super.open();
    await this.createPending(-1, undefined, true);
  }

  protected override async execStatement(item: Item, rec: StatementRecord, sql: string): Promise<void> {
    const conn = await this.conn(rec);
    const batchOk = this.batch.get(item.seq)?.ok ?? false;
    const batchCode = this.batch.get(item.seq)?.code;
    const parts = rec.expect.type === 'ok' && batchOk ? (splitInsert(sql) ?? [sql]) : [sql];
    let out: Outcome = { ok: false, error: { message: 'not run' } };
    let done = 0;
    const dropName = DROPS.exec(sql)?.[1];
    const dropped: Candidate[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      for (; done < parts.length; done++) {
        out = await this.exec(conn, parts[done]);
        if (!out.ok) break;
        if (DML.test(parts[done]) && !this.inBlock) this.txns++;
      }
      // our views in the way: a write that succeeded in batch mode fails, or one that failed
      // there fails for another reason here (one of our views failing first)
      const inTheWay = !out.ok && (batchOk || (batchCode !== undefined && out.error.code !== batchCode));
      if (!inTheWay || attempt === 2) break;
      // succeeded in batch mode: one of our views is in the way. First those naming the dropped
      // relation, then all of them.
      if (attempt === 0 && dropName === undefined) attempt++;
      const d = await this.dropLive(attempt === 0 ? relName(dropName!) : undefined);
      dropped.push(...d);
      if (d.length === 0 && attempt > 0) break;
    }
    // views dropped for a write are created again at once (after it); those over a dropped
    // relation wait for a relation of that name to be created again
    const asInBatch = out.ok || (!batchOk && out.error.code === batchCode);
    if (asInBatch && dropName === undefined) for (const c of dropped) if (c.state === 'pending') await this.tryCreate(c, false);
    const wasBlock = this.inBlock;
    this.trackBlock(rec, sql, out.ok);
    if (wasBlock && !this.inBlock && /^\s*(commit|end)\b/i.test(sql)) this.txns++;
    this.judgeStatement(item, rec, parts.length > 1 ? sql : parts[0], out);
    if (out.ok) {
      const m = CREATES.exec(sql);
      if (m) {
        await this.createPending(item.seq, relName(m[1]));
      }
    }
  }

  protected override async execQuery(item: Item, rec: QueryRecord, sql: string): Promise<void> {
    const c = this.cands.get(item.seq);
    if (!c && (this.all.has(item.seq) || !this.primary)) return; // another replay's record
    // inside a transaction block a view cannot be created or dropped (our DDL is refused
    // there, and the refusal aborts the block): the query runs as it is
    if (!c || c.state === 'plain' || this.inBlock) {
      // a LIMIT query that ran in batch mode cannot be a view; one that failed fails here too
      if (!rec.error && LIMITED.test(rec.sql) && isQueryText(rec.sql) && this.batch.get(item.seq)?.ok) {
        return this.record(item, 'skip', 'LIMIT/OFFSET: a view has no order');
      }
      return super.execQuery(item, rec, sql);
    }
    if (c.state === 'refused') return this.record(item, 'skip', c.reason);
    if (c.state === 'pending') {
      c.late = true;
      await this.tryCreate(c, false);
      const st = c.state as ViewState;
      if (st === 'refused') return this.record(item, 'skip', c.reason);
      if (st !== 'live') {
        // the batch query ran; its view cannot be created: report the error
        const out = await this.exec(await this.driver.connection('default'), this.createSql(c));
        return this.record(item, 'fail', out.ok ? 'view creation failed' : errorReason(out.error), sql);
      }
    }
    const conn = await this.driver.connection('default');
    const out = await this.exec(conn, `SELECT * FROM ${this.viewName(c.seq)}`);
    const fed = this.txns - c.createdAt;
    if (c.late) this.feeds.late++;
    else if (fed === 0) this.feeds.none++;
    else if (fed < 3) this.feeds.few++;
    else this.feeds.many++;
    const verified = this.batch.get(item.seq)?.rows;
    if (verified && out.ok) {
      if (sameRows(out.result.rows, verified, rec.types, this.style)) this.record(item, 'pass');
      else this.record(item, 'fail', 'wrong result (view differs from the batch result)', sql, rec.expected, [`${out.result.rows.length} rows`]);
    } else {
      this.judgeQuery(item, rec, sql, out, rec.sort === 'valuesort' ? 'valuesort' : 'rowsort');
    }
    c.state = 'checked';
    await this.exec(conn, `DROP MATERIALIZED VIEW IF EXISTS ${this.viewName(c.seq)}`);
  }
}

/** The queries pass 2 answers from views: those that ran in pass 1 and can be a view's query. */
function candidates(items: readonly Item[], batch: Map<number, BatchInfo>): number[] {
  const out: number[] = [];
  for (const it of items) {
    const rec = it.rec;
    if (rec.kind !== 'query' || rec.error || skipReason(rec.conditions) || rec.connection) continue;
    if (!isQueryText(rec.sql) || rec.sql.includes('$') || LIMITED.test(rec.sql)) continue;
    const b = batch.get(it.seq);
    if (b?.ok && b.columns) out.push(it.seq);
  }
  return out;
}

/**
 * Views alive at once in one replay. Creating or dropping a view costs time in proportion to
 * the operators of all views (the circuit keeps one sorted list), so a file with 14,000
 * queries is replayed in chunks, each on a fresh database with its share of the views.
 */
export const VIEWS_PER_REPLAY = Number(process.env.TRIBUTARY_SLT_VIEWS) || 250;

export async function runIncremental(path: string, items: Item[], opts: RunOptions): Promise<FileResult> {
  const t0 = performance.now();
  // both passes report progress with the same numbering, so the watchdog can exclude a record from both
  const pass1 = new RecordingRunner(path, items, { ...opts, incremental: false });
  await pass1.run();
  const cands = candidates(items, pass1.info);
  const all = new Set(cands);
  let result: FileResult | undefined;
  const per = opts.viewsPerReplay ?? VIEWS_PER_REPLAY;
  for (let k = 0; k === 0 || k < cands.length; k += per) {
    const owned = new Set(cands.slice(k, k + per));
    const r = await new IncrementalRunner(path, items, opts, pass1.info, all, owned, k === 0).run();
    if (!result) result = r;
    else {
      result.passed += r.passed;
      result.failed += r.failed;
      result.skipped += r.skipped;
      result.failures.push(...r.failures);
      for (const [key, n] of Object.entries(r.skips)) result.skips[key] = (result.skips[key] ?? 0) + n;
      for (const key of ['none', 'few', 'many', 'late'] as const) result.feeds![key] += r.feeds![key];
    }
  }
  result!.failures.sort((a, b) => a.seq - b.seq);
  result!.ms = performance.now() - t0;
  return result!;
}

export { vendorAction };
