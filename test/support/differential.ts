// Differential testing against PostgreSQL: run the same statements on Tributary and on the
// oracle, and after every statement compare every materialized view with the oracle's answer
// to the view's query (the oracle keeps a plain VIEW, which is always current).

import { Database } from '../../src/index.js';
import { Oracle, sortedRows } from './oracle.js';

export interface Mismatch {
  statement: string;
  what: string;
  ours: unknown;
  theirs: unknown;
}

export class Differential {
  private views: string[] = [];
  constructor(
    readonly db: Database,
    readonly oracle: Oracle,
  ) {}

  static async create(oracle: Oracle): Promise<Differential> {
    return new Differential(await Database.open(), oracle);
  }

  /** Run one statement on both sides; returns mismatches (empty when they agree). */
  async run(sql: string): Promise<Mismatch[]> {
    const isMv = /^\s*create\s+materialized\s+view\s+(\w+)/i.exec(sql);
    const oracleSql = isMv ? sql.replace(/materialized\s+view/i, 'VIEW') : sql;
    let ours: { rows: string[]; error: string | null };
    let theirs: { rows: string[]; error: string | null };
    try {
      const r = await this.db.query(sql, [], { rowMode: 'array', format: 'text' });
      ours = { rows: sortedRows(r.rows as unknown as (string | null)[][]), error: null };
    } catch (e: any) {
      ours = { rows: [], error: e.code ?? String(e) };
    }
    try {
      const returnsRows = /^\s*(select|values|with)\b/i.test(sql) || /\breturning\b/i.test(sql);
      const rows = returnsRows ? await this.oracle.rows(oracleSql) : (await this.oracle.exec(oracleSql), []);
      theirs = { rows: sortedRows(rows), error: null };
    } catch (e: any) {
      theirs = { rows: [], error: e.code ?? String(e) };
    }
    const out: Mismatch[] = [];
    if (ours.error !== theirs.error) out.push({ statement: sql, what: 'error code', ours: ours.error, theirs: theirs.error });
    else if (JSON.stringify(ours.rows) !== JSON.stringify(theirs.rows)) out.push({ statement: sql, what: 'rows', ours: ours.rows, theirs: theirs.rows });
    if (isMv && !ours.error) this.views.push(isMv[1].toLowerCase());
    const drop = /^\s*drop\s+(materialized\s+view|view|table)\s+(if\s+exists\s+)?(\w+)/i.exec(sql);
    if (drop && !ours.error) this.views = this.views.filter((v) => v !== drop[3].toLowerCase());
    if (!ours.error) out.push(...(await this.checkViews(sql)));
    return out;
  }

  /** Compare every materialized view with the oracle. */
  async checkViews(after: string): Promise<Mismatch[]> {
    const out: Mismatch[] = [];
    for (const v of this.views) {
      let ours: string[] | string;
      try {
        ours = sortedRows((await this.db.query(`SELECT * FROM ${v}`, [], { rowMode: 'array', format: 'text' })).rows as unknown as (string | null)[][]);
      } catch (e: any) {
        ours = `error ${e.code}: ${e.message}`;
      }
      let theirs: string[] | string;
      try {
        theirs = sortedRows(await this.oracle.rows(`SELECT * FROM ${v}`));
      } catch (e: any) {
        theirs = `error ${e.code}: ${e.message}`;
      }
      if (JSON.stringify(ours) !== JSON.stringify(theirs)) out.push({ statement: after, what: `view ${v}`, ours, theirs });
    }
    return out;
  }

  async runAll(stmts: string[]): Promise<Mismatch[]> {
    const out: Mismatch[] = [];
    for (const s of stmts) out.push(...(await this.run(s)));
    return out;
  }
}
