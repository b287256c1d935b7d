import { describe, expect, it } from 'vitest';
import { decoder, field, input, messageError, msg, numericTypmod, table, wrap } from './test_helpers.js';

describe('upsert', () => {
  const T1 = table(
    [
      ['id', 'int8', true],
      ['name', 'text', true],
      ['qty', 'int4'],
    ],
    ['id'],
  );
  const up = decoder('upsert', T1);

  it('the value is the new row; a null value deletes the key', () => {
    expect(up(msg({ id: 1, name: 'a', qty: 3 }, { id: 1 }))).toEqual([{ kind: 'upsert', row: [1n, 'a', 3] }]);
    expect(up(msg(null, { id: 1 }))).toEqual([{ kind: 'delete', key: [1n, null, null] }]);
  });

  it('takes a bare scalar key for a one-column key', () => {
    expect(up(msg({ name: 'a' }, '1'))).toEqual([{ kind: 'upsert', row: [1n, 'a', null] }]);
    expect(up(msg(null, '"42"'))).toEqual([{ kind: 'delete', key: [42n, null, null] }]);
    expect(up(msg(null, '9223372036854775807'))).toEqual([{ kind: 'delete', key: [9223372036854775807n, null, null] }]);
    expect(messageError(() => up(msg(null, 'x1')))).toBe('column "id": invalid input syntax for type bigint: "x1"');
    expect(messageError(() => up(msg(null, '[1]')))).toBe('key is a JSON array, not a key value');
  });

  it('reads keys and values in the schema envelope', () => {
    const keySchema = { type: 'int64', optional: false };
    expect(up(msg(wrap({ type: 'struct', fields: [field('id', 'int64'), field('name', 'string')] }, { id: 1, name: 'a' }), wrap(keySchema, 1)))).toEqual([
      { kind: 'upsert', row: [1n, 'a', null] },
    ]);
    expect(up(msg(null, wrap({ type: 'struct', fields: [field('id', 'int64')] }, { id: 5 })))).toEqual([{ kind: 'delete', key: [5n, null, null] }]);
  });

  it('fills key columns missing from the value from the key, and refuses a disagreement', () => {
    expect(up(msg({ name: 'a', id: null }, { id: 1 }))).toEqual([{ kind: 'upsert', row: [1n, 'a', null] }]);
    expect(messageError(() => up(msg({ id: 2, name: 'a' }, { id: 1 })))).toBe('column "id" is "2" in the value but "1" in the key');
  });

  it('refuses a missing key, and rows without their NOT NULL columns', () => {
    expect(messageError(() => up(msg({ id: 1, name: 'a' })))).toBe('missing key');
    expect(messageError(() => up(msg(null)))).toBe('missing key');
    expect(messageError(() => up(msg(null, 'null')))).toBe('missing key');
    expect(messageError(() => up(msg({ id: 1 }, { id: 1 })))).toBe('column "name" must not be null');
    expect(messageError(() => up(msg(null, { other: 1 })))).toBe('key has no value for key column "id"');
    expect(messageError(() => up(msg('[1]', { id: 1 })))).toBe('value is not a JSON object');
  });

  it('takes a plain text key for a text key column, exactly as written', () => {
    const t = table([['k', ['varchar', 10], true], ['v', 'int4']], ['k']);
    const d = decoder('upsert', t);
    expect(d(msg({ v: 1 }, 'plain key'))).toEqual([{ kind: 'upsert', row: ['plain key', 1] }]);
    expect(d(msg({ v: 1 }, '1.50'))).toEqual([{ kind: 'upsert', row: ['1.50', 1] }]);
    expect(d(msg({ v: 1 }, '"quoted"'))).toEqual([{ kind: 'upsert', row: ['quoted', 1] }]);
    expect(d(msg({ v: 1 }, '{"k":"obj"}'))).toEqual([{ kind: 'upsert', row: ['obj', 1] }]);
    expect(d(msg({ v: 1, k: 'obj' }, '{"k":"obj"}'))).toEqual([{ kind: 'upsert', row: ['obj', 1] }]);
    expect(d(msg(null, ''))).toEqual([{ kind: 'delete', key: ['', null] }]);
    expect(messageError(() => d(msg(null, 'much too long key')))).toBe('column "k": value too long for type character varying(10)');
  });

  it('takes a non-JSON key through the key type`s input function', () => {
    const t = table([['day', 'date', true], ['v', 'int4']], ['day']);
    expect(decoder('upsert', t)(msg(null, '2024-01-02'))).toEqual([{ kind: 'delete', key: [input('2024-01-02', 'date'), null] }]);
  });

  it('multi-column keys are objects', () => {
    const t = table([['a', 'int4', true], ['b', 'text', true], ['v', 'int4']], ['a', 'b']);
    const d = decoder('upsert', t);
    expect(d(msg({ v: 9 }, { b: 'x', a: 1 }))).toEqual([{ kind: 'upsert', row: [1, 'x', 9] }]);
    expect(d(msg(null, { b: 'x', a: 1 }))).toEqual([{ kind: 'delete', key: [1, 'x', null] }]);
    expect(messageError(() => d(msg(null, '1')))).toBe('key is not a JSON object with the primary key columns');
    expect(messageError(() => d(msg(null, '{bad')))).toMatch(/^key is not valid JSON: /);
  });

  it('numeric keys compare by value', () => {
    const t = table([['k', ['numeric', numericTypmod(10, 2)], true], ['v', 'int4']], ['k']);
    expect(decoder('upsert', t, { decimalHandling: 'string' })(msg({ k: 1.5, v: 1 }, '{"k":"1.50"}'))).toEqual([
      { kind: 'upsert', row: [input('1.50', t.columns[0].type), 1] },
    ]);
  });
});

describe('json', () => {
  const T2 = table([
    ['id', 'int8', true],
    ['price', ['numeric', numericTypmod(10, 2)]],
    ['tags', '_text'],
    ['doc', 'jsonb'],
  ]);
  const js = decoder('json', T2, { decimalHandling: 'string' });

  it('each value is a row to insert; the key is not read', () => {
    expect(js(msg({ id: 1, price: '9.90', tags: ['a'], doc: { x: [1] } }, 'anything'))).toEqual([
      { kind: 'insert', row: [1n, input('9.90', T2.columns[1].type), input('{a}', '_text'), input('{"x": [1]}', 'jsonb')] },
    ]);
    expect(js(msg(wrap({ type: 'struct', fields: [field('id', 'int64')] }, { id: 2 })))).toEqual([{ kind: 'insert', row: [2n, null, null, null] }]);
  });

  it('a JSON string in a jsonb column is a JSON string (not JSON text, as in Debezium)', () => {
    expect(js(msg({ id: 1, doc: '{"a":1}' }))).toEqual([{ kind: 'insert', row: [1n, null, null, input('"{\\"a\\":1}"', 'jsonb')] }]);
  });

  it('an array of objects is several rows', () => {
    expect(js(msg([{ id: 1 }, { id: 2 }]))).toEqual([
      { kind: 'insert', row: [1n, null, null, null] },
      { kind: 'insert', row: [2n, null, null, null] },
    ]);
    expect(js(msg('[]'))).toEqual([]);
    expect(messageError(() => js(msg([{ id: 1 }, { price: 1 }])))).toBe('element 2: column "id" must not be null');
    expect(messageError(() => js(msg([{ id: 1 }, 5])))).toBe('element 2: value is not a JSON object');
  });

  it('refuses null and non-object values', () => {
    expect(messageError(() => js(msg(null)))).toBe('value is null');
    expect(messageError(() => js(msg('null')))).toBe('value is not a JSON object');
    expect(messageError(() => js(msg('5')))).toBe('value is not a JSON object');
    expect(messageError(() => js(msg('"x"')))).toBe('value is not a JSON object');
  });

  it('keeps numbers exact: 16+ digits and written forms', () => {
    const text = '{"id":9007199254740993,"price":12345678.905,"doc":{"n":0.1000000000000000055,"m":1.50}}';
    expect(js(msg(text))).toEqual([
      { kind: 'insert', row: [9007199254740993n, input('12345678.91', T2.columns[1].type), null, input('{"n":0.1000000000000000055,"m":1.50}', 'jsonb')] },
    ]);
  });
});
