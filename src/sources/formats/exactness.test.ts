// Numbers JSON.parse would change reach columns exactly (json_text.ts: scan on demand, re-read losslessly).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SourceFormat } from './decoder.js';
import { decoder, input, messageError, msg, table } from './test_helpers.js';

const T1 = table([
  ['id', 'int8', true],
  ['f', 'float8'],
  ['n', 'numeric'],
  ['t', 'text'],
  ['j', 'jsonb'],
  ['i', 'int4'],
]);

describe('exact numbers', () => {
  const d = decoder('json', T1);
  const row = (text: string) => (d(msg(text))[0] as { row: unknown[] }).row;

  it('every column type gets the value as written', () => {
    const r = row('{"id":9007199254740993,"f":0.12345678901234567,"n":0.1000000000000000055,"t":1.50,"j":{"x":12345678901234567890,"y":2.50},"i":7}');
    expect(r).toEqual([
      9007199254740993n,
      input('0.12345678901234567', 'float8'),
      input('0.1000000000000000055', 'numeric'),
      '1.50',
      input('{"x":12345678901234567890,"y":2.50}', 'jsonb'),
      7,
    ]);
  });

  it('a long double in a float column leaves the other columns on the fast path, and right', () => {
    expect(row('{"id":5,"f":0.30000000000000004,"i":3}')).toEqual([5n, 0.30000000000000004, null, null, null, 3]);
  });

  it('a risky token elsewhere with the same double as a column`s number is told apart', () => {
    // f's token is risky and its double is 0.1; n's own token is 0.1
    const r = row('{"id":1,"f":0.1000000000000000055,"n":0.1,"t":100e-2}');
    expect(r[1]).toBe(0.1);
    expect(r[2]).toEqual(input('0.1', 'numeric'));
    expect(r[3]).toBe('100e-2');
  });

  it('float input range errors are raised for what JSON.parse would make 0 or Infinity', () => {
    expect(messageError(() => d(msg('{"id":1,"f":1e400}')))).toBe('column "f": "1e400" is out of range for type double precision');
    expect(messageError(() => d(msg('{"id":1,"f":-1e-400}')))).toBe('column "f": "-1e-400" is out of range for type double precision');
    expect(row('{"id":1,"f":0}')[1]).toBe(0);
    expect(row('{"id":1,"f":4.9e-324}')[1]).toBe(5e-324);
  });

  it('integers: a fraction is refused, except one finer than a double holds (documented)', () => {
    expect(messageError(() => d(msg('{"id":1,"i":1.5}')))).toBe('column "i": invalid input syntax for type integer: "1.5"');
    // the error quotes the number as written, not as JSON.parse rounded it
    expect(messageError(() => d(msg('{"id":1.5000000000000001}')))).toBe('column "id": invalid input syntax for type bigint: "1.5000000000000001"');
    // 1.0000000000000001 is the double 1: an int4 column takes it as 1 (PostgreSQL's int4in would refuse the text)
    expect(row('{"id":1.0000000000000001,"i":1.0000000000000001}')).toEqual([1n, null, null, null, null, 1]);
  });

  it('int8 and numeric survive any message shape (property)', () => {
    const formats: SourceFormat[] = ['json', 'upsert', 'debezium'];
    const t = table([['id', 'int8', true], ['n', 'numeric'], ['f', 'float8']], ['id']);
    const ds = formats.map((f) => decoder(f, t));
    const digits = fc.stringMatching(/^[1-9][0-9]{0,24}$/);
    fc.assert(
      fc.property(fc.bigInt(-(2n ** 63n), 2n ** 63n - 1n), digits, digits, fc.double({ noNaN: true, noDefaultInfinity: true }), (id, a, b, f) => {
        const n = `${a}.${b}`;
        const body = `"id":${id},"n":${n},"f":${JSON.stringify(f)}`;
        for (const [k, dec] of ds.entries()) {
          const text = formats[k] === 'debezium' ? `{"op":"c","after":{${body}}}` : `{${body}}`;
          const [ch] = dec(msg(text, `{"id":${id}}`));
          expect((ch as { row: unknown[] }).row).toEqual([id, input(n, 'numeric'), JSON.parse(JSON.stringify(f))]);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('numeric(p,s) from JSON numbers', () => {
  it('rounds what the token says, whatever JSON.parse made of it', () => {
    const t = table([['n', ['numeric', (12 << 16) | 2]], ['s', 'text']]);
    const d = decoder('json', t);
    const n = (tok: string) => (d(msg(`{"n":${tok}}`))[0] as { row: unknown[] }).row[0];
    for (const tok of ['1234.56', '1234.565', '0.1000000000000000055', '1234.5649999999999999999', '1234.5650000000000000001', '1e-400', '-0.005', '99999999.995']) {
      const want = (() => {
        try {
          return input(tok, t.columns[0].type);
        } catch (e) {
          return (e as Error).message;
        }
      })();
      if (typeof want === 'string') expect(messageError(() => d(msg(`{"n":${tok}}`))), tok).toContain(want);
      else expect(n(tok), tok).toEqual(want);
    }
  });

  it('agrees with numeric(p,s) input on any number token (property)', () => {
    const token = fc
      .tuple(fc.boolean(), fc.stringMatching(/^[1-9][0-9]{0,12}$|^0$/), fc.option(fc.stringMatching(/^[0-9]{1,22}$/)), fc.option(fc.integer({ min: -30, max: 30 })))
      .map(([neg, int, frac, exp]) => `${neg ? '-' : ''}${int}${frac === null ? '' : '.' + frac}${exp === null ? '' : 'e' + exp}`);
    fc.assert(
      fc.property(token, fc.integer({ min: 1, max: 20 }), fc.integer({ min: 0, max: 10 }), (tok, p, sc) => {
        const t = table([['n', ['numeric', (p << 16) | sc]]]);
        const d = decoder('json', t);
        let want: unknown;
        try {
          want = input(tok, t.columns[0].type);
        } catch (e) {
          expect(messageError(() => d(msg(`{"n":${tok}}`))), tok).toContain((e as Error).message);
          return;
        }
        expect((d(msg(`{"n":${tok}}`))[0] as { row: unknown[] }).row[0], tok).toEqual(want);
      }),
      { numRuns: 3000 },
    );
  });
});
