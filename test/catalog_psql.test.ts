// The real psql 15 describing a Tributary server (catalog emulation over the wire); $PSQL picks
// the binary (test/support/psql.ts), so a newer 15.x minor release can be checked too.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PSQL, PSQLS, runPsql } from './support/psql.js';
import { startTestServer, type TestServer } from './server/support.js';

let ts: TestServer;

function psql(cmd: string, extra: string[] = [], binary = PSQL!): Promise<{ code: number; stdout: string; stderr: string }> {
  return runPsql(['-h', '127.0.0.1', '-p', String(ts.port), '-U', 'tributary', '-d', 'tributary', '-X', ...extra, '-c', cmd], undefined, { PGSSLMODE: 'disable' }, binary);
}

describe.skipIf(!PSQL)('psql describe commands', () => {
  beforeAll(async () => {
    ts = await startTestServer({}, [
      "CREATE TABLE t (id int PRIMARY KEY, name varchar(20) NOT NULL DEFAULT 'x', score numeric(10,2), u text UNIQUE)",
      'CREATE TABLE s (a bigint, b text)',
      'CREATE INDEX s_a_idx ON s (a)',
      'CREATE VIEW v AS SELECT id, name FROM t WHERE id > 0',
      'CREATE MATERIALIZED VIEW mv AS SELECT a, count(*) AS n FROM s GROUP BY a',
    ]);
  });
  afterAll(() => ts?.close());

  it('\\dt and \\d list relations', async () => {
    const dt = (await psql('\\dt')).stdout;
    expect(dt).toContain(' public | s    | table | tributary\n public | t    | table | tributary\n(2 rows)');
    const d = await psql('\\d');
    expect(d.stdout).toContain(' public | mv   | materialized view | tributary');
    expect(d.stdout).toContain(' public | v    | view              | tributary');
  });

  it('\\d t describes columns and indexes', async () => {
    const r = await psql('\\d t');
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(
      [
        '                                Table "public.t"',
        ' Column |         Type          | Collation | Nullable |        Default         ',
        '--------+-----------------------+-----------+----------+------------------------',
        ' id     | integer               |           | not null | ',
        " name   | character varying(20) |           | not null | 'x'::character varying",
        ' score  | numeric(10,2)         |           |          | ',
        ' u      | text                  |           |          | ',
        'Indexes:',
        '    "t_pkey" PRIMARY KEY, btree (id)',
        '    "t_u_key" UNIQUE CONSTRAINT, btree (u)',
        '',
        '',
      ].join('\n'),
    );
  });

  it('\\l, \\dn, \\dv, \\dm, \\di, \\df and \\d on a view and an index run', async () => {
    for (const cmd of ['\\l', '\\dn', '\\dv', '\\dm', '\\di', '\\df', '\\d v', '\\d mv', '\\d s_a_idx']) {
      const r = await psql(cmd);
      expect(r.stderr, cmd).toBe('');
      expect(r.code, cmd).toBe(0);
    }
    expect((await psql('\\di')).stdout).toContain(' public | t_pkey  | index | tributary | t');
  });

  it('\\d+ and the + variants, \\du and \\dx run', async () => {
    const t = await psql('\\d+ t');
    expect(t.stderr).toBe('');
    expect(t.stdout).toContain(" name   | character varying(20) |           | not null | 'x'::character varying | extended |             |              | ");
    expect(t.stdout).toContain('Access method: heap');
    const v = await psql('\\d+ v');
    expect(v.stderr).toBe('');
    expect(v.stdout).toContain('View definition:');
    const mv = await psql('\\d+ mv');
    expect(mv.stderr).toBe('');
    for (const cmd of ['\\dt+', '\\dv+', '\\dm+', '\\di+', '\\l+', '\\dn+', '\\df+', '\\dx', '\\du']) {
      const r = await psql(cmd);
      expect(r.stderr, cmd).toBe('');
    }
    expect((await psql('\\dt+')).stdout).toContain(' public | t    | table | tributary | permanent   | heap          | 0 bytes | ');
    expect((await psql('\\du')).stdout).toMatch(/ tributary \| Superuser.* \| \{\}/);
  });
});

/**
 * Backslash commands whose queries must run without error, as this psql sends them (its
 * minor release decides the exact text: 15.20's \l+ calls pg_has_role, 15.18's does not).
 * Not yet supported, so not listed: \dp \z \dT+ \dD \dc \dC \dd \dA[cfop] \dL \do \dconfig+
 * \drds \dRs \dy \dF[dpt] \des \dew \det \deu \dl \lo_list \ddp \sf \sv (missing catalogs,
 * system columns such as tableoid, ARRAY(subquery) over catalogs, array_remove).
 */
const BACKSLASH_COMMANDS = [
  '\\l', '\\l+', '\\d', '\\d+', '\\dt', '\\dt+', '\\dv', '\\dv+', '\\dm', '\\dm+', '\\di', '\\di+', '\\ds', '\\ds+', '\\dE',
  '\\d t', '\\d+ t', '\\d v', '\\d+ v', '\\d mv', '\\d+ mv', '\\d s_a_idx', '\\d+ s_a_idx', '\\dt t*', '\\dt public.*', '\\dS', '\\dS+ pg_class',
  '\\df', '\\df+', '\\df+ abs', '\\dn', '\\dn+', '\\du', '\\du+', '\\dg', '\\dg+', '\\dT', '\\dx', '\\dx+', '\\dA', '\\dA+', '\\dconfig', '\\dP', '\\dRp',
  '\\db', '\\db+', '\\dO', '\\dO+', '\\dX',
];

describe.skipIf(PSQLS.length === 0).each(PSQLS)('psql backslash commands (%s)', (binary) => {
  beforeAll(async () => {
    ts = await startTestServer({}, [
      'CREATE TABLE t (id int PRIMARY KEY, name text)',
      'CREATE TABLE s (a bigint, b text)',
      'CREATE INDEX s_a_idx ON s (a)',
      'CREATE VIEW v AS SELECT id, name FROM t',
      'CREATE MATERIALIZED VIEW mv AS SELECT a, count(*) AS n FROM s GROUP BY a',
    ]);
  });
  afterAll(() => ts?.close());

  it('send queries that all run', async () => {
    const failed: string[] = [];
    // a few at a time: each is a psql process of its own
    for (let i = 0; i < BACKSLASH_COMMANDS.length; i += 8) {
      const batch = BACKSLASH_COMMANDS.slice(i, i + 8);
      const results = await Promise.all(batch.map((cmd) => psql(cmd, ['-v', 'VERBOSITY=verbose'], binary)));
      results.forEach((r, k) => {
        // (psql exits 1 for "Did not find any …" too: the error text is what tells)
        if (r.code > 1 || /ERROR|FATAL/.test(r.stderr)) failed.push(`${batch[k]}: ${r.stderr.trim()}`);
      });
    }
    expect(failed).toEqual([]);
  });
});
