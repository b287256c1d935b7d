// The server through the real psql (PostgreSQL 15 client), when it is installed; $PSQL picks
// another binary (test/support/psql.ts).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PSQL, runPsql } from '../support/psql.js';
import { startTestServer, type TestServer } from './support.js';

let ts: TestServer;

function psql(args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return runPsql(['-h', '127.0.0.1', '-p', String(ts.port), '-U', 'psqluser', '-d', 'demo', '-X', ...args], input, { PGSSLMODE: 'prefer', PGAPPNAME: 'psql-test' });
}

describe.skipIf(!PSQL)('psql', () => {
  beforeAll(async () => {
    ts = await startTestServer({}, ["CREATE TABLE kv (k text PRIMARY KEY, v int)", "INSERT INTO kv VALUES ('a', 1), ('b', 2)"]);
  });
  afterAll(() => ts?.close());

  it('runs -c commands', async () => {
    expect(await psql(['-A', '-t', '-c', 'select 1'])).toMatchObject({ code: 0, stdout: '1\n' });
    const r = await psql(['-A', '-t', '-c', 'select k, v from kv order by k']);
    expect(r.stdout).toBe('a|1\nb|2\n');
    const who = await psql(['-A', '-t', '-c', 'select current_user, current_database(), current_setting_test from (select 1 as current_setting_test) s']);
    expect(who.stdout).toBe('psqluser|demo|1\n');
    expect((await psql(['-A', '-t', '-c', 'show application_name'])).stdout).toBe('psql-test\n');
  });

  it('prints aligned tables and errors like PostgreSQL', async () => {
    const r = await psql(['-c', 'select k, v from kv order by k']);
    expect(r.stdout).toBe(' k | v \n---+---\n a | 1\n b | 2\n(2 rows)\n\n');
    const e = await psql(['-v', 'VERBOSITY=verbose', '-c', 'select nosuch from kv']);
    expect(e.code).not.toBe(0);
    expect(e.stderr).toContain('ERROR:  42703: column "nosuch" does not exist');
    expect(e.stderr).toContain('LINE 1: select nosuch from kv');
  });

  it('runs a script with a transaction and ON_ERROR_STOP', async () => {
    const script = `
      begin;
      insert into kv values ('c', 3);
      select count(*) from kv;
      rollback;
      select count(*) from kv;
      insert into kv values ('d', 4);
      select v from kv where k = 'd';
      select 1/0;
      select 'not reached';
    `;
    const r = await psql(['-A', '-t', '-v', 'ON_ERROR_STOP=1', '-f', '-'], script);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('BEGIN\nINSERT 0 1\n3\nROLLBACK\n2\nINSERT 0 1\n4\n');
    expect(r.stderr).toContain('ERROR:  division by zero');
  });

  it('AUTOCOMMIT off: DDL in the transaction psql opens, ROLLBACK undoes it, and a failed write names its view', async () => {
    const script = `
      \\set AUTOCOMMIT off
      create table t_ac (x int);
      insert into t_ac values (1);
      create materialized view t_ac_q as select 10 / x as q from t_ac;
      select q from t_ac_q;
      rollback;
      select count(*) from pg_class where relname = 't_ac';
      rollback;
      \\set AUTOCOMMIT on
      create table t_ac (x int);
      create materialized view t_ac_q as select 10 / x as q from t_ac;
      insert into t_ac values (0);
      select count(*) from t_ac;
    `;
    const r = await psql(['-A', '-t', '-f', '-'], script);
    expect(r.stdout).toBe('CREATE TABLE\nINSERT 0 1\nSELECT 1\n10\nROLLBACK\n0\nROLLBACK\nCREATE TABLE\nSELECT 0\n0\n');
    expect(r.stderr).toContain('ERROR:  division by zero');
    expect(r.stderr).toContain('CONTEXT:  while maintaining materialized view "t_ac_q"');
  });
});
