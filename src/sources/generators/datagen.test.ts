// datagen: defaults, every kind and supported type, determinism by position, option errors.

import { errorOf } from './test_helpers.js';
import { describe, expect, it } from 'vitest';
import { parseDate, parseTimestamp } from '../../expr/datetime.js';
import { Interval } from '../../expr/interval.js';
import { Jsonb } from '../../expr/jsonb.js';
import { Decimal } from '../../expr/numeric.js';
import { formatValue } from '../../expr/format.js';
import type { Value } from '../../expr/value.js';
import { type, type TypeId } from '../../sql/types.js';
import type { SourceTable } from '../types.js';
import { DATAGEN_OPTIONS, makeDatagen } from './datagen.js';

type Col = [string, TypeId, number?, boolean?];

function table(cols: Col[], primaryKey: number[] | null = null): SourceTable {
  return {
    name: 't',
    columns: cols.map(([n, t, m, notNull]) => ({ name: n, type: type(t, m ?? -1), notNull: notNull ?? false })),
    primaryKey,
  };
}

function datagen(cols: Col[], opts: Record<string, string> = {}, primaryKey: number[] | null = null) {
  return makeDatagen(table(cols, primaryKey), new Map(Object.entries(opts)));
}

/** The values of one column over `n` rows. */
function column(cols: Col[], opts: Record<string, string>, n = 2000, c = 0): Value[] {
  return datagen(cols, opts).rows(0, n).map((r) => r[c]);
}

const T0 = parseTimestamp('2024-01-01 00:00:00', false);

describe('datagen defaults', () => {
  const cols: Col[] = [['id', 'int8', -1, true], ['v', 'int4'], ['s', 'text'], ['ts', 'timestamp']];

  it('numbers the primary key, randomizes the rest and times rows by the rate', () => {
    const g = datagen(cols, {}, [0]);
    expect(g.rate).toBe(1000);
    expect(g.end).toBe(Infinity);
    const rows = g.rows(0, 1000);
    expect(rows.map((r) => r[0])).toEqual(Array.from({ length: 1000 }, (_, i) => BigInt(i + 1)));
    for (const [, v, s, ts] of rows) {
      expect(Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 1000).toBe(true);
      expect(s).toMatch(/^[a-z]{10}$/);
      expect(typeof ts).toBe('bigint');
    }
    // 1000 rows per second: 1 ms apart from start_time
    expect(rows[0][3]).toBe(T0);
    expect(rows[999][3]).toBe(T0 + 999_000n);
    expect(new Set(rows.map((r) => r[2])).size).toBe(1000);
  });

  it('spaces timestamps by 1 / rows_per_second, or 1 ms when as fast as possible', () => {
    expect(column([['ts', 'timestamptz']], { rows_per_second: '4', start_time: '2020-02-02 10:00:00+02' }, 3)).toEqual(
      [0n, 250_000n, 500_000n].map((us) => parseTimestamp('2020-02-02 08:00:00', false) + us),
    );
    const fast = datagen([['ts', 'timestamp']], { rows_per_second: '0' });
    expect(fast.rate).toBe(0);
    expect(fast.rows(10, 2).map((r) => r[0])).toEqual([T0 + 10_000n, T0 + 11_000n]);
  });

  it('gives the same rows for the same positions, however they are asked for', () => {
    const g = datagen(cols, { seed: '42' }, [0]);
    const whole = g.rows(0, 100);
    expect([...g.rows(0, 50), ...g.rows(50, 50)]).toEqual(whole);
    const h = datagen(cols, { seed: '42' }, [0]);
    h.rows(1_000_000, 10);
    expect(h.rows(37, 63)).toEqual(whole.slice(37));
    expect(datagen(cols, { seed: '43' }, [0]).rows(0, 100).map((r) => r[1])).not.toEqual(whole.map((r) => r[1]));
    // a column's values depend on its name, not on the other columns
    expect(column([['x', 'bool'], ['v', 'int4']], { seed: '42' }, 100, 1)).toEqual(whole.map((r) => r[1]));
    expect(column([['w', 'int4']], { seed: '42' }, 100)).not.toEqual(whole.map((r) => r[1]));
  });
});

describe('datagen kinds', () => {
  it('sequence: start, end (which ends the generator), and the type\'s own end', () => {
    const g = datagen([['id', 'int4'], ['n', 'int2']], { 'id.kind': 'sequence', 'id.start': '-2', 'id.end': '7', 'n.kind': 'sequence' });
    expect(g.end).toBe(10);
    expect(g.rows(0, 100).map((r) => r[0])).toEqual([-2, -1, 0, 1, 2, 3, 4, 5, 6, 7]);
    expect(g.rows(8, 5).map((r) => r[1])).toEqual([9, 10]);
    expect(datagen([['n', 'int2']], { 'n.kind': 'sequence', 'n.start': '32000' }).end).toBe(768);
    expect(datagen([['n', 'int8']], { 'n.kind': 'sequence', max_rows: '5' }).end).toBe(5);
    const big = datagen([['n', 'int8']], { 'n.kind': 'sequence', 'n.start': '9223372036854775800' });
    expect(big.end).toBe(8);
    expect(big.rows(7, 1)[0][0]).toBe(9223372036854775807n);
    expect(column([['n', 'numeric', (10 << 16) | 2]], { 'n.kind': 'sequence', 'n.start': '5' }, 2)).toEqual([Decimal.of(500n, 2), Decimal.of(600n, 2)]);
  });

  it('random: numbers within [min, max], uniform', () => {
    const ints = column([['v', 'int4']], { 'v.min': '-5', 'v.max': '5' }, 11_000) as number[];
    expect(Math.min(...ints)).toBe(-5);
    expect(Math.max(...ints)).toBe(5);
    for (let k = -5; k <= 5; k++) expect(ints.filter((x) => x === k).length).toBeGreaterThan(850);
    const bigs = column([['v', 'int8']], { 'v.min': '-9223372036854775808', 'v.max': '9223372036854775807' }, 1000) as bigint[];
    expect(bigs.filter((x) => x < 0n).length).toBeGreaterThan(400);
    expect(bigs.filter((x) => x < 0n).length).toBeLessThan(600);
    const floats = column([['f', 'float8']], { 'f.min': '1.5', 'f.max': '2.5' }) as number[];
    for (const f of floats) expect(f >= 1.5 && f < 2.5).toBe(true);
    expect(floats.reduce((a, b) => a + b) / floats.length).toBeCloseTo(2, 1);
    for (const f of column([['f', 'float4']], {}) as number[]) expect(Math.fround(f)).toBe(f);
    const money = column([['m', 'numeric', (5 << 16) | 2]], { 'm.min': '0.5', 'm.max': '1.5' }) as Decimal[];
    for (const m of money) {
      expect(m.scale).toBe(2);
      expect(m.coef >= 50n && m.coef <= 150n).toBe(true);
    }
    // the default maximum shrinks to fit numeric(3,1)
    for (const m of column([['m', 'numeric', (3 << 16) | 1]], {}) as Decimal[]) expect(m.coef <= 999n).toBe(true);
    expect((column([['m', 'numeric']], {}, 1)[0] as Decimal).scale).toBe(2);
  });

  it('random: booleans, text of a length, dates, timestamps, intervals, jsonb', () => {
    const bools = column([['b', 'bool']], {}) as boolean[];
    expect(bools.filter((b) => b).length / bools.length).toBeCloseTo(0.5, 1);
    expect(column([['s', 'varchar', 4]], {}, 10).every((s) => /^[a-z]{4}$/.test(s as string))).toBe(true);
    expect(column([['s', 'text']], { 's.length': '25' }, 10).every((s) => /^[a-z]{25}$/.test(s as string))).toBe(true);
    expect(column([['s', 'bpchar', 6]], { 's.length': '3' }, 10).every((s) => /^[a-z]{3} {3}$/.test(s as string))).toBe(true);
    const dates = column([['d', 'date']], { 'd.min': '2020-02-28', 'd.max': '2020-03-01' }) as number[];
    expect(new Set(dates)).toEqual(new Set([parseDate('2020-02-28'), parseDate('2020-02-29'), parseDate('2020-03-01')]));
    const lo = parseTimestamp('2021-06-01 00:00:00', false);
    for (const ts of column([['t', 'timestamp']], { 't.kind': 'random', 't.min': '2021-06-01', 't.max': '2021-06-01 00:00:01' }) as bigint[]) {
      expect(ts >= lo && ts <= lo + 1_000_000n).toBe(true);
    }
    for (const iv of column([['i', 'interval']], { 'i.min': '1 day', 'i.max': '2 days 1 hour' }) as Interval[]) {
      expect(iv).toBeInstanceOf(Interval);
      expect(iv.days === 1 || (iv.days === 2 && iv.micros <= 3_600_000_000n)).toBe(true);
    }
    const j = column([['j', 'jsonb']], { 'j.min': '7', 'j.max': '7' }, 1)[0] as Jsonb;
    expect(j.toString()).toBe('{"value": 7}');
  });

  it('constant, now and null_rate', () => {
    const arrays = column([['a', '_int4']], { 'a.kind': 'constant', 'a.value': '{1,2}' }, 3);
    expect(arrays.map((a) => formatValue(a, type('_int4')))).toEqual(['{1,2}', '{1,2}', '{1,2}']);
    expect(column([['s', 'varchar', 3]], { 's.kind': 'constant', 's.value': 'abc' }, 2)).toEqual(['abc', 'abc']);
    const before = BigInt(Date.now()) * 1000n;
    const now = column([['t', 'timestamptz']], { 't.kind': 'now' }, 1)[0] as bigint;
    expect(now >= before && now <= BigInt(Date.now()) * 1000n).toBe(true);
    expect(typeof column([['d', 'date']], { 'd.kind': 'now' }, 1)[0]).toBe('number');
    const some = column([['v', 'int4']], { 'v.null_rate': '0.25' }, 4000);
    expect(some.filter((v) => v === null).length / some.length).toBeCloseTo(0.25, 1);
    expect(column([['v', 'int4']], { 'v.null_rate': '1' }, 10).every((v) => v === null)).toBe(true);
  });
});

describe('datagen errors', () => {
  const check = (cols: Col[], opts: Record<string, string>, code: string, message: string) => {
    const e = errorOf(() => datagen(cols, opts));
    expect([e.code, e.message]).toEqual([code, message]);
  };

  it('refuses unknown options, columns and bad values with 22023 (42703 for columns)', () => {
    check([['v', 'int4']], { x: '1' }, '22023', 'unrecognized datagen option "x"');
    check([['v', 'int4']], { 'v.colour': 'red' }, '22023', 'unrecognized datagen option "v.colour"');
    check([['v', 'int4']], { 'w.kind': 'random' }, '42703', 'column "w" of relation "t" does not exist');
    for (const [name, value] of [
      ['rows_per_second', 'abc'], ['rows_per_second', '-1'], ['max_rows', '1e3'], ['seed', 'x'],
      ['start_time', 'now'], ['start_time', 'noon'], ['v.kind', 'sequential'], ['v.min', '1.5'], ['v.max', '3000000000'],
      ['v.null_rate', '2'],
    ]) {
      check([['v', 'int4']], { [name]: value }, '22023', `invalid value for option "${name}": "${value}"`);
    }
    check([['v', 'int4']], { 'v.min': '10', 'v.max': '5' }, '22023', 'invalid value for option "v.max": "5"');
    check([['v', 'int4']], { 'v.kind': 'sequence', 'v.start': '10', 'v.end': '5' }, '22023', 'invalid value for option "v.end": "5"');
    check([['s', 'varchar', 5]], { 's.length': '6' }, '22023', 'invalid value for option "s.length": "6"');
    check([['d', 'date']], { 'd.min': 'infinity' }, '22023', 'invalid value for option "d.min": "infinity"');
    check([['m', 'numeric', (3 << 16) | 1]], { 'm.max': '100' }, '22023', 'invalid value for option "m.max": "100"');
    check([['s', 'varchar', 2]], { 's.kind': 'constant', 's.value': 'abc' }, '22023', 'invalid value for option "s.value": "abc"');
    check([['v', 'int4', -1, true]], { 'v.null_rate': '0.5' }, '22023', 'invalid value for option "v.null_rate": "0.5"');
    check([['v', 'int4']], { 'v.kind': 'constant' }, '22023', 'option "v.value" is required for a constant column');
    check([['v', 'int4']], { 'v.length': '5' }, '22023', 'option "v.length" does not apply to random column "v" of type integer');
    check([['v', 'int4']], { 'v.kind': 'constant', 'v.value': '1', 'v.min': '0' }, '22023', 'option "v.min" does not apply to constant column "v" of type integer');
  });

  it('refuses kinds a type cannot take (42804) and types it cannot randomize (0A000)', () => {
    check([['v', 'int4']], { 'v.kind': 'now' }, '42804', 'datagen kind "now" cannot produce values for column "v" of type integer');
    check([['s', 'text']], { 's.kind': 'sequence' }, '42804', 'datagen kind "sequence" cannot produce values for column "s" of type text');
    check([['a', '_int4']], {}, '0A000', 'datagen cannot generate random values for column "a" of type integer[]');
    check([['o', 'oid']], {}, '0A000', 'datagen cannot generate random values for column "o" of type oid');
  });

  it('documents its options', () => {
    expect(Object.keys(DATAGEN_OPTIONS.table)).toEqual(['connector', 'rows_per_second', 'seed', 'max_rows', 'start_time']);
    expect(Object.keys(DATAGEN_OPTIONS.column)).toEqual(['kind', 'start', 'end', 'min', 'max', 'length', 'value', 'null_rate']);
    expect(datagen([['v', 'int4']], { connector: 'datagen' }).rows(0, 1).length).toBe(1);
  });
});
