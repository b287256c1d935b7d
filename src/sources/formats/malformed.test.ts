// Whatever arrives, a decoder returns changes or raises MessageError, nothing else.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MessageError, type SourceMessage } from '../types.js';
import type { SourceFormat } from './decoder.js';
import { change, decoder, envelopeSchema, field, input, messageError, msg, numericTypmod, table, wrap } from './test_helpers.js';

const WIDE = table(
  [
    ['id', 'int8', true],
    ['b', 'bool'],
    ['i2', 'int2'],
    ['i4', 'int4'],
    ['n', 'numeric'],
    ['n2', ['numeric', numericTypmod(6, 2)]],
    ['f4', 'float4'],
    ['f8', 'float8'],
    ['t', 'text'],
    ['v', ['varchar', 4]],
    ['c', ['bpchar', 3]],
    ['d', 'date'],
    ['ts', 'timestamp'],
    ['tz', 'timestamptz'],
    ['iv', 'interval'],
    ['j', 'jsonb'],
    ['a', '_int4'],
  ],
  ['id'],
);
const FORMATS: SourceFormat[] = ['debezium', 'upsert', 'json'];
const decoders = FORMATS.flatMap((f) =>
  (['precise', 'string'] as const).map((decimalHandling) => decoder(f, WIDE, { decimalHandling, maxMessageBytes: 4096 })),
);

function onlyMessageErrors(m: SourceMessage): void {
  for (const d of decoders) {
    try {
      const out = d(m);
      expect(Array.isArray(out)).toBe(true);
    } catch (e) {
      if (!(e instanceof MessageError)) throw e;
      expect(e.message.length).toBeGreaterThan(0);
      // an exception other than SqlError/MessageError inside the decoder is reported as internal: a bug
      expect(e.message).not.toMatch(/internal error/);
    }
  }
}

const names = WIDE.columns.map((c) => c.name);
/** Random rows: column names (and some others) with arbitrary JSON values. */
const row = fc.dictionary(fc.oneof(fc.constantFrom(...names), fc.string({ maxLength: 3 })), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 8 });
const op = fc.oneof(fc.constantFrom('c', 'r', 'u', 'd', 't', 'm'), fc.jsonValue({ maxDepth: 1 }));

describe('malformed messages', () => {
  it('random bytes', () => {
    fc.assert(fc.property(fc.option(fc.uint8Array({ maxLength: 64 })), fc.option(fc.uint8Array({ maxLength: 64 })), (k, v) => {
      onlyMessageErrors({ partition: 0, offset: 0, timestamp: 0, key: k && Buffer.from(k), value: v && Buffer.from(v) });
    }), { numRuns: 300 });
  });

  it('random JSON', () => {
    fc.assert(fc.property(fc.option(fc.jsonValue()), fc.option(fc.jsonValue()), (k, v) => {
      onlyMessageErrors(msg(v === null ? null : JSON.stringify(v), k === null ? null : JSON.stringify(k)));
    }), { numRuns: 300 });
  });

  it('random rows in plausible envelopes, with and without schemas', () => {
    const schema = envelopeSchema([
      field('id', 'int64'),
      field('n', 'bytes', 'org.apache.kafka.connect.data.Decimal', { scale: '2' }),
      field('d', 'int32', 'io.debezium.time.Date'),
      field('ts', 'int64', 'io.debezium.time.NanoTimestamp'),
      field('iv', 'int64', 'io.debezium.time.MicroTime'),
      field('j', 'string', 'io.debezium.data.Json'),
      field('v', 'string', 'io.debezium.data.Json'),
    ]);
    fc.assert(
      fc.property(op, fc.option(row), fc.option(row), fc.boolean(), fc.option(row), (o, before, after, withSchema, key) => {
        const value = { ...change('c', before, after), op: o };
        onlyMessageErrors(msg(withSchema ? wrap(schema, value) : value, key));
        onlyMessageErrors(msg(withSchema ? wrap(schema.fields![1], after) : after, key));
      }),
      { numRuns: 500 },
    );
  });

  it('random text with long numbers and escapes (the lossless path)', () => {
    const token = fc.constantFrom('{', '}', '[', ']', ',', ':', '"', '\\u0000', '\\ud800', '12345678901234567', '1.50', '1e400', '-', 'e', '0', 'null', '"id"', '"j"', ' ');
    fc.assert(fc.property(fc.array(token, { maxLength: 30 }), (parts) => {
      onlyMessageErrors(msg(parts.join(''), parts.join('')));
    }), { numRuns: 500 });
  });
});

describe('specific malformed messages', () => {
  const d = decoder('debezium', WIDE, { maxMessageBytes: 1_048_576 });
  const after = (fields: object) => msg(change('c', null, { id: 1, ...fields }));

  it('not JSON, invalid UTF-8, oversized', () => {
    expect(messageError(() => d(msg('{"op":')))).toMatch(/^value is not valid JSON: /);
    expect(messageError(() => d(msg(Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x7d]))))).toBe('value is not valid UTF-8');
    expect(messageError(() => d(msg(Buffer.alloc(2_000_000, 0x20))))).toBe('value of 2000000 bytes exceeds max_message_bytes (1048576)');
    expect(messageError(() => d(msg(null, Buffer.alloc(2_000_000, 0x20))))).toBe('key of 2000000 bytes exceeds max_message_bytes (1048576)');
  });

  it('wrong JSON types for columns', () => {
    expect(messageError(() => d(after({ i4: 'x' })))).toBe('column "i4": invalid input syntax for type integer: "x"');
    expect(messageError(() => d(after({ i4: 1.5 })))).toBe('column "i4": invalid input syntax for type integer: "1.5"');
    expect(messageError(() => d(after({ b: [] })))).toBe('column "b": cannot convert a JSON array to type boolean');
    expect(messageError(() => d(after({ ts: true })))).toBe('column "ts": cannot convert a JSON boolean to type timestamp without time zone');
    expect(messageError(() => d(after({ d: '2024-13-01' })))).toMatch(/^column "d": /);
    expect(messageError(() => d(after({ n2: 'AAAA=AAAAA==' })))).toBe('column "n2": invalid base64 decimal "AAAA=AAAAA=="');
    expect(messageError(() => d(after({ n2: { scale: 2, value: 'D0JA' } })))).toMatch(/^column "n2": numeric field overflow/);
    expect(messageError(() => d(after({ t: 'a\u0000b' })))).toMatch(/^column "t": unsupported Unicode escape sequence/);
  });

  it('values decode as the engine`s input functions read their text', () => {
    const [ch] = d(after({ b: 't', i2: '7', f4: '1.5', v: 'ab', c: 'x', d: '2024-01-02', tz: '2024-01-02 03:04:05+01', iv: '1 day', a: '{1,2}' }));
    const r = (ch as { row: unknown[] }).row;
    expect(r).toEqual([1n, true, 7, null, null, null, 1.5, null, null, 'ab', input('x', WIDE.columns[10].type), input('2024-01-02', 'date'), null, input('2024-01-02 03:04:05+01', 'timestamptz'), input('1 day', 'interval'), null, input('{1,2}', '_int4')]);
  });
});

describe('exact int8 round trip (property)', () => {
  it('any bigint in range, written as a JSON number, decodes to itself', () => {
    const t = table([['id', 'int8', true], ['x', 'int8']], ['id']);
    const ds = FORMATS.map((f) => decoder(f, t));
    fc.assert(fc.property(fc.bigInt(-(2n ** 63n), 2n ** 63n - 1n), fc.bigInt(-(2n ** 63n), 2n ** 63n - 1n), (id, x) => {
      const text = `{"op":"c","after":{"id":${id},"x":${x}},"id":${id},"x":${x}}`;
      for (const d of ds) {
        const [ch] = d(msg(text, `{"id":${id}}`));
        expect((ch as { row: unknown[] }).row).toEqual([id, x]);
      }
    }));
  });
});
