// The INSERT … VALUES fast path (sql/fast_insert.ts) must give exactly the tree PostgreSQL's
// parser gives, or give up: random statements of literals, spacing and case, and statements
// that look alike but are not plain (casts, expressions, E'' strings, comments, RETURNING,
// two statements), each parsed both ways.

import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ensureParser, parseSql, parseUncached } from '../src/sql/parser.js';
import { fastInsert } from '../src/sql/fast_insert.js';

beforeAll(async () => {
  await ensureParser();
});

const space = fc.constantFrom(' ', '', '  ', '\n', '\t', ' \n ');
const word = (w: string) => fc.constantFrom(w, w.toUpperCase(), w[0].toUpperCase() + w.slice(1));
const int = fc.oneof(fc.integer(), fc.constantFrom('0', '-0', '007', '2147483647', '2147483648', '-2147483648', '-2147483649', '9223372036854775808', '000000000000012'));
const dec = fc.constantFrom('1.', '.5', '-.5', '1.5', '-4.25', '1e5', '1.5E-3', '-0.0', '123456789012345678901234567890.5', '0e0');
const str = fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom("it''s", '\\n', 'café', 'line\nbreak', '', "''")).map((s) => `'${s.replace(/'(?!')/g, "''")}'`);
const plain = fc.oneof(int.map(String), dec, str, word('null'), word('true'), word('false'), word('default'));
// items the fast path must not take (it may give up on the whole statement)
const odd = fc.constantFrom("'1'::int", '- 5', "E'x'", '1_000', '0x1F', '+5', '1e', '$1', "'a' 'b'", "'a'\n'b'", 'now()', 'NULL::text', '(1)', '1 + 2', "U&'d'", 'x', '5abc', '1..2', '/* c */ 1');

const statement = fc.record({
  table: fc.constantFrom('t', 'T', '"Mixed Case"', 'public.t', 'x_1$', '"select"', 'select', 'values'),
  cols: fc.option(fc.array(fc.constantFrom('a', '"B"', 'c_d', '"x, y"', 'value'), { minLength: 1, maxLength: 3 }), { nil: null }),
  rows: fc.array(fc.array(fc.tuple(space, fc.oneof({ weight: 12, arbitrary: plain }, { weight: 1, arbitrary: odd }), space), { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 5 }),
  pad: fc.tuple(space, space),
  tail: fc.constantFrom('', ';', '; ', ' ;\n', ' RETURNING *', ' ON CONFLICT DO NOTHING', '; SELECT 1', ' -- c'),
  insert: fc.constantFrom('INSERT INTO', 'insert into', 'Insert  Into', 'INSERT\nINTO'),
});

type Statement = typeof statement extends fc.Arbitrary<infer T> ? T : never;

function text(s: Statement): string {
  const rows = s.rows.map((r) => `(${r.map(([a, v, b]) => `${a}${v}${b}`).join(',')})`).join(`,${s.pad[0]}`);
  const cols = s.cols ? ` (${s.cols.join(', ')})` : '';
  // long enough for the fast path
  return `${s.pad[1]}${s.insert} ${s.table}${cols} VALUES ${rows}${s.tail}`.padEnd(70, ' ');
}

describe('the INSERT … VALUES fast path', () => {
  it('gives the parser’s tree or gives up', () => {
    let fast = 0;
    fc.assert(
      fc.property(statement, (s) => {
        const sql = text(s);
        let real: unknown;
        try {
          real = parseUncached(sql);
        } catch {
          real = 'error';
        }
        const got = fastInsert(sql, (head) => parseSql(head));
        if (got === null) return;
        fast++;
        expect(got, sql).toEqual(real);
      }),
      { numRuns: 3000 },
    );
    // most plain statements go the fast way
    expect(fast).toBeGreaterThan(400);
  });

  it('reads a thousand rows the same way', () => {
    const sql = `INSERT INTO t VALUES ${Array.from({ length: 1000 }, (_, i) => `(${i - 500}, 'n''${i}', ${i}.25, NULL, ${i % 2 ? 'TRUE' : 'false'}, DEFAULT)`).join(', ')};`;
    const got = fastInsert(sql, (head) => parseSql(head));
    expect(got).not.toBeNull();
    expect(got).toEqual(parseUncached(sql));
  });
});
