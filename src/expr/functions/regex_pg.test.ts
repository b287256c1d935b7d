// The ARE → JS translation against PostgreSQL (PGlite): the supported subset matches the same
// strings; constructs whose meaning differs are refused with 0A000.

import { describe, expect, it } from 'vitest';
import { usePglite } from '../pgtest.js';
import { Database } from '../../index.js';

const oracle = usePglite();

const PATTERNS = [
  '^(t)$', '^pg_', '^pg_toast', 'a|b', 'ab*c', 'a+', '^a?b$', 'a{2}', 'a{1,2}b', 'a{2,}', '[a-c]+$', '[^a-c]', '[]a]', '[a-]',
  '^[[:digit:]]+$', '\\d+', '\\D', 'a.c', '\\.', '(ab)+', '(?:ab|cd)e', '', 'x$', '^$', '[\\]]', 'é.', 'a\\nb',
  // classes, on ASCII text only (PGlite's locale is not the oracle's C.UTF-8)
  '\\s', '\\w+$', '^\\W', '[\\s\\d]', '[[:alpha:]]+', '[[:upper:]]', '^[[:punct:]]', '[^[:alnum:]]', 'a-b', '[a-c-]',
];
const STRINGS = ['t', 'tt', 'pg_class', 'pg_toast_1', 'abc', 'ac', 'abbbc', 'aab', 'b', '123', '12a', 'a.c', 'abab', 'cde', '', ']', '-', 'éx', 'a\nb', 'AbC', 'x', 'a b', '!x', 'a-b'];

describe('regex operators vs PostgreSQL', () => {
  it('~ and ~* agree on the supported subset', async () => {
    const db = await Database.open();
    const bad: string[] = [];
    for (const p of PATTERNS) {
      for (const s of STRINGS) {
        for (const op of ['~', '~*', '!~', '!~*']) {
          const pg = (await oracle().query<{ r: boolean }>(`SELECT $1::text ${op} $2::text AS r`, [s, p])).rows[0].r;
          const ours = (await db.query(`SELECT $1::text ${op} $2::text AS r`, [s, p])).rows[0] as { r: boolean };
          if (ours.r !== pg) bad.push(`${JSON.stringify(s)} ${op} ${JSON.stringify(p)}: ours ${ours.r}, pg ${pg}`);
        }
      }
    }
    expect(bad).toEqual([]);
  });

  it('refuses constructs it cannot translate faithfully', async () => {
    const db = await Database.open();
    for (const p of ['a*?', '\\mfoo', '\\y', '(?=a)', '(?i)a', '[[.a.]]', '[[=a=]]', '(a)\\1', '***=a']) {
      await expect(db.query(`SELECT 'a' ~ '${p}'`), p).rejects.toMatchObject({ code: '0A000' });
    }
  });

  it('answers catastrophic-backtracking patterns at once, and refuses patterns too big to compile', async () => {
    const db = await Database.open();
    const queries = [
      "SELECT repeat('a', 32) ~ '(a*)*b'",
      "SELECT repeat('a', 100000) ~ 'a*b'",
      "SELECT repeat('a', 30000) ~* '(a|aa)*b'",
      "SELECT repeat('x', 30000) !~ '(x+x+)+y'",
      "SELECT regexp_match(repeat('a', 30000), '(a*)*b')",
      "SELECT length((regexp_match(repeat('a', 30000), '(a*)*'))[1])",
      "SELECT substring(repeat('a', 30000) from '(a+)+b')",
      "SELECT repeat('a', 30000) SIMILAR TO '%(a*)*b%'",
      "SELECT regexp_like(repeat('ab', 20000), '(a|ab)*(b)*c')",
      "SELECT regexp_count(repeat('a', 30000), '(a|a)*b')",
      // LIKE with two % was a backtracking RegExp: quadratic over a long run of a's
      "SELECT repeat('a', 100000) LIKE '%a%b'",
      "SELECT repeat('a', 100000) ILIKE '%aa%ab'",
    ];
    for (const q of queries) {
      const t0 = performance.now();
      const text = `SELECT (${q.slice('SELECT '.length)})::text AS r`;
      const ours = (await db.query(text)).rows;
      // generous: each takes milliseconds; a backtracking engine takes hours
      expect(performance.now() - t0, q).toBeLessThan(2000);
      expect(ours, q).toEqual((await oracle().query(text)).rows);
    }
    for (const p of ['((a{1,200}){1,200}){1,200}', '(((a{1,100}){1,100}){1,100}){1,100}', '(?:'.repeat(20000) + 'a' + ')'.repeat(20000)]) {
      await expect(db.query(`SELECT 'a' ~ '${p}'`)).rejects.toMatchObject({ code: '2201B', message: 'invalid regular expression: regular expression is too complex' });
    }
    await expect(db.query(`SELECT 'a' ~ 'a{256}'`)).rejects.toMatchObject({ code: '2201B', message: 'invalid regular expression: invalid repetition count(s)' });
    // as big as PostgreSQL accepts
    expect((await db.query(`SELECT 'aaa' ~ '^(a{1,200}){1,200}$' AS r`)).rows).toEqual([{ r: true }]);
  });
});
