// Shared by the index-read tests: run statements on Tributary and the oracle, and check every
// SELECT once more with indexes off (a full scan), which must give the same rows.

import type { Database } from '../../src/index.js';
import type { Differential, Mismatch } from './differential.js';
import { sortedRows } from './oracle.js';

/** A read's rows as text (`error <SQLSTATE>` if it fails). */
async function textRows(db: Database, sql: string, params: readonly unknown[]): Promise<unknown> {
  try {
    return (await db.query(sql, [...params], { rowMode: 'array', format: 'text' })).rows;
  } catch (e: any) {
    return `error ${e.code}`;
  }
}

/** A read's text rows through the indexes, and by full scans. */
export async function bothWays(db: Database, sql: string, params: readonly unknown[] = []): Promise<{ viaIndex: unknown; viaScan: unknown }> {
  const viaIndex = await textRows(db, sql, params);
  db.engine.useIndexes = false;
  try {
    return { viaIndex, viaScan: await textRows(db, sql, params) };
  } finally {
    db.engine.useIndexes = true;
  }
}

/**
 * Mismatches of `stmts` against the oracle, and of each SELECT read through indexes against
 * the same read by full scans: compared in their order, or as multisets when `anyOrder` says
 * so (a view's index gives index order). Closes the database.
 */
export async function indexReadMismatches(d: Differential, stmts: readonly string[], anyOrder: (sql: string) => boolean): Promise<Mismatch[]> {
  const mismatches: Mismatch[] = [];
  for (const sql of stmts) {
    mismatches.push(...(await d.run(sql)));
    if (!sql.startsWith('SELECT')) continue;
    const { viaIndex, viaScan } = await bothWays(d.db, sql);
    const text = (rows: unknown) => JSON.stringify(anyOrder(sql) && Array.isArray(rows) ? sortedRows(rows) : rows);
    if (text(viaIndex) !== text(viaScan)) mismatches.push({ statement: sql, what: 'index vs scan', ours: viaIndex, theirs: viaScan });
  }
  mismatches.push(...(await d.finish()));
  await d.db.close();
  return mismatches;
}

/** EXPLAIN's lines for a query, joined. */
export async function explainText(db: Database, q: string): Promise<string> {
  return (await db.query(`EXPLAIN ${q}`, [], { rowMode: 'array' })).rows.map((r: any) => r[0]).join('\n');
}
