// The fast paths answer exactly as the engine's input functions, or not at all.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDate, parseTimestamp } from './datetime.js';
import { Decimal, applyTypmod } from './numeric.js';
import { type as sqlType } from '../sql/types.js';
import { decimalFromBase64 } from '../sources/formats/encodings.js';
import { decimalOfDouble, fastDate, fastDecimal, fastInt, fastTimestamp, scaledExactly, smallBase64Int } from './fast_input.js';
import { parseIntText, parseValue } from './cast.js';
import { base64OfBigInt, numericTypmod } from '../sources/formats/test_helpers.js';

const pad = (n: number, w: number) => String(n).padStart(w, '0');

/** numeric's input function without its fast path (parseValue takes fastDecimal first). */
const generalNumeric = (text: string, typmod: number): Decimal => applyTypmod(Decimal.parse(text), typmod);

/** The engine's answer, or its error message. */
function engine<T>(f: () => T): T | string {
  try {
    return f();
  } catch (e) {
    return `error: ${(e as Error).message}`;
  }
}

describe('fastTimestamp and fastDate', () => {
  const isoText = fc
    .record({
      y: fc.integer({ min: 0, max: 10000 }),
      mo: fc.integer({ min: 0, max: 13 }),
      d: fc.integer({ min: 0, max: 32 }),
      h: fc.integer({ min: 0, max: 25 }),
      mi: fc.integer({ min: 0, max: 60 }),
      s: fc.integer({ min: 0, max: 61 }),
      sep: fc.constantFrom('T', ' ', 't', 'x'),
      frac: fc.option(fc.stringMatching(/^[0-9]{0,8}$/)),
      zone: fc.constantFrom('', 'Z', 'z', '+00', '+02:00', '-05:30', '+0530', '-14:00', '+15:00', '+02:60', ' UTC', '+2'),
    })
    .map(({ y, mo, d, h, mi, s, sep, frac, zone }) => `${pad(y, 4)}-${pad(mo, 2)}-${pad(d, 2)}${sep}${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}${frac === null ? '' : '.' + frac}${zone}`);

  it('agrees with parseTimestamp wherever it answers (property)', () => {
    fc.assert(
      fc.property(isoText, fc.boolean(), (text, withTz) => {
        const fast = fastTimestamp(text, withTz);
        if (fast !== undefined) expect(fast, text).toBe(engine(() => parseTimestamp(text, withTz)));
      }),
      { numRuns: 5000 },
    );
  });

  it('answers for the forms producers write', () => {
    for (const text of ['2024-01-02T03:04:05Z', '2024-01-02T03:04:05.123456Z', '2024-01-02 03:04:05.1+02:00', '2024-02-29T23:59:59.999999-05:30', '0001-01-01T00:00:00Z', '9999-12-31 23:59:59']) {
      for (const withTz of [false, true]) {
        expect(fastTimestamp(text, withTz), text).toBeDefined();
        expect(fastTimestamp(text, withTz), text).toBe(parseTimestamp(text, withTz));
      }
    }
    for (const text of ['2023-02-29T00:00:00Z', '2024-01-02T24:00:00Z', '2024-01-02T03:04:05.1234567Z', 'infinity', '2024-01-02', '2024-01-02T03:04:05 PST']) {
      expect(fastTimestamp(text, true), text).toBeUndefined();
    }
  });

  it('fastDate agrees with parseDate', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10000 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 }), (y, m, d) => {
        const text = `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`;
        const fast = fastDate(text);
        if (fast !== undefined) expect(fast, text).toBe(parseDate(text));
      }),
      { numRuns: 3000 },
    );
    expect(fastDate('2024-01-02')).toBe(parseDate('2024-01-02'));
    expect(fastDate('2024-02-30')).toBeUndefined();
  });
});

describe('fastDecimal', () => {
  const decimalText = fc
    .tuple(fc.boolean(), fc.stringMatching(/^[0-9]{0,17}$/), fc.option(fc.stringMatching(/^[0-9]{0,8}$/)))
    .map(([neg, int, frac]) => `${neg ? '-' : ''}${int}${frac === null ? '' : '.' + frac}`);
  const typmod = fc.option(fc.tuple(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 0, max: 8 })));

  it('agrees with the numeric input function wherever it answers (property)', () => {
    fc.assert(
      fc.property(decimalText, typmod, (text, tm) => {
        const t = tm === null ? sqlType('numeric') : sqlType('numeric', numericTypmod(tm[0], tm[1]));
        const fast = tm === null ? fastDecimal(text, -1, -1) : fastDecimal(text, tm[0], tm[1]);
        if (fast === undefined) return;
        const want = generalNumeric(text, t.typmod);
        expect(fast.coef, text).toBe(want.coef);
        expect(fast.scale, text).toBe(want.scale);
      }),
      { numRuns: 5000 },
    );
    expect(fastDecimal('1234.56', 10, 2)).toEqual(generalNumeric('1234.56', numericTypmod(10, 2)));
    expect(fastDecimal('1.5', 10, 2)).toEqual(generalNumeric('1.50', -1));
    expect(fastDecimal('1.555', 10, 2)).toBeUndefined(); // rounds: the general path
    expect(fastDecimal('123456789', 10, 2)).toBeUndefined(); // overflows: the general path raises
    expect(fastDecimal('1e5', -1, -1)).toBeUndefined();
  });
});

describe('decimalOfDouble', () => {
  it('agrees with the numeric input function on the double`s text wherever it answers (property)', () => {
    const value = fc.oneof(
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.tuple(fc.integer({ min: -1e9, max: 1e9 }), fc.integer({ min: 0, max: 6 })).map(([c, s]) => c / 10 ** s),
    );
    fc.assert(
      fc.property(value, fc.integer({ min: 1, max: 20 }), fc.integer({ min: 0, max: 8 }), (v, p, s) => {
        const fast = decimalOfDouble(v, p, s);
        if (fast === undefined) return;
        const want = engine(() => generalNumeric(String(v), numericTypmod(p, s)));
        expect(fast, String(v)).toEqual(want);
      }),
      { numRuns: 5000 },
    );
    expect(decimalOfDouble(1234.56, 10, 2)).toEqual(Decimal.of(123456n, 2));
    expect(decimalOfDouble(1234.5, 10, 2)).toEqual(Decimal.of(123450n, 2));
    expect(decimalOfDouble(0.1 + 0.2, 10, 2)).toBeUndefined(); // 0.30000000000000004 rounds: the general path
  });
});

describe('smallBase64Int', () => {
  it('reads the two`s-complement integer of up to 6 bytes, as decimalFromBase64 does', () => {
    fc.assert(
      fc.property(fc.bigInt(-(2n ** 47n), 2n ** 47n - 1n), fc.integer({ min: 0, max: 6 }), (n, scale) => {
        const b64 = base64OfBigInt(n);
        const v = smallBase64Int(b64);
        expect(v, b64).toBe(Number(n));
        expect(scaledExactly(v!, scale, 20, scale)).toEqual(decimalFromBase64(b64, scale));
      }),
      { numRuns: 3000 },
    );
    expect(smallBase64Int('AeJA')).toBe(123456);
    expect(smallBase64Int('/w==')).toBe(-1);
    expect(smallBase64Int('AeJ@')).toBeUndefined();
    expect(smallBase64Int('AAAAAAAAAAAA')).toBeUndefined(); // 9 bytes: the general path
    expect(scaledExactly(123456, 2, 5, 2)).toBeUndefined(); // numeric(5,2) overflow
    expect(scaledExactly(123456, 2, 10, 3)).toEqual(Decimal.of(1234560n, 3));
  });
});

describe('fastInt', () => {
  it('agrees with the integer input functions wherever it answers (property)', () => {
    const text = fc.oneof(
      fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String),
      fc.integer().map(String),
      fc.stringMatching(/^[-+ ]?[0-9]{0,17}[ x]?$/),
    );
    fc.assert(
      fc.property(text, (s) => {
        const fast = fastInt(s);
        if (fast === undefined) return;
        expect(Object.is(fast, -0), s).toBe(false);
        for (const id of ['int2', 'int4', 'int8'] as const) {
          const want = engine(() => parseIntText(s, id));
          if (typeof want === 'string') continue; // out of range: parseValue checks the range, then takes the general path
          expect(BigInt(fast), `${s} ${id}`).toBe(want);
        }
      }),
      { numRuns: 5000 },
    );
    expect(fastInt('-0')).toBe(0);
    expect(fastInt('+1')).toBeUndefined();
    expect(fastInt(' 1')).toBeUndefined();
    expect(fastInt('1234567890123456')).toBeUndefined();
  });

  it('leaves out-of-range and odd forms to the general path, which raises or reads them', () => {
    expect(() => parseValue('40000', sqlType('int2'))).toThrow(/out of range for type smallint/);
    expect(() => parseValue('2147483648', sqlType('int4'))).toThrow(/out of range for type integer/);
    expect(parseValue(' -12 ', sqlType('int4'))).toBe(-12);
    expect(parseValue('9223372036854775807', sqlType('int8'))).toBe(9223372036854775807n);
  });
});
