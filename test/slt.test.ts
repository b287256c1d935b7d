// The project's own sqllogictest suite (sql-tests/*.slt) through the runner, in all four
// combinations: embedded / pgwire × batch / incremental. Every record must pass. Skips are
// allowed only for records marked `skipif tributary` (known bugs, see sql-tests/README.md) and,
// in incremental mode, for queries whose view the engine refuses with 0A000 or that have a
// LIMIT (a view has no order): those are refusals, not passes, and are counted as skipped.

import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { collectFiles, failureLine, runFile } from '../src/slt/runner.js';

const ALLOWED_SKIPS = [/^skipif tributary$/, /^cannot be maintained incrementally/, /^LIMIT\/OFFSET/];

const files = collectFiles([join(import.meta.dirname, '..', 'sql-tests')]).filter((f) => f.endsWith('.slt'));

describe('sql-tests', () => {
  it('finds the suite', () => expect(files.length).toBeGreaterThan(0));
  for (const file of files) {
    const name = file.slice(file.lastIndexOf('sql-tests'));
    for (const via of ['embedded', 'pgwire'] as const) {
      for (const incremental of [false, true]) {
        it(`${name} (${via}, ${incremental ? 'incremental' : 'batch'})`, async () => {
          const r = await runFile(file, { via, incremental });
          expect(r.failures.map(failureLine)).toEqual([]);
          const badSkips = Object.keys(r.skips).filter((k) => !ALLOWED_SKIPS.some((re) => re.test(k)));
          expect(badSkips).toEqual([]);
          expect(r.passed).toBeGreaterThan(0);
        });
      }
    }
  }
});
