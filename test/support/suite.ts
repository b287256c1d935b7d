// Shared set-up of differential test files: one PostgreSQL oracle per file (PGlite's cold
// start is seconds), reset between tests, and `agree`: run statements on both sides and
// require every result, error code and materialized view to match.

import { afterAll, beforeAll, expect } from 'vitest';
import { Oracle } from './oracle.js';
import { Differential, type ViewMeta } from './differential.js';

export interface OracleSuite {
  oracle(): Oracle;
  /** Drop everything in the oracle (and end a transaction a test may have left open). */
  reset(): Promise<void>;
  /** A fresh Tributary database paired with the (reset) oracle. */
  differential(): Promise<Differential>;
  /**
   * Run statements on both sides; every result, error code, view and table must match.
   * `meta` declares how views and reads pick representatives, by statement (as the property
   * tests generate them; see differential.ts).
   */
  agree(stmts: string[], opts?: { meta?: Record<string, ViewMeta> }): Promise<void>;
}

export function useOracle(): OracleSuite {
  let oracle: Oracle | undefined;
  beforeAll(async () => {
    oracle = await Oracle.create();
  });
  afterAll(async () => {
    await oracle?.close();
  });
  const suite: OracleSuite = {
    oracle: () => oracle!,
    async reset() {
      await oracle!.exec('ROLLBACK');
      await oracle!.exec('DROP SCHEMA public CASCADE; CREATE SCHEMA public');
    },
    async differential() {
      await suite.reset();
      return Differential.create(oracle!);
    },
    async agree(stmts, opts) {
      const d = await suite.differential();
      const mismatches = [];
      for (const s of stmts) mismatches.push(...(await d.run(s, opts?.meta?.[s])));
      mismatches.push(...(await d.finish()));
      await d.db.close();
      expect(mismatches).toEqual([]);
    },
  };
  return suite;
}
