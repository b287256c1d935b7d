// The test oracle: real PostgreSQL (PGlite, PostgreSQL compiled to WASM). Results come back as
// PostgreSQL's text output of every value, so they compare exactly with Tributary's
// `{ format: 'text' }` results.

import { PGlite } from '@electric-sql/pglite';
import type { Database } from '../../src/index.js';

const TEXT_OIDS = [16, 20, 21, 23, 25, 700, 701, 1042, 1043, 1082, 1114, 1184, 1186, 1700, 3802, 705,
  // array types: their text output too
  1000, 1005, 1007, 1016, 1231, 1021, 1022, 1009, 1015, 1014, 1182, 1115, 1185, 1187, 3807, 1028, 1003, 1002, 22, 30];
const identity = Object.fromEntries(TEXT_OIDS.map((o) => [o, (x: string) => x]));

export class Oracle {
  private constructor(private readonly pg: PGlite) {}

  static async create(): Promise<Oracle> {
    const pg = new PGlite();
    await pg.exec("SET TimeZone = 'UTC'; SET DateStyle = 'ISO, MDY'; SET IntervalStyle = 'postgres'; SET extra_float_digits = 1");
    return new Oracle(pg);
  }

  async exec(sql: string): Promise<void> {
    await this.pg.exec(sql);
  }

  /** Rows as arrays of PostgreSQL text values (null for NULL). */
  async rows(sql: string, params: unknown[] = []): Promise<(string | null)[][]> {
    const r = await this.pg.query<unknown[]>(sql, params, { rowMode: 'array', parsers: identity });
    return r.rows.map((row) => row.map((v) => (v === null ? null : String(v))));
  }

  /** The first value of the first row, as PGlite parses it (json as objects). */
  async json(sql: string): Promise<unknown> {
    const r = await this.pg.query<unknown[]>(sql, [], { rowMode: 'array' });
    return r.rows[0][0];
  }

  /** Run and return the SQLSTATE of the error, or null if it succeeded. */
  async errorCode(sql: string): Promise<string | null> {
    try {
      await this.pg.exec(sql);
      return null;
    } catch (e: any) {
      return e.code ?? 'unknown';
    }
  }

  async close(): Promise<void> {
    await this.pg.close();
  }
}

/** Multiset comparison helper: rows sorted by their text form. */
export function sortedRows(rows: (string | null)[][]): string[] {
  return rows.map((r) => JSON.stringify(r)).sort();
}

/** One read on Tributary and on the oracle: text rows in their order, or `error <SQLSTATE>`. */
export async function bothRows(db: Database, oracle: Oracle, q: string): Promise<{ ours: unknown; theirs: unknown }> {
  let ours: unknown;
  let theirs: unknown;
  try {
    ours = (await db.query(q, [], { rowMode: 'array', format: 'text' })).rows;
  } catch (e: any) {
    ours = `error ${e.code}`;
  }
  try {
    theirs = await oracle.rows(q);
  } catch (e: any) {
    theirs = `error ${e.code}`;
  }
  return { ours, theirs };
}
