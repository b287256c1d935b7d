// Metamorphic checks: relations between queries that must hold on Tributary alone, so they
// need no oracle and may use what PostgreSQL cannot be compared with exactly.
//
// Ternary logic partitioning (TLP): for a query Q over FROM f [WHERE w] and any predicate p,
// Q's rows are the rows of Q with `AND p`, with `AND NOT p` and with `AND (p) IS NULL`
// together — as a multiset for a projection; for DISTINCT the same classes of equal rows (the
// representative of each is one of the partitions'); for an aggregate, counts and sums add
// up, min of mins and max of maxes (combined by a read over the partitions), compared up to
// representation (canonical()).
// NoREC: `SELECT e FROM f WHERE p` has exactly the rows of `SELECT e, (p) IS TRUE FROM f`
// whose last column is true: the predicate filtered (pushed down, decorrelated) against the
// same predicate evaluated per row in a select list.
//
// Incremental = fresh: every view of a group holds what an ad-hoc read of its query returns
// (exactly, representatives included, where they follow creation order: `scanOrdered`).
//
// A group of queries is checked as materialized views (named `<group>_<part>`, checked after
// every statement once all exist) and as ad-hoc reads (a statement `-- check <group>`).

import { Database } from '../../src/index.js';
import { canonical } from './differential.js';
import { sortedRows } from './oracle.js';

export interface MetaGroup {
  kind: 'proj' | 'distinct' | 'agg' | 'norec';
  /** select list (aliased c0, c1, …) */
  list: string;
  from: string;
  where?: string;
  p: string;
  /** GROUP BY list (agg) */
  groupBy?: string;
  /** for agg: how each output column combines over the partitions (key, sum, min, max) */
  combine?: ('key' | 'sum' | 'min' | 'max')[];
  /**
   * One table, no subquery: representatives follow creation order, so a view and a fresh read
   * of its query must print the same ones. Otherwise (joins, semi-joins) which one is printed
   * depends on the plan, in PostgreSQL too, and they are compared up to representation.
   */
  scanOrdered?: boolean;
}

export interface MetaFailure {
  group: string;
  how: 'views' | 'reads';
  what: string;
  detail: string;
}

const and = (w: string | undefined, p: string) => (w ? `(${w}) AND ${p}` : p);

/** The queries of a group, by part name. */
export function groupQueries(m: MetaGroup): Record<string, string> {
  const tail = m.groupBy ? ` GROUP BY ${m.groupBy}` : '';
  const sel = (where: string | undefined, extra = '') =>
    `SELECT ${m.kind === 'distinct' ? 'DISTINCT ' : ''}${m.list}${extra} FROM ${m.from}${where ? ` WHERE ${where}` : ''}${tail}`;
  if (m.kind === 'norec') return { f: sel(and(m.where, `(${m.p})`)), s: sel(m.where, `, ((${m.p}) IS TRUE) AS x`) };
  return { q: sel(m.where), t: sel(and(m.where, `(${m.p})`)), f: sel(and(m.where, `(NOT (${m.p}))`)), n: sel(and(m.where, `((${m.p}) IS NULL)`)) };
}

type Rows = string[];

/** How many checks ran and how many were skipped because Tributary refused a part (PROPERTY_DEBUG). */
export const metamorphicStats = { checked: 0, refused: 0, incomplete: 0, failedStatements: {} as Record<string, number> };

async function read(db: Database, sql: string): Promise<Rows | { error: string }> {
  try {
    return sortedRows((await db.query(sql, [], { rowMode: 'array', format: 'text' })).rows as unknown as (string | null)[][]);
  } catch (e: any) {
    return { error: `${e.code}: ${e.message}` };
  }
}

const canonRows = (rows: Rows) => rows.map((r) => JSON.stringify((JSON.parse(r) as (string | null)[]).map(canonical))).sort();
const same = (a: Rows, b: Rows) => JSON.stringify(a) === JSON.stringify(b);

/** Check a group given the SQL (a view name or a query) of each part; a failure description or null. */
export async function checkGroup(db: Database, m: MetaGroup, parts: Record<string, string>): Promise<{ what: string; detail: string } | null> {
  const got: Record<string, Rows> = {};
  const errors: Record<string, string> = {};
  for (const [k, sql] of Object.entries(parts)) {
    const r = await read(db, sql);
    if (Array.isArray(r)) got[k] = r;
    else errors[k] = r.error;
  }
  const failed = Object.values(errors);
  // refusals (0A000) are allowed; other errors must hit every part alike
  if (failed.some((e) => e.startsWith('0A000'))) {
    metamorphicStats.refused++;
    return null;
  }
  metamorphicStats.checked++;
  if (failed.length) {
    const codes = new Set(failed.map((e) => e.slice(0, 5)));
    if (failed.length === Object.keys(parts).length && codes.size === 1) return null;
    return { what: 'parts fail differently', detail: JSON.stringify(errors) };
  }
  const show = (x: unknown) => JSON.stringify(x).slice(0, 1500);
  if (m.kind === 'norec') {
    const filtered = got.s.filter((r) => (JSON.parse(r) as (string | null)[]).at(-1) === 't').map((r) => JSON.stringify((JSON.parse(r) as unknown[]).slice(0, -1))).sort();
    return same(got.f, filtered) ? null : { what: 'NoREC', detail: `WHERE p: ${show(got.f)}\np IS TRUE in the select list: ${show(filtered)}` };
  }
  const union = [...got.t, ...got.f, ...got.n].sort();
  if (m.kind === 'proj') return same(got.q, union) ? null : { what: 'TLP', detail: `Q: ${show(got.q)}\npartitions: ${show(union)}` };
  if (m.kind === 'distinct') {
    const classes = (rows: Rows) => [...new Set(canonRows(rows))].sort();
    if (!same(classes(got.q), classes(union))) return { what: 'TLP DISTINCT', detail: `Q: ${show(got.q)}\npartitions: ${show(union)}` };
    const missing = got.q.filter((r) => !union.includes(r));
    return missing.length ? { what: 'TLP DISTINCT representative', detail: `Q prints ${show(missing)}, no partition does: ${show(union)}` } : null;
  }
  // aggregate: combine the partitions with a read over them
  const cols = m.combine!;
  const names = cols.map((_, i) => `c${i}`);
  const unionSql = ['t', 'f', 'n'].map((k) => `SELECT * FROM (${parts[k].startsWith('SELECT') ? parts[k] : `SELECT * FROM ${parts[k]}`}) p_${k}`).join(' UNION ALL ');
  const keys = names.filter((_, i) => cols[i] === 'key');
  const combined = `SELECT ${names.map((n, i) => (cols[i] === 'key' ? n : `${cols[i]}(${n})`)).join(', ')} FROM (${unionSql}) u${keys.length ? ` GROUP BY ${keys.join(', ')}` : ''}`;
  const c = await read(db, combined);
  if (!Array.isArray(c)) return { what: 'combining read fails', detail: `${c.error}\n${combined}` };
  return same(canonRows(got.q), canonRows(c)) ? null : { what: 'TLP aggregate', detail: `Q: ${show(got.q)}\ncombined partitions: ${show(c)}` };
}

/** Each view of the group holds what an ad-hoc read of its query returns. */
async function checkFresh(db: Database, m: MetaGroup, views: Record<string, string>, exactScanOrdered: boolean): Promise<{ what: string; detail: string } | null> {
  const queries = groupQueries(m);
  for (const [k, view] of Object.entries(views)) {
    const maintained = await read(db, `SELECT * FROM ${view}`);
    const fresh = await read(db, queries[k]);
    if (!Array.isArray(fresh) && fresh.error.startsWith('0A000')) continue;
    if (JSON.stringify(maintained) === JSON.stringify(fresh)) continue;
    const exact = (m.scanOrdered && exactScanOrdered) || process.env.PROPERTY_FRESH_EXACT;
    if (exact || !Array.isArray(maintained) || !Array.isArray(fresh) || !same(canonRows(maintained), canonRows(fresh))) {
      return { what: 'incremental = fresh', detail: `view ${view}: ${JSON.stringify(maintained).slice(0, 1500)}\nits query read now: ${JSON.stringify(fresh).slice(0, 1500)}` };
    }
  }
  return null;
}

/**
 * Run statements on a fresh Tributary database, checking every group after every statement
 * (view groups once all their views exist; `-- check <group>` runs one ad-hoc). Statements
 * may fail (there is no oracle to agree with); a broken relation is what is reported.
 */
export async function runMetamorphic(
  stmts: string[],
  groups: Record<string, MetaGroup>,
  /** compare scan-ordered views with fresh reads exactly (representatives included) */
  exactScanOrdered = true,
): Promise<(MetaFailure & { at: number }) | null> {
  const db = await Database.open();
  try {
    for (let i = 0; i < stmts.length; i++) {
      const s = stmts[i];
      const check = /^-- check (\w+)$/.exec(s);
      if (check) {
        const m = groups[check[1]];
        const f = m && (await checkGroup(db, m, groupQueries(m)));
        if (f) return { group: check[1], how: 'reads', ...f, at: i };
        continue;
      }
      try {
        await db.query(s);
      } catch (e: any) {
        // statements may fail; the checks below must hold whatever happened
        const key = `${s.split(' ').slice(0, s.startsWith('CREATE') ? 3 : 1).join(' ')} ${e.code}`;
        metamorphicStats.failedStatements[key] = (metamorphicStats.failedStatements[key] ?? 0) + 1;
      }
      for (const [name, m] of Object.entries(groups)) {
        const parts = Object.fromEntries(Object.keys(groupQueries(m)).map((k) => [k, `${name}_${k}`]));
        if (!Object.values(parts).every((v) => db.engine.catalog.get(v) !== undefined)) {
          metamorphicStats.incomplete++;
          continue;
        }
        const f = (await checkGroup(db, m, parts)) ?? (await checkFresh(db, m, parts, exactScanOrdered));
        if (f) return { group: name, how: 'views', ...f, at: i };
      }
    }
    return null;
  } finally {
    await db.close();
  }
}

/** For regression tests: the statements must keep every group's relation. */
export async function metamorphic(stmts: string[], groups: Record<string, MetaGroup>): Promise<void> {
  const f = await runMetamorphic(stmts, groups);
  if (f) throw new Error(`${f.what} (group ${f.group}, ${f.how}) after ${JSON.stringify(stmts[f.at])}:\n${f.detail}`);
}
