import { describe, expect, it } from 'vitest';
import { Interval } from '../../expr/interval.js';
import { TS_NOBEGIN, TS_NOEND } from '../../expr/value.js';
import {
  base64OfBigInt,
  change,
  decoder,
  envelopeSchema,
  field,
  input,
  messageError,
  msg,
  numericTypmod,
  table,
  wrap,
} from './test_helpers.js';

const T1 = table(
  [
    ['id', 'int8', true],
    ['name', ['varchar', 10], true],
    ['amount', ['numeric', numericTypmod(10, 2)]],
    ['ts', 'timestamp'],
  ],
  ['id'],
);
const ROW_SCHEMA = [
  field('id', 'int64'),
  field('name', 'string'),
  field('amount', 'bytes', 'org.apache.kafka.connect.data.Decimal', { scale: '2', 'connect.decimal.precision': '10' }),
  field('ts', 'int64', 'io.debezium.time.MicroTimestamp'),
];
const SCHEMA = envelopeSchema(ROW_SCHEMA);
const dbz = decoder('debezium', T1);

const after = { id: 1, name: 'a', amount: 'AeJA', ts: 1704164645123456 };
const expected = [1n, 'a', input('1234.56', T1.columns[2].type), input('2024-01-02 03:04:05.123456', 'timestamp')];

describe('debezium ops', () => {
  it('c and r are upserts of after, with or without the schema envelope', () => {
    for (const op of ['c', 'r']) {
      expect(dbz(msg(change(op, null, after)))).toEqual([{ kind: 'upsert', row: expected }]);
      expect(dbz(msg(wrap(SCHEMA, change(op, null, after))))).toEqual([{ kind: 'upsert', row: expected }]);
    }
  });

  it('u without before (REPLICA IDENTITY DEFAULT) is an upsert', () => {
    expect(dbz(msg(change('u', null, after)))).toEqual([{ kind: 'upsert', row: expected }]);
    // a before without the key columns says nothing about the key either
    expect(dbz(msg(change('u', { id: null, name: null }, after)))).toEqual([{ kind: 'upsert', row: expected }]);
  });

  it('u with before (REPLICA IDENTITY FULL, or a key change) is an update from before`s key', () => {
    const before = { id: 7, name: 'old', amount: 'AA==', ts: 0 };
    expect(dbz(msg(wrap(SCHEMA, change('u', before, after))))).toEqual([
      { kind: 'update', before: [7n, null, null, null], row: expected },
    ]);
  });

  it('d takes the key from before (key columns and NULLs under REPLICA IDENTITY DEFAULT)', () => {
    const before = { id: 7, name: null, amount: null, ts: null };
    expect(dbz(msg(change('d', before, null)))).toEqual([{ kind: 'delete', key: [7n, null, null, null] }]);
    expect(dbz(msg(wrap(SCHEMA, change('d', before, null))))).toEqual([{ kind: 'delete', key: [7n, null, null, null] }]);
  });

  it('d without before takes the key from the message key', () => {
    expect(dbz(msg(change('d', null, null), { id: 7 }))).toEqual([{ kind: 'delete', key: [7n, null, null, null] }]);
    const keySchema = { type: 'struct', name: 'server.public.t.Key', fields: [field('id', 'int64')] };
    expect(dbz(msg(change('d', null, null), wrap(keySchema, { id: 7 })))).toEqual([{ kind: 'delete', key: [7n, null, null, null] }]);
    expect(messageError(() => dbz(msg(change('d', null, null))))).toBe('missing key');
    expect(messageError(() => dbz(msg(change('d', null, null), { other: 1 })))).toBe('key has no value for key column "id"');
    expect(messageError(() => dbz(msg(change('d', null, null), '[1]')))).toBe('key is not a JSON object');
  });

  it('a tombstone (null value) is nothing to do', () => {
    expect(dbz(msg(null, { id: 7 }))).toEqual([]);
    expect(dbz(msg(null))).toEqual([]);
  });

  it('refuses truncate and message events, and unknown ops', () => {
    expect(messageError(() => dbz(msg(change('t', null, null))))).toBe('truncate events (op "t") are not supported');
    expect(messageError(() => dbz(msg(change('m', null, null))))).toBe('logical decoding messages (op "m") are not supported');
    expect(messageError(() => dbz(msg(change('z', null, after))))).toBe('unknown op "z"');
    expect(messageError(() => dbz(msg({ ...change('c', null, after), op: 5 })))).toBe('unknown op 5');
    expect(messageError(() => dbz(msg({ after })))).toBe('value is not a Debezium change event (no "op" field)');
    expect(messageError(() => dbz(msg('[1]')))).toBe('value is not a Debezium change event (not a JSON object)');
    expect(messageError(() => dbz(msg(change('c', null, null))))).toBe('op "c" without an "after" row');
    expect(messageError(() => dbz(msg(change('u', null, [1]))))).toBe('op "u" without an "after" row');
  });
});

describe('debezium rows', () => {
  it('ignores unknown fields and reads missing ones as NULL', () => {
    expect(dbz(msg(change('c', null, { id: 1, name: 'a', extra: { x: 1 } })))).toEqual([{ kind: 'upsert', row: [1n, 'a', null, null] }]);
  });

  it('matches field names case-sensitively', () => {
    expect(messageError(() => dbz(msg(change('c', null, { ID: 1, name: 'a' }))))).toBe('column "id" must not be null');
  });

  it('refuses a NULL in a NOT NULL column, naming it', () => {
    expect(messageError(() => dbz(msg(change('c', null, { id: 1 }))))).toBe('column "name" must not be null');
    expect(messageError(() => dbz(msg(change('c', null, { id: 1, name: null }))))).toBe('column "name" must not be null');
  });

  it('names the column of a bad value', () => {
    expect(messageError(() => dbz(msg(change('c', null, { id: 'x', name: 'a' }))))).toBe('column "id": invalid input syntax for type bigint: "x"');
    expect(messageError(() => dbz(msg(change('c', null, { id: 1, name: 'abcdefghijk' }))))).toBe(
      'column "name": value too long for type character varying(10)',
    );
  });

  it('keeps int8 keys exact', () => {
    const text = '{"op":"c","after":{"id":9223372036854775807,"name":"a"}}';
    expect(dbz(msg(text))).toEqual([{ kind: 'upsert', row: [9223372036854775807n, 'a', null, null] }]);
    expect(dbz(msg('{"op":"d","before":{"id":9007199254740993}}'))).toEqual([{ kind: 'delete', key: [9007199254740993n, null, null, null] }]);
  });

  it('reads a column named like an Object.prototype member only from the message', () => {
    const t = table([['constructor', 'int4', true], ['toString', 'text']], ['constructor']);
    const d = decoder('debezium', t);
    expect(d(msg(change('c', null, { constructor: 1 })))).toEqual([{ kind: 'upsert', row: [1, null] }]);
    expect(messageError(() => d(msg(change('c', null, { toString: 'x' }))))).toBe('column "constructor" must not be null');
  });
});

describe('debezium encodings (with schema)', () => {
  /** Decode one value of column `c` of type `type` under field schema f. */
  function one(type: Parameters<typeof table>[0][number][1], f: ReturnType<typeof field>, value: unknown, options = {}) {
    const t = table([['id', 'int4', true], ['c', type]], ['id']);
    const schema = envelopeSchema([field('id', 'int32'), { ...f, field: 'c' }]);
    const [ch] = decoder('debezium', t, options)(msg(wrap(schema, change('r', null, { id: 1, c: value }))));
    return (ch as { row: unknown[] }).row[1];
  }

  it('dates: io.debezium.time.Date and Connect Date are days', () => {
    expect(one('date', field('c', 'int32', 'io.debezium.time.Date'), 19724)).toBe(input('2024-01-02', 'date'));
    expect(one('date', field('c', 'int32', 'org.apache.kafka.connect.data.Date'), -1)).toBe(input('1969-12-31', 'date'));
    expect(one('timestamp', field('c', 'int32', 'io.debezium.time.Date'), 19724)).toBe(input('2024-01-02', 'timestamp'));
  });

  it('timestamps: Timestamp (ms), MicroTimestamp, NanoTimestamp, Connect Timestamp, ZonedTimestamp', () => {
    const ts = (s: string) => input(s, 'timestamp');
    expect(one('timestamp', field('c', 'int64', 'io.debezium.time.Timestamp'), 1704164645123)).toBe(ts('2024-01-02 03:04:05.123'));
    expect(one('timestamp', field('c', 'int64', 'org.apache.kafka.connect.data.Timestamp'), 1704164645123)).toBe(ts('2024-01-02 03:04:05.123'));
    expect(one('timestamp', field('c', 'int64', 'io.debezium.time.MicroTimestamp'), 1704164645123456)).toBe(ts('2024-01-02 03:04:05.123456'));
    expect(one('timestamp', field('c', 'int64', 'io.debezium.time.NanoTimestamp'), 1704164645123456789)).toBe(ts('2024-01-02 03:04:05.123457'));
    expect(one('timestamp', field('c', 'int64', 'io.debezium.time.MicroTimestamp'), -1)).toBe(ts('1969-12-31 23:59:59.999999'));
    // the schema wins over the timestamp_unit option
    expect(one('timestamp', field('c', 'int64', 'io.debezium.time.Timestamp'), 1704164645123, { timestampUnit: 'nanos' })).toBe(ts('2024-01-02 03:04:05.123'));
    const tz = (s: string) => input(s, 'timestamptz');
    expect(one('timestamptz', field('c', 'string', 'io.debezium.time.ZonedTimestamp'), '2024-01-02T03:04:05.123456Z')).toBe(tz('2024-01-02 03:04:05.123456+00'));
    expect(one('timestamptz', field('c', 'string', 'io.debezium.time.ZonedTimestamp'), '2024-01-02T05:04:05+02:00')).toBe(tz('2024-01-02 03:04:05+00'));
    expect(one('date', field('c', 'int64', 'io.debezium.time.MicroTimestamp'), 1704164645123456)).toBe(input('2024-01-02', 'date'));
  });

  it("maps Debezium's infinity timestamps to infinity", () => {
    const text = (n: string) =>
      `{"schema":${JSON.stringify(envelopeSchema([field('id', 'int32'), field('c', 'int64', 'io.debezium.time.MicroTimestamp')]))},"payload":{"op":"c","after":{"id":1,"c":${n}}}}`;
    const d = decoder('debezium', table([['id', 'int4', true], ['c', 'timestamp']], ['id']));
    expect(d(msg(text('9223372036825200000')))).toEqual([{ kind: 'upsert', row: [1, TS_NOEND] }]);
    expect(d(msg(text('-9223372036832400000')))).toEqual([{ kind: 'upsert', row: [1, TS_NOBEGIN] }]);
  });

  it('times of day into interval and text columns', () => {
    const hms = (3 * 3600 + 4 * 60 + 5) * 1_000_000 + 123456;
    expect(one('interval', field('c', 'int64', 'io.debezium.time.MicroTime'), hms)).toEqual(new Interval(0, 0, BigInt(hms)));
    expect(one('interval', field('c', 'int64', 'io.debezium.time.MicroTime'), hms)).toEqual(input('03:04:05.123456', 'interval'));
    expect(one('interval', field('c', 'int32', 'io.debezium.time.Time'), 11045123)).toEqual(input('03:04:05.123', 'interval'));
    expect(one('interval', field('c', 'int32', 'org.apache.kafka.connect.data.Time'), 11045123)).toEqual(input('03:04:05.123', 'interval'));
    expect(one('interval', field('c', 'int64', 'io.debezium.time.NanoTime'), hms * 1000)).toEqual(input('03:04:05.123456', 'interval'));
    expect(one('text', field('c', 'int64', 'io.debezium.time.MicroTime'), hms)).toBe('03:04:05.123456');
    expect(one('text', field('c', 'int32', 'io.debezium.time.Time'), 11045000)).toBe('03:04:05');
    expect(() => one('interval', field('c', 'int64', 'io.debezium.time.MicroTime'), -1)).toThrow(/out of range/);
  });

  it('refuses MicroDuration (approximate) for interval columns; reads ISO 8601 strings', () => {
    expect(() => one('interval', field('c', 'int64', 'io.debezium.time.MicroDuration'), 1000)).toThrow(/MicroDuration is not exact/);
    expect(one('interval', field('c', 'string', 'io.debezium.time.Interval'), 'P1Y2M3DT4H5M6.78S')).toEqual(input('P1Y2M3DT4H5M6.78S', 'interval'));
  });

  it('Decimal bytes use the schema`s scale, whatever decimal_handling says', () => {
    const dec = (scale: number) => field('c', 'bytes', 'org.apache.kafka.connect.data.Decimal', { scale: String(scale) });
    for (const [unscaled, scale, text] of [
      [123456n, 2, '1234.56'],
      [-123456n, 2, '-1234.56'],
      [0n, 3, '0.000'],
      [-1n, 0, '-1'],
      [128n, 1, '12.8'],
      [-129n, 1, '-12.9'],
      [12345678901234567890123456789n, 5, '123456789012345678901234.56789'],
      [-(2n ** 70n), 0, String(-(2n ** 70n))],
    ] as const) {
      for (const decimalHandling of ['precise', 'string', 'double'] as const) {
        expect(one('numeric', dec(scale), base64OfBigInt(unscaled), { decimalHandling }), text).toEqual(input(text, 'numeric'));
      }
    }
    expect(base64OfBigInt(123456n)).toBe('AeJA');
    // into other numeric types
    expect(one('int8', dec(0), base64OfBigInt(2n ** 62n))).toBe(2n ** 62n);
    expect(() => one('int8', dec(2), base64OfBigInt(150n))).toThrow('column "c": invalid input syntax for type bigint: "1.50"');
    expect(one('float8', dec(2), base64OfBigInt(150n))).toBe(1.5);
    expect(one('text', dec(2), base64OfBigInt(150n))).toBe('1.50');
    expect(one(['numeric', numericTypmod(5, 1)], dec(2), base64OfBigInt(155n))).toEqual(input('1.6', 'numeric'));
    expect(() => one('numeric', dec(2), 'not base64!')).toThrow('column "c": invalid base64 decimal "not base64!"');
  });

  it('VariableScaleDecimal structs', () => {
    const vsd = { type: 'struct', name: 'io.debezium.data.VariableScaleDecimal', fields: [field('scale', 'int32'), field('value', 'bytes')] };
    expect(one('numeric', { ...vsd, field: 'c' } as never, { scale: 2, value: 'AeJA' })).toEqual(input('1234.56', 'numeric'));
    expect(one('numeric', { ...vsd, field: 'c' } as never, { scale: 0, value: base64OfBigInt(-5n) })).toEqual(input('-5', 'numeric'));
  });

  it('string and double decimal modes', () => {
    expect(one('numeric', field('c', 'string'), '1234.560', { decimalHandling: 'precise' })).toEqual(input('1234.560', 'numeric'));
    expect(one('numeric', field('c', 'float64'), 1234.56)).toEqual(input('1234.56', 'numeric'));
  });

  it('io.debezium.data.Json strings are JSON text; arrays use their items` schema', () => {
    expect(one('jsonb', field('c', 'string', 'io.debezium.data.Json'), '{"a": 12345678901234567890}')).toEqual(input('{"a": 12345678901234567890}', 'jsonb'));
    const dates = { type: 'array', optional: true, field: 'c', items: { type: 'int32', name: 'io.debezium.time.Date' } };
    expect(one('_date', dates as never, [19724, null])).toEqual(input('{2024-01-02,NULL}', '_date'));
  });

  it('a schema that is not a struct falls back to the column types', () => {
    const d = decoder('debezium', T1);
    expect(d(msg(wrap({ type: 'string' }, change('c', null, after))))).toEqual([{ kind: 'upsert', row: expected }]);
    expect(d(msg(wrap(null, change('c', null, after))))).toEqual([{ kind: 'upsert', row: expected }]);
  });
});
