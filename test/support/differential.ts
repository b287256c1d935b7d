// Differential testing against PostgreSQL: run the same statements on Tributary and on the
// oracle, and after every statement compare every materialized view with the oracle's answer
// to the view's query (the oracle keeps a plain VIEW, which is always current).
//
// Errors during view maintenance. A plain view fails only when it is read; Tributary keeps its
// views computable and rejects the write instead. So the oracle runs each write in a
// transaction and then reads every view; if a read fails it rolls back, and Tributary must
// have rejected the write with the same SQLSTATE (one of the failing views' codes) and changed
// nothing. In an explicit block the views are read before COMMIT; CREATE MATERIALIZED VIEW over
// data the view cannot compute must fail with the view's error. Tables are compared after
// every failed or transaction-ending statement and at `finish()`.
//
// Representatives. Where equal values print differently (1.5/1.50, 0/-0, '1 day'/'24:00:00'),
// GROUP BY, DISTINCT, set operations, min/max and DISTINCT aggregates print one of them.
// PostgreSQL's choice follows the order its plan reads rows: for a single table read by a
// sequential scan and hash aggregation that is creation order, which Tributary reproduces
// (GROUP BY/DISTINCT/INTERSECT/EXCEPT: the earliest-created row version still present, taken
// from the left input for set operations; min/max ties: the most recently created). A view
// declared with `ViewMeta` says which positions pick a representative (`picks`) and whether
// the shape is scan-ordered. It is compared exactly, except:
//  - a view that is not scan-ordered (joins, views, derived tables or subqueries in its input,
//    DISTINCT aggregates, or a plan with a Sort or a join when EXPLAINed on the oracle) may
//    differ in representation only, and only while one of its picks has a class of equal
//    values with more than one printed form present in the oracle (`ambiguous`);
//  - the same for a scan-ordered view when the oracle's heap no longer holds rows in creation
//    order (page pruning may reuse line pointers; checked with xmin/cmin against ctid order).
// Representation-only means equal after `canonical` (numbers without trailing zeros, -0 as 0,
// intervals as their total length).

import { Database } from '../../src/index.js';
import { Oracle, sortedRows } from './oracle.js';

export interface Mismatch {
  statement: string;
  what: string;
  ours: unknown;
  theirs: unknown;
}

/** What the comparison needs to know about a view's representatives (see the header). */
export interface ViewMeta {
  /** Queries returning (as column x) each set of values a representative is picked from. */
  picks: string[];
  /** PostgreSQL's picks follow creation order (a single table, hashing, no sort). */
  ordered: boolean;
}

interface Outcome {
  rows: string[];
  /** SQLSTATE, or null */
  error: string | null;
  /** other SQLSTATEs that are as right (several views failing in one write) */
  alternatives?: string[];
}

/** Outcomes by statement kind and SQLSTATE, for tuning generators (PROPERTY_DEBUG). */
export const differentialStats = new Map<string, number>();

type Kind = 'begin' | 'commit' | 'rollback' | 'rollbackTo' | 'write' | 'read' | 'createMv' | 'dropMv' | 'other';

function kindOf(sql: string): Kind {
  const s = sql.trim().toLowerCase();
  if (/;\s*\S/.test(s)) return 'other'; // several statements: run as they are
  if (/^(begin|start\s+transaction)\b/.test(s)) return 'begin';
  if (/^(commit|end)\b/.test(s)) return 'commit';
  if (/^rollback\s+(work\s+|transaction\s+)?to\b/.test(s)) return 'rollbackTo';
  if (/^(rollback|abort)\b/.test(s)) return 'rollback';
  if (/^(insert|update|delete|truncate)\b/.test(s)) return 'write';
  if (/^(select|values|with|table)\b/.test(s)) return /\b(insert|update|delete)\b/.test(s) ? 'write' : 'read';
  if (/^create\s+materialized\s+view\b/.test(s)) return 'createMv';
  if (/^drop\s+materialized\s+view\b/.test(s)) return 'dropMv';
  return 'other';
}

export class Differential {
  private views: string[] = [];
  private tables: string[] = [];
  private readonly meta = new Map<string, ViewMeta & { lenient: boolean }>();
  /** Explicit transaction block on the oracle: open, and whether a statement failed in it. */
  private block: { aborted: boolean } | null = null;
  /** The harness's own transaction around an autocommit write is open on the oracle. */
  private ownTxn = false;
  /** View contents the oracle just read for the model, reused by the next comparison. */
  private lastReads: Map<string, Outcome> | null = null;
  constructor(
    readonly db: Database,
    readonly oracle: Oracle,
  ) {}

  static async create(oracle: Oracle): Promise<Differential> {
    return new Differential(await Database.open(), oracle);
  }

  /** Declare how the next CREATE MATERIALIZED VIEW of `name` picks representatives. */
  declareView(name: string, meta: ViewMeta): void {
    this.meta.set(name.toLowerCase(), { ...meta, lenient: meta.picks.length > 0 && !meta.ordered });
  }

  /**
   * Run one statement on both sides; returns mismatches (empty when they agree). `meta`: how a
   * CREATE MATERIALIZED VIEW or a read picks representatives (see the header).
   */
  async run(sql: string, meta?: ViewMeta): Promise<Mismatch[]> {
    const kind = kindOf(sql);
    this.lastReads = null;
    if (meta && kind === 'createMv') this.declareView(/^\s*create\s+materialized\s+view\s+(\w+)/i.exec(sql)![1], meta);
    const ours = await this.runOurs(sql);
    const theirs = await this.runTheirs(sql, kind);
    const stat = `${kind} ${theirs.error ?? 'ok'}`;
    differentialStats.set(stat, (differentialStats.get(stat) ?? 0) + 1);
    const out: Mismatch[] = [];
    const codeOk = ours.error === theirs.error || (ours.error !== null && (theirs.alternatives ?? []).includes(ours.error));
    if (!codeOk) out.push({ statement: sql, what: 'error code', ours: ours.error, theirs: theirs.error });
    else if (JSON.stringify(ours.rows) !== JSON.stringify(theirs.rows) && !(kind === 'read' && meta && (await this.readRepresentationOnly(sql, meta, ours.rows, theirs.rows))))
      out.push({ statement: sql, what: 'rows', ours: ours.rows, theirs: theirs.rows });
    if (!ours.error) this.track(sql);
    out.push(...(await this.checkViews(sql)));
    if (ours.error || theirs.error || kind === 'commit' || kind === 'rollback') out.push(...(await this.checkTables(sql)));
    this.lastReads = null;
    return out;
  }

  private async runOurs(sql: string): Promise<Outcome> {
    try {
      const r = await this.db.query(sql, [], { rowMode: 'array', format: 'text' });
      return { rows: sortedRows(r.rows as unknown as (string | null)[][]), error: null };
    } catch (e: any) {
      return { rows: [], error: e.code ?? String(e) };
    }
  }

  /** The oracle's outcome under Tributary's semantics of views (see the header). */
  private async runTheirs(sql: string, kind: Kind): Promise<Outcome> {
    const o = this.oracle;
    switch (kind) {
      case 'begin': {
        const r = await this.attempt(sql);
        if (!r.error && !this.block) this.block = { aborted: false };
        return r;
      }
      case 'commit': {
        if (this.block && !this.block.aborted) {
          const failed = await this.failingViews();
          if (failed.length) {
            await o.exec('ROLLBACK');
            this.block = null;
            return { rows: [], error: failed[0], alternatives: failed };
          }
        }
        const r = await this.attempt(sql);
        if (!/\band\s+chain\b/i.test(sql)) this.block = null;
        else if (this.block) this.block.aborted = false;
        return r;
      }
      case 'rollback': {
        const r = await this.attempt(sql);
        if (!/\band\s+chain\b/i.test(sql)) this.block = null;
        else if (this.block) this.block.aborted = false;
        return r;
      }
      case 'rollbackTo': {
        // a savepoint undoes the failure: the block is usable again
        const r = await this.attempt(sql);
        if (!r.error && this.block) this.block.aborted = false;
        return r;
      }
      case 'write': {
        if (this.block) return this.attempt(sql);
        await o.exec('BEGIN');
        this.ownTxn = true;
        try {
          const r = await this.attempt(sql);
          if (r.error) {
            await o.exec('ROLLBACK');
            return r;
          }
          const failed = await this.failingViews();
          await o.exec(failed.length ? 'ROLLBACK' : 'COMMIT');
          return failed.length ? { rows: [], error: failed[0], alternatives: failed } : r;
        } finally {
          this.ownTxn = false;
        }
      }
      case 'createMv': {
        const name = /^\s*create\s+materialized\s+view\s+(\w+)/i.exec(sql)![1].toLowerCase();
        const r = await this.attempt(sql.replace(/materialized\s+view/i, 'VIEW'));
        if (r.error) return r;
        const read = await this.attempt(`SELECT * FROM ${name}`, true);
        if (read.error) {
          await o.exec(`DROP VIEW ${name}`);
          return read;
        }
        await this.checkPlan(name);
        return r;
      }
      case 'dropMv':
        return this.attempt(sql.replace(/materialized\s+view/i, 'VIEW'));
      case 'other': {
        // the oracle's stand-in for a materialized view is a plain view, which has no indexes
        const ix = /^\s*create\s+index\s+(?:\w+\s+)?on\s+(\w+)/i.exec(sql);
        if (ix && this.views.includes(ix[1].toLowerCase())) return { rows: [], error: null };
        return this.attempt(sql);
      }
      default:
        return this.attempt(sql);
    }
  }

  /**
   * Run on the oracle. `protect`: inside a transaction, run in a savepoint, so that an error
   * leaves the transaction usable; otherwise an error inside a block aborts it, as in PostgreSQL.
   */
  private async attempt(sql: string, protect = false, keepOrder = false): Promise<Outcome> {
    const returnsRows = /^\s*(select|values|with|table|explain|execute)\b/i.test(sql) || /\breturning\b/i.test(sql);
    const savepoint = protect && (this.block !== null || this.ownTxn);
    if (savepoint) await this.oracle.exec('SAVEPOINT differential_check');
    try {
      const rows = returnsRows ? await this.oracle.rows(sql) : (await this.oracle.exec(sql), []);
      if (savepoint) await this.oracle.exec('RELEASE SAVEPOINT differential_check');
      return { rows: keepOrder ? rows.map((r) => JSON.stringify(r)) : sortedRows(rows), error: null };
    } catch (e: any) {
      if (savepoint) await this.oracle.exec('ROLLBACK TO SAVEPOINT differential_check');
      else if (this.block) this.block.aborted = true;
      return { rows: [], error: e.code ?? String(e) };
    }
  }

  /** SQLSTATEs of the views the oracle cannot read now (in its current transaction). */
  private async failingViews(): Promise<string[]> {
    const codes: string[] = [];
    const reads = new Map<string, Outcome>();
    for (const v of this.views) {
      const r = await this.attempt(`SELECT * FROM ${v}`, true);
      reads.set(v, r);
      if (r.error && !codes.includes(r.error)) codes.push(r.error);
    }
    this.lastReads = codes.length ? null : reads;
    return codes;
  }

  private track(sql: string): void {
    const mv = /^\s*create\s+materialized\s+view\s+(\w+)/i.exec(sql);
    if (mv) this.views.push(mv[1].toLowerCase());
    const t = /^\s*create\s+table\s+(?:if\s+not\s+exists\s+)?(\w+)/i.exec(sql);
    if (t) this.tables.push(t[1].toLowerCase());
    const drop = /^\s*drop\s+(materialized\s+view|view|table)\s+(if\s+exists\s+)?(\w+)/i.exec(sql);
    if (drop) {
      // CASCADE may take dependent views along: keep those Tributary still has
      this.views = this.views.filter((v) => v !== drop[3].toLowerCase() && this.db.engine.catalog.get(v) !== undefined);
      this.tables = this.tables.filter((v) => v !== drop[3].toLowerCase());
    }
  }

  /** A scan-ordered view whose oracle plan sorts or joins after all is compared leniently. */
  private async checkPlan(name: string): Promise<void> {
    const m = this.meta.get(name);
    if (!m || m.lenient || !m.picks.length) return;
    const plan = await this.oracle.json(`EXPLAIN (COSTS OFF, FORMAT JSON) SELECT * FROM ${name}`).catch(() => null);
    if (!plan || !scanOrderedPlan((plan as any)[0].Plan)) m.lenient = true;
  }

  /** Compare every materialized view with the oracle. */
  async checkViews(after: string): Promise<Mismatch[]> {
    const out: Mismatch[] = [];
    if (this.block?.aborted) return out;
    const reads = this.lastReads ?? new Map<string, Outcome>();
    for (const v of this.views) if (!reads.has(v)) reads.set(v, await this.attempt(`SELECT * FROM ${v}`, true));
    // In a block, views are compared only while the oracle can read them all: one it cannot
    // read is checked at COMMIT, and Tributary reads a view that depends on it through that
    // view's plan, where PostgreSQL may never evaluate the failing part (a constant-false
    // WHERE, an empty join input).
    if (this.block && [...reads.values()].some((r) => r.error)) return out;
    for (const v of this.views) {
      const theirs = reads.get(v)!;
      const ours = await this.readOurs(v);
      const theirsShown = theirs.error ? `error ${theirs.error}` : theirs.rows;
      if (JSON.stringify(ours) === JSON.stringify(theirsShown)) continue;
      if (typeof ours !== 'string' && !theirs.error && (await this.representationOnly(v, ours, theirs.rows))) continue;
      out.push({ statement: after, what: `view ${v}`, ours, theirs: theirsShown });
    }
    return out;
  }

  /** Compare every table with the oracle. */
  async checkTables(after: string): Promise<Mismatch[]> {
    const out: Mismatch[] = [];
    if (this.block?.aborted) return out;
    for (const t of this.tables) {
      const theirs = await this.attempt(`SELECT * FROM ${t}`, true);
      const ours = await this.readOurs(t);
      const theirsShown = theirs.error ? `error ${theirs.error}` : theirs.rows;
      if (JSON.stringify(ours) !== JSON.stringify(theirsShown)) out.push({ statement: after, what: `table ${t}`, ours, theirs: theirsShown });
    }
    return out;
  }

  private async readOurs(rel: string): Promise<string[] | string> {
    try {
      return sortedRows((await this.db.query(`SELECT * FROM ${rel}`, [], { rowMode: 'array', format: 'text' })).rows as unknown as (string | null)[][]);
    } catch (e: any) {
      return `error ${e.code}`;
    }
  }

  /** Whether the views' difference is one of representatives the rules above leave open. */
  private async representationOnly(view: string, ours: string[], theirs: string[]): Promise<boolean> {
    const m = this.meta.get(view);
    if (!m || !m.picks.length) return false;
    if (JSON.stringify(canonicalRows(ours)) !== JSON.stringify(canonicalRows(theirs))) return false;
    if (!m.lenient && (await this.heapInCreationOrder())) return false;
    return this.ambiguous(m.picks);
  }

  /** The same for an ad-hoc read (its plan checked now). */
  private async readRepresentationOnly(sql: string, meta: ViewMeta, ours: string[], theirs: string[]): Promise<boolean> {
    if (!meta.picks.length || JSON.stringify(canonicalRows(ours)) !== JSON.stringify(canonicalRows(theirs))) return false;
    let lenient = !meta.ordered;
    if (!lenient) {
      const plan = await this.oracle.json(`EXPLAIN (COSTS OFF, FORMAT JSON) ${sql}`).catch(() => null);
      lenient = !plan || !scanOrderedPlan((plan as any)[0].Plan);
    }
    if (!lenient && (await this.heapInCreationOrder())) return false;
    return this.ambiguous(meta.picks);
  }

  /** Some pick has a class of equal values with several printed forms present. */
  private async ambiguous(picks: string[]): Promise<boolean> {
    for (const p of picks) {
      const r = await this.attempt(`SELECT 1 FROM (${p}) p GROUP BY x HAVING count(DISTINCT CAST(x AS text)) > 1 LIMIT 1`, true);
      if (r.error || r.rows.length) return true;
    }
    return false;
  }

  /** Every table's sequential scan returns rows in the order they were created. */
  private async heapInCreationOrder(): Promise<boolean> {
    for (const t of this.tables) {
      const r = await this.attempt(`SELECT CAST(CAST(xmin AS text) AS bigint), CAST(CAST(cmin AS text) AS bigint) FROM ${t}`, true, true);
      if (r.error) return false;
      const rows = r.rows.map((x) => (JSON.parse(x) as string[]).map(Number));
      for (let i = 1; i < rows.length; i++) {
        const [x0, c0] = rows[i - 1];
        const [x1, c1] = rows[i];
        if (x1 < x0 || (x1 === x0 && c1 < c0)) return false;
      }
    }
    return true;
  }

  async runAll(stmts: string[]): Promise<Mismatch[]> {
    const out: Mismatch[] = [];
    for (const s of stmts) out.push(...(await this.run(s)));
    return out;
  }

  /** Final comparison of all tables (views are compared after every statement). */
  async finish(): Promise<Mismatch[]> {
    return this.checkTables('(end)');
  }
}

/**
 * A plan whose representatives follow creation order: sequential scans feeding at most one
 * hashing (or plain) aggregate or set operation, no sort, no join, no subplan.
 */
export function scanOrderedPlan(plan: any, belowPick = false): boolean {
  const type: string = plan['Node Type'];
  const picks = type === 'Aggregate' || type === 'SetOp';
  if (picks && (belowPick || !['Plain', 'Hashed'].includes(plan.Strategy))) return false;
  if (!['Seq Scan', 'Result', 'Subquery Scan', 'Append', 'Aggregate', 'SetOp'].includes(type)) return false;
  if (plan['Subplan Name'] || plan['Parent Relationship'] === 'SubPlan' || plan['Parent Relationship'] === 'InitPlan') return false;
  return (plan.Plans ?? []).every((p: any) => scanOrderedPlan(p, belowPick || picks));
}

/** A value's representation-insensitive form: numbers without trailing zeros, -0 as 0, intervals by length. */
export function canonical(v: string | null): string | null {
  if (v === null) return null;
  if (/^-?\d+(\.\d+)?$/.test(v)) {
    let s = v.includes('.') ? v.replace(/0+$/, '').replace(/\.$/, '') : v;
    if (/^-0*$/.test(s)) s = '0';
    return s;
  }
  if (/^-?\d+(\.\d+)?e[+-]?\d+$/i.test(v)) return String(Number(v) === 0 ? 0 : Number(v));
  const iv = intervalMicros(v);
  return iv === null ? v : `interval ${iv}`;
}

/** PostgreSQL's interval output (IntervalStyle postgres) as microseconds, months as 30 days. */
function intervalMicros(v: string): bigint | null {
  const m = /^(?:([+-]?\d+) years? ?)?(?:([+-]?\d+) mons? ?)?(?:([+-]?\d+) days? ?)?(?:([+-])?(\d+):(\d\d):(\d\d)(?:\.(\d{1,6}))?)?$/.exec(v);
  if (!m || v === '') return null;
  const [, y, mo, d, sign, h, mi, s, frac] = m;
  const day = 86_400_000_000n;
  let total = (BigInt(y ?? 0) * 12n + BigInt(mo ?? 0)) * 30n * day + BigInt(d ?? 0) * day;
  if (h !== undefined) {
    const t = ((BigInt(h) * 60n + BigInt(mi)) * 60n + BigInt(s)) * 1_000_000n + BigInt((frac ?? '').padEnd(6, '0') || '0');
    total += sign === '-' ? -t : t;
  }
  return total;
}

function canonicalRows(rows: string[]): string[] {
  return rows.map((r) => JSON.stringify((JSON.parse(r) as (string | null)[]).map(canonical))).sort();
}
