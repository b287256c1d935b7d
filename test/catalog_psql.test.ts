// The real psql 15 describing a Tributary server (catalog emulation over the wire).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { startTestServer, type TestServer } from './server/support.js';

const PSQL = ['/usr/bin/psql', '/usr/lib/postgresql/15/bin/psql'].find((p) => existsSync(p));
let ts: TestServer;

function psql(cmd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      PSQL!,
      ['-h', '127.0.0.1', '-p', String(ts.port), '-U', 'tributary', '-d', 'tributary', '-X', '-c', cmd],
      { env: { ...process.env, PGCONNECT_TIMEOUT: '10', PGSSLMODE: 'disable' } },
      (err, stdout, stderr) => resolve({ code: err ? ((err as any).code ?? 1) : 0, stdout, stderr }),
    );
  });
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
