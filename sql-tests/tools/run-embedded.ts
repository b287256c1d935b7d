// Stand-in runner: runs sql-tests/*.slt files on an embedded Tributary (one fresh
// Database per file) and reports every record whose outcome differs from the file.
// The real runner is `npx tributary slt`; this script is for checking files quickly while
// writing them, and needs nothing but the source tree.
//
//   npx tsx sql-tests/tools/run-embedded.ts sql-tests/joins.slt …
//   npx tsx sql-tests/tools/run-embedded.ts --all-records …   also runs `skipif tributary` records
//                                                           (to see whether a known bug is fixed)

import { readFileSync } from 'node:fs';
import { Database } from '../../src/index.js';
import { applies, errorMatches, normalizeExpected, parseSlt, resultLines, type SltRecord } from './slt-file.js';

const ENGINE = 'tributary';

async function main(argv: string[]): Promise<number> {
  const all = argv.includes('--all-records');
  const files = argv.filter((a) => !a.startsWith('--'));
  let failures = 0;
  let total = 0;
  for (const file of files) {
    const f = parseSlt(readFileSync(file, 'utf8'));
    const db = await Database.open();
    const fail = (r: SltRecord, msg: string) => {
      failures++;
      console.log(`${file}:${r.line}: ${msg}\n    ${r.sql.replace(/\n/g, '\n    ')}`);
    };
    for (const r of f.records) {
      if (!applies(r, ENGINE) && !(all && r.skipif.includes(ENGINE))) continue;
      total++;
      let res: Awaited<ReturnType<Database['query']>> | undefined;
      let err: (Error & { code?: string }) | undefined;
      try {
        res = await db.query(r.sql, [], { rowMode: 'array', format: 'text' });
      } catch (e) {
        err = e as Error & { code?: string };
      }
      if (r.expect === 'error') {
        if (!err) fail(r, `expected an error matching /${r.errorRegex}/, Tributary succeeded`);
        else if (r.errorRegex && !errorMatches(err, r.errorRegex)) fail(r, `error /${r.errorRegex}/ does not match Tributary's: ${err.message} (${err.code})`);
        continue;
      }
      if (err) {
        fail(r, `Tributary failed: ${err.message} (${err.code})`);
        continue;
      }
      if (r.expect === 'count') {
        if (res!.rowCount !== r.count) fail(r, `expected count ${r.count}, Tributary: ${res!.rowCount}`);
        continue;
      }
      if (r.expect === 'ok') continue;
      const rows = (res!.rows as unknown as unknown[][]).map((row) => row.map((v) => (v === null ? null : String(v))));
      const actual = resultLines(rows, r.sort!);
      const expected = normalizeExpected(r.expected, r.sort!);
      if (rows.length > 0 && rows[0].length !== r.types!.length) fail(r, `${r.types!.length} columns expected, Tributary returned ${rows[0].length}`);
      if (JSON.stringify(expected) !== JSON.stringify(actual)) {
        fail(r, `expected:\n      ${expected.join('\n      ')}\n    Tributary:\n      ${actual.join('\n      ')}`);
      }
    }
    await db.close();
  }
  console.log(`${total} records, ${failures} failed`);
  return failures === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then((c) => process.exit(c), (e) => {
  console.error(e);
  process.exit(2);
});
