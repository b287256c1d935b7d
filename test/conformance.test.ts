// The shared conformance corpus, fast subset (what `npm run conformance -- --quick` runs):
// all of SQLite's files in batch mode, select1–select5 over the wire, select1–2 incrementally,
// and RisingWave's streaming files in batch, incremental and pgwire mode. No file may pass fewer
// records than sql-tests/conformance-baseline.json records (raise it with
// `npm run conformance -- --update-baseline` after an improvement). The whole corpus in every
// mode is `npm run conformance`: SQLite's files in incremental mode alone take over 5 minutes.

import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CORPUS, readBaseline, regressions, runSpec, runSpecs } from '../src/slt/conformance.js';

const present = existsSync(join(CORPUS, 'sqlite'));
if (!present) console.warn(`conformance corpus not found at ${CORPUS}: its baseline check is skipped (set TRIBUTARY_CONFORMANCE)`);

describe.skipIf(!present)('conformance corpus (fast subset) against the baseline', () => {
  const baseline = readBaseline();
  // the describe body runs even when skipped, so list the files only when they are there
  for (const spec of present ? runSpecs(true) : []) {
    it(`${spec.name} (${spec.files.length} files)`, async () => {
      const run = await runSpec(spec, { jobs: 2, timeoutMs: 120_000 });
      expect(regressions([run], baseline)).toEqual([]);
      // the runner and the server survive every file: no record crashed a worker or hung
      const broken = run.files.flatMap((f) => f.failures).filter((x) => /^(crash|timeout)/.test(x.reason ?? ''));
      expect(broken.map((x) => `${x.file}:${x.line} ${x.reason}`)).toEqual([]);
    }, 600_000);
  }
});
