// Structural-identity keys: every key function must be injective on its classes. Values that
// JSON.stringify used to collapse (NULL, NaN, ±Infinity, -0 and 0) and strings that look like
// another value's encoding must get different keys; values equal under SQL '=' must share an
// equality key.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { T, arrayTypeOf, type SqlType } from '../sql/types.js';
import { compositeKeyFn, encodePart, equalityKeyFn, identityIsEquality, identityKeyFn } from './compare.js';
import { structuralKey } from './structural_key.js';
import { exprKey } from '../sql/expr_key.js';
import { parseValue } from './cast.js';
import { PgArray } from './array.js';
import { PgRecord, recordTypmod } from './record.js';
import { Decimal } from './numeric.js';
import { Interval } from './interval.js';
import { Jsonb } from './jsonb.js';
import { IDENTITY_KEY } from './functions/internal.js';
import { getFunctionImpl } from './functions/registry.js';
import type { Value } from './value.js';
import type { Expr } from './expr.js';

/** Keys of every value: equal within a class, different across classes. */
function expectClasses(key: (v: Value) => unknown, classes: Value[][]): void {
  const keys = classes.map((c) => c.map(key));
  keys.forEach((ks, i) => {
    for (const k of ks) expect(sameKey(k, ks[0]), `class ${i}: ${String(k)} vs ${String(ks[0])}`).toBe(true);
    keys.forEach((other, j) => {
      if (j !== i) expect(sameKey(ks[0], other[0]), `classes ${i} and ${j} share key ${String(ks[0])}`).toBe(false);
    });
  });
}

/** Map-key identity (SameValueZero), as the operators use keys. */
function sameKey(a: unknown, b: unknown): boolean {
  return new Map([[a, 1]]).has(b);
}

const v = (text: string, t: SqlType): Value => parseValue(text, t);
const vs = (t: SqlType, ...texts: (string | null)[]): Value[] => texts.map((s) => (s === null ? null : v(s, t)));

describe('structuralKey', () => {
  it('keeps apart everything JSON.stringify merges', () => {
    const distinct: unknown[] = [
      null, undefined, NaN, Infinity, -Infinity, 0, -0, 1, 1n, '1', 'null', 'NaN', true, false, 'T',
      [], [null], [NaN], [undefined], {}, { a: null }, { a: NaN }, { a: 1 }, { a: '1' }, { a: 1n },
      Decimal.parse('1.5'), Decimal.parse('1.50'), Decimal.parse('NaN'), Decimal.parse('Infinity'),
      Interval.parse('1 day'), Interval.parse('24 hours'), Jsonb.parse('1.0'), Jsonb.parse('1.00'), Jsonb.parse('"1.0"'),
      new PgArray([1]), new PgArray([1], 0), new PgArray([null]), new PgArray(['1']),
      new PgRecord([1, null]), new PgRecord([null, 1]), new PgRecord(['1', null]),
      ['a,b', 'c'], ['a', 'b,c'], ['a"', 'b'], ['a', '"b'], { 'a":"b': 'c' }, { a: 'b":"c' },
    ];
    const keys = distinct.map(structuralKey);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('ignores key order, undefined members and where a node was written', () => {
    expect(structuralKey({ a: 1, b: [2] })).toBe(structuralKey({ b: [2], a: 1 }));
    expect(structuralKey({ a: 1, b: undefined })).toBe(structuralKey({ a: 1 }));
    expect(structuralKey({ kind: 'literal', value: 1, position: 3 })).toBe(structuralKey({ kind: 'literal', value: 1, position: 9 }));
    expect(structuralKey(Decimal.parse('1.50'))).toBe(structuralKey(Decimal.parse('1.50')));
  });

  it('is injective on nested data (property)', () => {
    const leaf = fc.oneof(
      fc.constantFrom<unknown>(null, NaN, Infinity, -Infinity, 0, -0, 1, true, false, 1n, -1n),
      fc.string({ unit: fc.constantFrom('a', ',', '"', '\\', ':', '[', ']', '{', '}', '#', 'N', 'n', '1') }),
    );
    const tree = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('node'), { maxLength: 3 }), fc.dictionary(fc.constantFrom('a', 'b', 'a,b'), tie('node'), { maxKeys: 2 })),
    })).node;
    fc.assert(
      fc.property(tree, tree, (a, b) => {
        expect(structuralKey(a) === structuralKey(b)).toBe(sameData(a, b));
      }),
    );
  });
});

/** Equality as data: Object.is on leaves (NaN is NaN, -0 is not 0). */
function sameData(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameData(x, b[i]));
  }
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    return sameData(ka, kb) && ka.every((k) => sameData((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return Object.is(a, b);
}

describe('exprKey', () => {
  it('tells literals apart by representation', () => {
    const lits: [Value, SqlType][] = [
      [Infinity, T.float8], [-Infinity, T.float8], [NaN, T.float8], [null, T.float8], [0, T.float8], [-0, T.float8],
      [Infinity, T.date], [-Infinity, T.date], [null, T.date],
      [Decimal.parse('1.5'), T.numeric], [Decimal.parse('1.50'), T.numeric],
      ['1.5', T.text], [null, T.text],
    ];
    const keys = lits.map(([value, type]) => exprKey({ kind: 'literal', value, type }));
    expect(new Set(keys).size).toBe(keys.length);
    const plus = (x: number) => exprKey({ kind: 'call', fn: 'float8pl', args: [{ kind: 'column', index: 0, type: T.float8 }, { kind: 'literal', value: x, type: T.float8 }], type: T.float8 });
    expect(plus(NaN)).not.toBe(plus(Infinity));
    expect(plus(NaN)).toBe(plus(NaN));
  });

  it('ignores how a cast was written, except where an explicit cast truncates', () => {
    const a: Expr = { kind: 'column', index: 0, type: T.int4 };
    const cast = (type: SqlType, explicit?: boolean): Expr => ({ kind: 'cast', arg: a, type, explicit });
    expect(exprKey(cast(T.numeric, true))).toBe(exprKey(cast(T.numeric)));
    const vc3: SqlType = { id: 'varchar', typmod: 3 };
    expect(exprKey(cast(vc3, true))).not.toBe(exprKey(cast(vc3, false)));
    expect(exprKey(cast(T.varchar, true))).toBe(exprKey(cast(T.varchar, false)));
  });
});

describe('equality keys', () => {
  it('float: -0 = 0, NaN = NaN; NULL, NaN, Infinity and -Infinity apart', () => {
    const classes = [[0, -0], [NaN, NaN], [Infinity], [-Infinity], [null], [1.5]];
    for (const t of [T.float4, T.float8]) expectClasses(equalityKeyFn(t), classes);
    expectClasses((x) => compositeKeyFn([T.float8, T.int4], 'equality')([x, 1]), classes);
  });

  it('date: infinity, -infinity and NULL apart', () => {
    expectClasses(equalityKeyFn(T.date), [vs(T.date, 'infinity'), vs(T.date, '-infinity'), [null], vs(T.date, '1970-01-01')]);
  });

  it('numeric, interval, bpchar, jsonb: equal values share a key', () => {
    expectClasses(equalityKeyFn(T.numeric), [vs(T.numeric, '1.5', '1.50', '01.5000'), vs(T.numeric, 'NaN'), vs(T.numeric, 'Infinity'), vs(T.numeric, '-Infinity'), [null], vs(T.numeric, '15')]);
    expectClasses(equalityKeyFn(T.interval), [vs(T.interval, '1 day', '24 hours'), vs(T.interval, '1 mon', '30 days'), [null], vs(T.interval, '0')]);
    expectClasses(equalityKeyFn(T.bpchar), [['a', 'a  '], ['a b'], [''], [null]]);
    expectClasses(equalityKeyFn(T.jsonb), [vs(T.jsonb, '1.0', '1.00', '1'), vs(T.jsonb, '"1"'), vs(T.jsonb, 'null'), [null], vs(T.jsonb, '{"a": [1.0]}', '{"a":[1]}')]);
  });

  it('arrays and records: element-wise, NULL elements apart from NaN and Infinity', () => {
    const at = arrayTypeOf(T.float8)!;
    expectClasses(equalityKeyFn(at), [vs(at, '{0}', '{-0}'), vs(at, '{NaN}'), vs(at, '{Infinity}'), vs(at, '{-Infinity}'), vs(at, '{NULL}'), [null], vs(at, '{}'), vs(at, '{0,0}')]);
    const rt: SqlType = { id: 'record', typmod: recordTypmod(['x', 'n'], [T.float8, T.numeric]) };
    const rec = (x: Value, n: string | null) => new PgRecord([x, n === null ? null : Decimal.parse(n)]);
    expectClasses(equalityKeyFn(rt), [
      [rec(0, '1.5'), rec(-0, '1.50')], [rec(NaN, '1')], [rec(Infinity, '1')], [rec(-Infinity, '1')], [rec(null, '1')], [rec(null, null)], [null],
    ]);
  });

  it('composite keys cannot collide through a separator (property)', () => {
    const text = fc.option(fc.string({ unit: fc.constantFrom('a', 's', 'n', 'N', ';', ':', '1', '0', ',', '"') }), { nil: null });
    const key = compositeKeyFn([T.text, T.text, T.int4], 'equality');
    fc.assert(
      fc.property(text, text, text, text, fc.option(fc.integer({ min: -2, max: 12 }), { nil: null }), (a, b, c, d, n) => {
        expect(key([a, b, n]) === key([c, d, n])).toBe(a === c && b === d);
      }),
    );
  });
});

describe('identity keys', () => {
  it('keep apart what prints differently, and only that', () => {
    expectClasses(identityKeyFn(T.float8), [[0], [-0], [NaN, NaN], [Infinity], [-Infinity], [null]]);
    expectClasses(identityKeyFn(T.numeric), [vs(T.numeric, '1.5'), vs(T.numeric, '1.50'), vs(T.numeric, 'NaN'), [null]]);
    expectClasses(identityKeyFn(T.interval), [vs(T.interval, '1 day'), vs(T.interval, '24 hours'), [null]]);
    expectClasses(identityKeyFn(T.bpchar), [['a'], ['a  '], [null]]);
    expectClasses(identityKeyFn(T.jsonb), [vs(T.jsonb, '1.0'), vs(T.jsonb, '1.00'), vs(T.jsonb, '{"a":1,"b":2}', '{"b":2, "a":1}'), [null]]);
    // a date's day number -0 is the day 0: they print alike
    expectClasses(identityKeyFn(T.date), [[0, -0], [Infinity], [-Infinity], [null]]);
    const at = arrayTypeOf(T.numeric)!;
    expectClasses(identityKeyFn(at), [vs(at, '{1.5}'), vs(at, '{1.50}'), vs(at, '{NULL}'), vs(at, '{NaN}')]);
  });

  it('float and numeric composite keys (property)', () => {
    const f = fc.constantFrom<Value>(null, NaN, Infinity, -Infinity, 0, -0, 1.5);
    const n = fc.constantFrom<string | null>(null, 'NaN', '1.5', '1.50', '0', '0.0');
    const key = compositeKeyFn([T.float8, T.numeric], 'identity');
    const eqKey = compositeKeyFn([T.float8, T.numeric], 'equality');
    const dec = (s: string | null) => (s === null ? null : Decimal.parse(s));
    fc.assert(
      fc.property(f, n, f, n, (a, b, c, d) => {
        expect(key([a, dec(b)]) === key([c, dec(d)])).toBe(Object.is(a, c) && b === d);
        const numEq = b === null || d === null ? b === d : dec(b)!.compare(dec(d)!) === 0;
        const fEq = a === null || c === null ? a === c : Object.is(a, c) || a === c;
        expect(eqKey([a, dec(b)]) === eqKey([c, dec(d)])).toBe(fEq && numEq);
      }),
    );
  });

  it('identityIsEquality: false wherever a representation choice exists', () => {
    for (const t of [T.numeric, T.float4, T.float8, T.interval, T.bpchar, T.jsonb, arrayTypeOf(T.numeric)!, arrayTypeOf(T.float8)!]) {
      expect(identityIsEquality(t), t.id).toBe(false);
    }
    for (const t of [T.int4, T.int8, T.text, T.varchar, T.date, T.timestamp, T.bool, arrayTypeOf(T.int4)!, arrayTypeOf(T.text)!]) {
      expect(identityIsEquality(t), t.id).toBe(true);
    }
    expect(identityIsEquality({ id: 'record', typmod: recordTypmod(['a'], [T.int4]) })).toBe(true);
    expect(identityIsEquality({ id: 'record', typmod: recordTypmod(['a'], [T.numeric]) })).toBe(false);
  });
});

describe('encodePart', () => {
  it('tags every kind of part', () => {
    const parts = [null, 'N;', '', 0, 'n0;', NaN, 'NaN', Infinity, -Infinity, 1n, 'b1;', 1, true, 't;', false];
    expect(new Set(parts.map((p) => encodePart(p as never))).size).toBe(parts.length);
  });
});

describe('identity_key (the decorrelation domain key)', () => {
  const key = (x: Value) => getFunctionImpl(IDENTITY_KEY).eval([x]);
  it('is never NULL and keeps representations apart', () => {
    const values: Value[] = [null, 0, -0, NaN, Infinity, -Infinity, Decimal.parse('1.5'), Decimal.parse('1.50'), Interval.parse('1 day'), Interval.parse('24 hours'), 'a', 'a  ', '', Jsonb.parse('1.0'), Jsonb.parse('1.00')];
    const keys = values.map(key);
    expect(keys.every((k) => typeof k === 'string')).toBe(true);
    expect(new Set(keys).size).toBe(values.length);
    expect(key(Decimal.parse('1.50'))).toBe(key(Decimal.parse('1.50')));
  });
});
