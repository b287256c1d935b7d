// paramValue turns a JavaScript Date into a timestamp without going through its ISO text, for
// years 1 to 9999: the same value the text gives, or the text's error outside those years.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { T } from '../sql/types.js';
import { parseValue } from '../expr/cast.js';
import { paramValue } from './result.js';

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
