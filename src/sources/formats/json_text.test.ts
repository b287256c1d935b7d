import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MessageError } from '../types.js';
import { Decimal } from '../../expr/numeric.js';
import { BadString, Exactness, JsonNumber, MessageJson, parseLossless, riskyNumbers, type Json } from './json_text.js';

const jsonParser = (part: 'key' | 'value', keepForm: boolean) => (text: string) => new MessageJson(part, keepForm, 1 << 30).parse(Buffer.from(text));
const messageText = (buf: Buffer, part: 'key' | 'value', max: number) => new MessageJson(part, false, max).text(buf);

/** JSON.parse's view of a lossless result: JsonNumbers become the doubles JSON.parse would give. */
function asJsonParse(v: Json): unknown {
  if (v instanceof JsonNumber) return Number(v.text);
  if (Array.isArray(v)) return v.map(asJsonParse);
  if (v !== null && typeof v === 'object' && !(v instanceof BadString)) {
    const o: Record<string, unknown> = {};
    for (const k of Object.keys(v)) o[k] = asJsonParse(v[k]);
    return o;
  }
  return v;
}

describe('MessageJson.text and parse', () => {
  it('decodes UTF-8 and refuses invalid bytes instead of replacing them', () => {
    expect(messageText(Buffer.from('{"a":"é€😀"}'), 'value', 100)).toBe('{"a":"é€😀"}');
    expect(jsonParser('value', false)('{"a":"é€😀"}')).toEqual({ a: 'é€😀' });
    for (const bad of [[0xff], [0xc3], [0xed, 0xa0, 0x80] /* a surrogate */, [0xc0, 0xaf] /* overlong */]) {
      const bytes = Buffer.from([0x22, ...bad, 0x22]);
      expect(() => messageText(bytes, 'value', 100)).toThrow(new MessageError('value is not valid UTF-8'));
      // in a string, outside one, and in a message the scan finds risky
      for (const b of [bytes, Buffer.concat([Buffer.from('['), Buffer.from(bad), Buffer.from(']')]), Buffer.concat([Buffer.from('[12345678901234567,'), bytes, Buffer.from(']')])]) {
        expect(() => new MessageJson('value', false, 100).parse(b)).toThrow(new MessageError('value is not valid UTF-8'));
      }
    }
  });

  it('refuses a key or value over the size limit before reading it', () => {
    expect(() => messageText(Buffer.alloc(2_000_000, 0xff), 'value', 1_048_576)).toThrow(
      new MessageError('value of 2000000 bytes exceeds max_message_bytes (1048576)'),
    );
    expect(() => messageText(Buffer.from('12345'), 'key', 4)).toThrow(new MessageError('key of 5 bytes exceeds max_message_bytes (4)'));
    expect(messageText(Buffer.from('1234'), 'key', 4)).toBe('1234');
    expect(() => new MessageJson('value', false, 4).parse(Buffer.from('12345'))).toThrow(new MessageError('value of 5 bytes exceeds max_message_bytes (4)'));
  });
});

describe('parseLossless', () => {
  it('keeps number tokens that a double would change as their text', () => {
    const v = parseLossless('{"a":9007199254740993,"b":0.1000000000000000055,"c":1.50,"d":1e400,"e":12,"f":-0}') as Record<string, Json>;
    expect(v.a).toEqual(new JsonNumber('9007199254740993'));
    expect(v.b).toEqual(new JsonNumber('0.1000000000000000055'));
    expect(v.c).toEqual(new JsonNumber('1.50'));
    expect(v.d).toEqual(new JsonNumber('1e400'));
    expect(v.e).toBe(12);
    expect(Object.is(v.f, -0)).toBe(true);
  });

  it('reads strings, escapes, nesting and duplicate keys as JSON.parse does', () => {
    const text = '{"s":"a\\"b\\\\c\\/d\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00","n":[1,[2,{}],[]],"t":true,"f":false,"z":null,"k":1,"k":2}';
    expect(parseLossless(text)).toEqual(JSON.parse(text));
  });

  it('makes "__proto__" an own field, as JSON.parse does', () => {
    const v = parseLossless('{"__proto__":{"x":1},"y":2}') as Record<string, Json>;
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    expect(Object.keys(v)).toEqual(['__proto__', 'y']);
    expect((v as any).x).toBeUndefined();
  });

  it('marks strings no SQL text can hold', () => {
    const v = parseLossless('["a\\u0000b","\\ud800","\\udc00x","\\ud83d\\ude00"]') as Json[];
    expect(v[0]).toBeInstanceOf(BadString);
    expect(v[1]).toBeInstanceOf(BadString);
    expect(v[2]).toBeInstanceOf(BadString);
    expect(v[3]).toBe('😀');
  });

  it('rejects what JSON.parse rejects', () => {
    for (const bad of ['', ' ', '{', '{"a"}', '{"a":1,}', '[1,]', '01', '1.', '.5', '-', '1e', '+1', 'tru', 'nul', '"a', '"\\x"', '"\\u12"', '"a\nb"', '{a:1}', "'a'", '1 2', '[1 2]', 'NaN', 'Infinity']) {
      expect(() => JSON.parse(bad), bad).toThrow(SyntaxError);
      expect(() => parseLossless(bad), bad).toThrow();
    }
  });

  it('agrees with JSON.parse on any JSON text (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = JSON.stringify(value);
        expect(asJsonParse(parseLossless(text))).toEqual(JSON.parse(text));
      }),
    );
  });
});

describe('risky numbers', () => {
  const risky = (text: string, keepForm = false) => riskyNumbers(Buffer.from(text), keepForm);

  it('flags the number tokens JSON.parse could change, with their doubles', () => {
    expect(risky('{"a":123456789012345,"b":0.5,"c":-12}')).toEqual([]);
    // 16-digit integers below 2^53 (microsecond timestamps) are exact doubles
    expect(risky('{"a":1704164645123456,"b":9007199254740992,"c":-9007199254740992}')).toEqual([]);
    expect(risky('{"a":9007199254740993}')).toEqual([9007199254740992]);
    expect(risky('[-9007199254740993,12345678901234567,1234567890.123456,1234567890123456e3]')).toEqual([
      -9007199254740992, 12345678901234568, 1234567890.123456, 1234567890123456e3,
    ]);
    expect(risky('[1e308,1e-400,0.1e99]')).toEqual([1e308, 0, 0.1e99].slice(0, 2));
    // digits in strings are no numbers
    expect(risky('{"a":"12345678901234567890","b\\"":"x\\"12345678901234567890"}')).toEqual([]);
  });

  it('flags written forms only where a column would show them', () => {
    expect(risky('{"a":1.50,"b":100e-2,"c":1.05}')).toEqual([]);
    expect(risky('{"a":1.50,"b":100e-2,"c":1.05}', true)).toEqual([1.5, 1]);
    expect(risky('{"a":"03:04:05.120Z"}', true)).toEqual([]);
  });

  it('sends strings with \\u0000 or surrogate escapes to the lossless parser', () => {
    const p = jsonParser('value', false);
    const nul = new BadString('unsupported Unicode escape sequence (\\u0000 cannot be converted to text)');
    expect(p('["\\u0000", 9007199254740993]')).toEqual([nul, new JsonNumber('9007199254740993')]);
    expect(p('["\\uD800"]')).toEqual([new BadString('invalid Unicode surrogate pair in JSON string')]);
    expect(p('["\\u00e9", 9007199254740993]')).toEqual(['é', 9007199254740992]);
    // an escaped backslash before u0000 is no escape, but only costs the lossless parser
    expect(p('["\\\\u0000"]')).toEqual(['\\u0000']);
  });

  it('scans a message only when a column asks, and then every part of it', () => {
    const ex = new Exactness();
    const value = new MessageJson('value', false, 1000, ex);
    const key = new MessageJson('key', false, 1000, ex);
    ex.begin();
    key.parse(Buffer.from('{"k":9007199254740993}'));
    value.parse(Buffer.from('{"a":12345678901234567,"b":5}'));
    expect(ex.risky).toBeNull();
    expect(() => ex.check(5)).not.toThrow();
    expect(ex.risky).toEqual([9007199254740992, 12345678901234568]);
    expect(() => ex.check(9007199254740992)).toThrow();
    ex.begin();
    expect(() => ex.check(9007199254740992)).not.toThrow();
  });

  it('never lets JSON.parse change a number it does not flag (property)', () => {
    const digits = (min: number, max: number) => fc.stringMatching(new RegExp(`^[0-9]{${min},${max}}$`));
    const token = fc
      .tuple(fc.boolean(), fc.oneof(fc.constant('0'), fc.tuple(fc.integer({ min: 1, max: 9 }), digits(0, 19)).map(([a, b]) => `${a}${b}`)), fc.option(digits(1, 20)), fc.option(fc.tuple(fc.constantFrom('e', 'E'), fc.constantFrom('', '+', '-'), digits(1, 3))))
      .map(([neg, int, frac, exp]) => `${neg ? '-' : ''}${int}${frac === null ? '' : '.' + frac}${exp === null ? '' : exp.join('')}`);
    fc.assert(
      fc.property(token, fc.boolean(), (tok, keepForm) => {
        const text = `{"a":[${tok}]}`;
        const flagged = riskyNumbers(Buffer.from(text), keepForm);
        const n = (JSON.parse(text) as { a: number[] }).a[0];
        if (flagged.includes(n)) return;
        const exact = Decimal.parse(tok);
        const back = Decimal.parse(String(n));
        // the value is kept; with keepForm, the written form too
        expect(back.compare(exact), tok).toBe(0);
        if (keepForm) expect(back.toString(), tok).toBe(exact.toString());
      }),
      { numRuns: 3000 },
    );
  });
});

describe('MessageJson errors', () => {
  it('wraps syntax errors as MessageError', () => {
    expect(() => jsonParser('value', false)('{x')).toThrow(MessageError);
    expect(() => jsonParser('key', false)('{x')).toThrow(/^key is not valid JSON: /);
    expect(() => jsonParser('value', false)('{"a":12345678901234567,')).toThrow(/^value is not valid JSON: /);
    // the lossless parser's own words
    expect(() => jsonParser('value', false)('["\\u0000",')).toThrow(/^value is not valid JSON: Unexpected end of JSON input$/);
    expect(() => jsonParser('value', false)('["\\u0000"}')).toThrow(/^value is not valid JSON: Unexpected token "}" at position 9$/);
    // the lossless parser bounds nesting (JSON.parse takes this one, without the escape)
    expect(() => jsonParser('value', false)('['.repeat(5000) + '"\\u0000"' + ']'.repeat(5000))).toThrow(/nested deeper than 1000/);
  });
});
