// paramValue turns a JavaScript Date into a timestamp without going through its ISO text, for
// years 1 to 9999: the same value the text gives, or the text's error outside those years.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { T } from '../sql/types.js';
import { parseValue } from '../expr/cast.js';
import { paramValue } from './result.js';
import { Database } from './database.js';

function outcome(f: () => unknown): unknown {
  try {
    return f();
  } catch (e) {
    return `error: ${(e as Error).message}`;
  }
}

describe('paramValue of a Date', () => {
  it('gives what parsing its ISO text gives, for timestamp and timestamptz', () => {
    const edges = [-62_135_596_800_001, -62_135_596_800_000, 0, -1, 253_402_300_799_999, 253_402_300_800_000, 8.64e15, -8.64e15];
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: -8.64e15, max: 8.64e15 }), fc.constantFrom(...edges)), fc.constantFrom(T.timestamp, T.timestamptz), (ms, t) => {
        const d = new Date(ms);
        expect(outcome(() => paramValue(d, t))).toEqual(outcome(() => parseValue(d.toISOString(), t)));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('db.insert of a Date', () => {
  it('stores what a parameter of the same Date stores (its fast path for safe microseconds)', async () => {
    const db = await Database.open();
    await db.query('CREATE TABLE d (k int, ts timestamp, tz timestamptz)');
    const ms = [0, -1, 1, 1_436_918_400_123, 9_007_199_254_740, 9_007_199_254_741, -9_007_199_254_740, -9_007_199_254_741, -62_135_596_800_000, 253_402_300_799_999];
    db.insert('d', ms.map((m, k) => [k, new Date(m), new Date(m)]));
    for (let k = 0; k < ms.length; k++) await db.query('INSERT INTO d VALUES ($1, $2, $3)', [100 + k, new Date(ms[k]), new Date(ms[k])]);
    const r = await db.query<{ a: string; b: string; c: string; d: string }>(
      'SELECT x.ts::text AS a, y.ts::text AS b, x.tz::text AS c, y.tz::text AS d FROM d x JOIN d y ON y.k = x.k + 100 ORDER BY x.k',
    );
    expect(r.rows.length).toBe(ms.length);
    for (const row of r.rows) expect([row.a, row.c]).toEqual([row.b, row.d]);
    await db.close();
  });
});

