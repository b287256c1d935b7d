// Catalog emulation: the queries psql 15 sends for \l, \dn, \dt, \dv, \dm, \d, \d name, \di
// and \df (captured verbatim with `psql -E` against PostgreSQL 15, in
// fixtures/psql15_describe.txt) run against Tributary and give psql's expected rows; the
// relation listings are compared with real PostgreSQL (PGlite) running the same DDL.

import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../src/index.js';
import { Oracle } from './support/oracle.js';

const SCHEMA = [
  "CREATE TABLE t (id int PRIMARY KEY, name varchar(20) NOT NULL DEFAULT 'x', score numeric(10,2), u text UNIQUE)",
  'CREATE TABLE s (a bigint, b text)',
  'CREATE INDEX s_a_idx ON s (a)',
  'CREATE VIEW v AS SELECT id, name FROM t WHERE id > 0',
  'CREATE MATERIALIZED VIEW mv AS SELECT a, count(*) AS n FROM s GROUP BY a',
];

/** psql's hidden queries per backslash command, in order. */
function psqlQueries(): Map<string, string[]> {
  const text = readFileSync(new URL('./fixtures/psql15_describe.txt', import.meta.url), 'utf8');
  const out = new Map<string, string[]>();
  for (const block of text.split(/^=== /m).slice(1)) {
    const cmd = block.slice(0, block.indexOf('\n'));
    out.set(cmd, [...block.matchAll(/\*{9} QUERY \*{10}\n([\s\S]*?)\n\*{26}/g)].map((m) => m[1]));
  }
  return out;
}

const Q = psqlQueries();
let db: Database;
let oracle: Oracle;

async function rows(sql: string): Promise<(string | null)[][]> {
  const r = await db.query(sql, [], { rowMode: 'array', format: 'text' });
  return r.rows as unknown as (string | null)[][];
}

/** Run the queries of `\d name` as psql does: the first finds the oid, the rest use it. */
async function describe_(cmd: string): Promise<(string | null)[][][]> {
  const qs = Q.get(cmd)!;
  const first = await rows(qs[0]);
  expect(first.length).toBe(1);
  const oid = first[0][0]!;
  const pgOid = /'(\d{5})'/.exec(qs[1])![1];
  const out = [first];
  for (const q of qs.slice(1)) out.push(await rows(q.replaceAll(pgOid, oid)));
  return out;
}

beforeAll(async () => {
  db = await Database.open();
  for (const s of SCHEMA) await db.query(s);
  oracle = await Oracle.create();
  for (const s of SCHEMA) await oracle.exec(s);
});

describe('psql 15 describe queries', () => {
  it('\\dn, \\dt, \\dv, \\dm, \\d and \\di list what PostgreSQL lists', async () => {
    for (const cmd of ['\\dn', '\\dt', '\\dv', '\\dm', '\\d', '\\di']) {
      const q = Q.get(cmd)![0];
      const ours = await rows(q);
      // the owner column is the connecting user: PGlite's is postgres, ours tributary
      const norm = (rs: (string | null)[][]) => rs.map((r) => r.map((v) => (v === 'postgres' || v === 'tributary' ? '<owner>' : v)));
      expect(norm(ours), cmd).toEqual(norm(await oracle.rows(q)));
    }
  });

  it('\\l lists the one database', async () => {
    expect(await rows(Q.get('\\l')![0])).toEqual([['tributary', 'tributary', 'UTF8', 'C', 'C.UTF-8', null, 'libc', null]]);
  });

  it('\\d t: columns, defaults, indexes and constraints', async () => {
    const [found, table, cols, indexes, ...footers] = await describe_('\\d t');
    expect(found[0].slice(1)).toEqual(['public', 't']);
    expect(table[0][1]).toBe('r');
    expect(cols).toEqual([
      ['id', 'integer', null, 't', null, '', ''],
      ['name', 'character varying(20)', "'x'::character varying", 't', null, '', ''],
      ['score', 'numeric(10,2)', null, 'f', null, '', ''],
      ['u', 'text', null, 'f', null, '', ''],
    ]);
    expect(indexes).toEqual([
      ['t_pkey', 't', 't', 'f', 't', 'CREATE UNIQUE INDEX t_pkey ON public.t USING btree (id)', 'PRIMARY KEY (id)', 'p', 'f', 'f', 'f', '0'],
      ['t_u_key', 'f', 't', 'f', 't', 'CREATE UNIQUE INDEX t_u_key ON public.t USING btree (u)', 'UNIQUE (u)', 'u', 'f', 'f', 'f', '0'],
    ]);
    // policies, statistics, publications, inheritance: none
    expect(footers.every((f) => f.length === 0)).toBe(true);
  });

  it('\\d v, \\d mv and \\d s_a_idx', async () => {
    const [, v, vcols] = await describe_('\\d v');
    expect(v[0][1]).toBe('v');
    expect(vcols.map((r) => r.slice(0, 2))).toEqual([['id', 'integer'], ['name', 'character varying(20)']]);
    const [, mv, mvcols] = await describe_('\\d mv');
    expect(mv[0][1]).toBe('m');
    expect(mvcols.map((r) => r.slice(0, 2))).toEqual([['a', 'bigint'], ['n', 'bigint']]);
    const [, ix, ixcols, ixinfo] = await describe_('\\d s_a_idx');
    expect(ix[0][1]).toBe('i');
    expect(ixcols).toEqual([['a', 'bigint', 'yes', 'a']]);
    expect(ixinfo).toEqual([['f', 'f', 'f', 't', 'f', 'f', 'f', 'f', 'btree', 's', null]]);
  });

  it('pg_get_viewdef (as \\d+ v calls it) and \\df', async () => {
    const oid = (await rows("SELECT 'v'::regclass::oid"))[0][0];
    expect(await rows(`SELECT pg_catalog.pg_get_viewdef('${oid}'::pg_catalog.oid, true)`)).toEqual([[' SELECT id, name FROM t WHERE id > 0;']]);
    expect(await rows(Q.get('\\df')![0])).toEqual([]);
  });

  it('\\d+ runs: ARRAY(subquery) over unnest of an always-NULL column is {}', async () => {
    const q = Q.get('\\d+ t')![1];
    const r = await db.query(q, [], { rowMode: 'array', format: 'text' });
    expect(r.rows.length).toBe(1);
    expect(r.rows[0][9]).toBe('');
  });
});

describe('system relations and functions', () => {
  it('pg_type has the built-in types and their array types (postgres.js fetch_types)', async () => {
    const q =
      "select b.oid, b.typarray from pg_catalog.pg_type a left join pg_catalog.pg_type b on b.oid = a.typelem where a.typcategory = 'A' group by b.oid, b.typarray order by b.oid";
    const ours = await rows(q);
    const pg = new Map((await oracle.rows(q)).map((r) => [r[0], r[1]]));
    expect(ours.length).toBeGreaterThan(20);
    for (const [oid, arr] of ours) if (oid !== null) expect(pg.get(oid), `type ${oid}`).toBe(arr);
  });

  it('regclass, regtype and oid casts', async () => {
    expect(await rows("SELECT 't'::regclass::text, 'pg_class'::regclass::oid, 23::regtype::text, 'integer'::regtype::oid, 0::regclass::text")).toEqual([
      ['t', '1259', 'integer', '23', '-'],
    ]);
    await expect(db.query("SELECT 'nope'::regclass")).rejects.toMatchObject({ code: '42P01' });
    expect(await rows("SELECT c.relname FROM pg_class c WHERE c.oid = 't'::regclass")).toEqual([['t']]);
  });

  it('information_schema tables, columns and constraints', async () => {
    const tables = "SELECT table_schema, table_name, table_type FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 2";
    expect(await rows(tables)).toEqual(await oracle.rows(tables));
    const cols =
      "SELECT table_name, column_name, ordinal_position, column_default, is_nullable, data_type, character_maximum_length, numeric_precision, numeric_scale, udt_name FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1, 3";
    expect(await rows(cols)).toEqual(await oracle.rows(cols));
    const keys =
      "SELECT tc.constraint_name, tc.constraint_type, k.column_name, k.ordinal_position FROM information_schema.table_constraints tc JOIN information_schema.key_column_usage k ON k.constraint_name = tc.constraint_name WHERE tc.table_name = 't' ORDER BY 1";
    expect(await rows(keys)).toEqual(await oracle.rows(keys));
  });

  it('functions tools call', async () => {
    expect(
      await rows(
        "SELECT format_type(1043, 24), format_type(23, NULL), pg_get_userbyid(10), pg_encoding_to_char(6), has_table_privilege('t', 'SELECT'), has_schema_privilege('public', 'USAGE'), quote_ident('a b'), quote_ident('ab'), array_to_string(current_schemas(true), ',')",
      ),
    ).toEqual([['character varying(20)', 'integer', 'tributary', 'UTF8', 't', 't', '"a b"', 'ab', 'pg_catalog,public']]);
  });

  it('views over system catalogs are refused', async () => {
    await expect(db.query('CREATE MATERIALIZED VIEW bad AS SELECT relname FROM pg_class')).rejects.toMatchObject({ code: '0A000' });
    await expect(db.query('CREATE VIEW bad AS SELECT relname FROM pg_class')).rejects.toMatchObject({ code: '0A000' });
  });

  it('catalogs follow DDL', async () => {
    const d = await Database.open();
    await d.query('CREATE TABLE a (x int)');
    const q = "SELECT relname FROM pg_class WHERE relnamespace = 2200 ORDER BY 1";
    expect((await d.query(q, [], { rowMode: 'array' })).rows).toEqual([['a']]);
    await d.query('DROP TABLE a');
    expect((await d.query(q, [], { rowMode: 'array' })).rows).toEqual([]);
  });
});
