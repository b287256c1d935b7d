// date_trunc on timestamps against PostgreSQL (PGlite): a day or less is truncated by plain
// arithmetic while the value is an exact double (years 1685 to 2255), by fields otherwise;
// both must answer as PostgreSQL does, before and after 1970 and at the edges of that range.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { F, L, runOurs, runPg, usePglite } from '../pgtest.js';

const oracle = usePglite();

const UNITS = ['microseconds', 'milliseconds', 'second', 'minute', 'hour', 'day', 'DAY', 'week', 'month', 'year'];
// microseconds from 1970: around the exact-double edges (±2^53), 1970 itself, and anywhere in PostgreSQL's range
const EDGE = 2 ** 53;
const usecs = fc.oneof(
  fc.integer({ min: -EDGE - 5_000_000, max: -EDGE + 5_000_000 }),
  fc.integer({ min: EDGE - 5_000_000, max: EDGE + 5_000_000 }),
  fc.integer({ min: -200_000_000, max: 200_000_000 }),
  fc.integer({ min: -200_000_000_000_000_000, max: 200_000_000_000_000_000 }),
);

/** A timestamp literal for µs from 1970 (as text PostgreSQL reads: ISO, with BC for years before 1). */
function text(us: number): string {
  const big = BigInt(us);
  const ms = Number(big >= 0n ? big / 1000n : -((-big + 999n) / 1000n));
  const micro = Number(big - BigInt(ms) * 1000n);
  const d = new Date(ms);
  const y = d.getUTCFullYear();
  const iso = d.toISOString().replace(/^[+-]?\d+/, String(Math.abs(y <= 0 ? 1 - y : y)).padStart(4, '0')).replace('T', ' ').replace('Z', '');
  return `${iso}${String(micro).padStart(3, '0')}${y <= 0 ? ' BC' : ''}`;
}

describe('date_trunc vs PostgreSQL', () => {
  it('timestamp and timestamptz, fixed and calendar units', async () => {
    await fc.assert(
      fc.asyncProperty(usecs, fc.constantFrom(...UNITS), fc.constantFrom('timestamp', 'timestamptz'), async (us, unit, type) => {
        const node = F('date_trunc', L(unit, 'text'), L(text(us), type));
        expect(runOurs(node), node.sql).toEqual(await runPg(oracle(), node.sql));
      }),
      { numRuns: 400 },
    );
  });
});
