import { it, beforeAll } from 'vitest';
import { Oracle } from './support/oracle.js';
import { Differential } from './support/differential.js';
import { readFileSync } from 'node:fs';
let oracle: Oracle;
beforeAll(async () => { oracle = await Oracle.create(); });
it('scratch', async () => {
  const progs: string[][] = JSON.parse(readFileSync('/tmp/trib/progs.json', 'utf8'));
  for (const p of progs) {
    await oracle.exec('DROP SCHEMA public CASCADE; CREATE SCHEMA public');
    const d = await Differential.create(oracle);
    const out: unknown[] = [];
    for (const s of p) { const m = await d.run(s); if (m.length) { out.push(m); break; } }
    console.log(JSON.stringify(p.slice(-1)), JSON.stringify(out));
  }
});
