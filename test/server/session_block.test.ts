// The Session additions the server builds on: implicit transaction blocks (one simple-query
// message) and describe (parameter types and result columns without running the statement);
// transaction control (every error aborts the block, savepoints, AND CHAIN, READ ONLY)
// embedded and over the wire, where the expected message sequences are PostgreSQL 15's.

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import pg from 'pg';
import postgres from 'postgres';
import { serialize } from 'pg-protocol';
import { Database } from '../../src/index.js';
import type { Session } from '../../src/engine/session.js';
import { parseSql } from '../../src/sql/parser.js';
import { RawClient, errorFields, startTestServer, type RawMessage, type TestServer } from './support.js';

let db: Database;
let s: Session;

beforeEach(async () => {
  db = await Database.open();
  await db.query('CREATE TABLE t (k int PRIMARY KEY, v text NOT NULL)');
  s = db.newSession();
});

const count = async () => Number((await db.query('SELECT count(*) AS n FROM t')).rows[0].n);

describe('Session.runImplicitBlock', () => {
  it('commits all statements together', async () => {
    const rs = s.runImplicitBlock(parseSql("INSERT INTO t VALUES (1, 'a'); INSERT INTO t VALUES (2, 'b'); SELECT count(*) FROM t"));
    expect(rs.map((r) => r.command)).toEqual(['INSERT 0 1', 'INSERT 0 1', 'SELECT 1']);
    expect(rs[2].rows).toEqual([[2n]]);
    expect(await count()).toBe(2);
    expect(s.transactionStatus).toBe('I');
  });

  it('rolls back every statement on an error', async () => {
    expect(() => s.runImplicitBlock(parseSql("INSERT INTO t VALUES (1, 'a'); INSERT INTO t VALUES (1, 'dup')"))).toThrow(/duplicate key/);
    expect(await count()).toBe(0);
    expect(s.transactionStatus).toBe('I');
  });

  it('turns into an explicit block at BEGIN, which stays open', async () => {
    s.runImplicitBlock(parseSql("INSERT INTO t VALUES (1, 'a'); BEGIN; INSERT INTO t VALUES (2, 'b')"));
    expect(s.transactionStatus).toBe('T');
    expect(await count()).toBe(0);
    s.execute('COMMIT');
    expect(await count()).toBe(2);
    // an error after BEGIN leaves the block failed, not rolled back
    expect(() => s.runImplicitBlock(parseSql('BEGIN; SELECT 1/0'))).toThrow(/division by zero/);
    expect(s.transactionStatus).toBe('E');
    expect(s.execute('ROLLBACK')[0].command).toBe('ROLLBACK');
  });

  it('ends the implicit transaction at COMMIT with a warning', async () => {
    expect(() => s.runImplicitBlock(parseSql("INSERT INTO t VALUES (1, 'a'); COMMIT; INSERT INTO t VALUES (2, 'b'); SELECT 1/0"))).toThrow();
    expect(await count()).toBe(1);
    const [r] = s.runImplicitBlock(parseSql('COMMIT'));
    expect(r.notices).toEqual(['there is no transaction in progress']);
  });

  it('DDL is part of the implicit transaction: all of it commits, or none of it', async () => {
    expect(() => s.runImplicitBlock(parseSql("INSERT INTO t VALUES (1, 'a'); CREATE TABLE u (x int); INSERT INTO u VALUES (1); SELECT 1/0"))).toThrow(/division by zero/);
    expect(await count()).toBe(0);
    await expect(db.query('SELECT x FROM u')).rejects.toThrow(/relation "u" does not exist/);
    s.runImplicitBlock(parseSql("INSERT INTO t VALUES (1, 'a'); CREATE TABLE u (x int); INSERT INTO u VALUES (1)"));
    expect(await count()).toBe(1);
    expect((await db.query('SELECT x FROM u')).rows).toEqual([{ x: 1 }]);
  });
});

describe('Session.describe', () => {
  it('infers parameter types and result columns of a SELECT without running it', () => {
    const d = s.describe(parseSql('SELECT k, v, $2::numeric(5,2) AS n FROM t WHERE k = $1')[0]);
    expect(d.paramTypes.map((t) => t.id)).toEqual(['int4', 'numeric']);
    expect(d.fields!.map((f) => [f.name, f.dataTypeID, f.type])).toEqual([['k', 23, 'integer'], ['v', 25, 'text'], ['n', 1700, 'numeric(5,2)']]);
    // unknown parameters default to text; declared ones are kept
    expect(s.describe(parseSql('SELECT $1')[0]).paramTypes.map((t) => t.id)).toEqual(['text']);
  });

  it('describes DML (with RETURNING) without changing anything', async () => {
    const ins = s.describe(parseSql('INSERT INTO t VALUES ($1, $2) RETURNING k, upper(v) AS u')[0]);
    expect(ins.paramTypes.map((t) => t.id)).toEqual(['int4', 'text']);
    expect(ins.fields!.map((f) => f.name)).toEqual(['k', 'u']);
    expect(s.describe(parseSql('UPDATE t SET v = $1 WHERE k = $2')[0])).toMatchObject({ fields: null });
    expect(s.describe(parseSql('DELETE FROM t WHERE k = $1 RETURNING *')[0]).fields!.map((f) => f.name)).toEqual(['k', 'v']);
    expect(await count()).toBe(0);
    expect(() => s.describe(parseSql('SELECT nosuch FROM t')[0])).toThrow(/does not exist/);
    expect(s.describe(parseSql('CREATE TABLE z (a int)')[0]).fields).toBeNull();
    expect(db.engine.catalog.get('z')).toBeUndefined();
  });
});

describe('errors abort the block (embedded)', () => {
  const code = (f: () => unknown): string => {
    try {
      f();
    } catch (e) {
      return (e as { code: string }).code;
    }
    return 'ok';
  };

  it('whatever fails: a statement, a syntax error, SET/SHOW, a transaction statement, a refusal', () => {
    for (const bad of ['SELECT 1/0', 'SELEC 1', 'SET nosuch = 1', 'SHOW nosuch', 'ROLLBACK TO nosuch', 'RELEASE nosuch', 'CREATE TABLE t (a int)', 'SELECT $1', 'SET TRANSACTION SNAPSHOT \'x\'']) {
      s.execute('BEGIN');
      s.execute("INSERT INTO t VALUES (1, 'a')");
      expect(code(() => s.execute(bad)), bad).not.toBe('ok');
      expect(s.transactionStatus, bad).toBe('E');
      for (const next of ['SELECT 1', 'BEGIN', 'SAVEPOINT x', 'RELEASE x', 'SHOW application_name', "SET application_name = 'x'"]) {
        expect(code(() => s.execute(next)), `${bad}; ${next}`).toBe('25P02');
      }
      expect(s.execute('COMMIT')[0].command).toBe('ROLLBACK');
      expect(s.transactionStatus).toBe('I');
    }
    expect(Number(s.execute('SELECT count(*) FROM t')[0].rows![0][0])).toBe(0);
  });

  it('several statements in one string: COMMIT AND CHAIN and SAVEPOINT are 25P01 and roll the implicit transaction back', () => {
    expect(code(() => s.execute("INSERT INTO t VALUES (1, 'a'); COMMIT AND CHAIN"))).toBe('25P01');
    expect(code(() => s.execute("INSERT INTO t VALUES (1, 'a'); SAVEPOINT p"))).toBe('25P01');
    expect(code(() => s.execute("INSERT INTO t VALUES (1, 'a'); ROLLBACK AND CHAIN"))).toBe('25P01');
    expect(s.transactionStatus).toBe('I');
    // after BEGIN it is a block: they work
    s.execute("INSERT INTO t VALUES (1, 'a'); BEGIN; INSERT INTO t VALUES (2, 'b'); SAVEPOINT p; INSERT INTO t VALUES (3, 'c'); ROLLBACK TO p; COMMIT AND CHAIN; INSERT INTO t VALUES (4, 'd')");
    expect(s.transactionStatus).toBe('T');
    s.execute('ROLLBACK');
    expect(s.execute('SELECT k FROM t ORDER BY k')[0].rows).toEqual([[1], [2]]);
  });

  it('SET LOCAL and SET TRANSACTION apply in a multi-statement string, warn alone', () => {
    const [set, show] = s.execute("SET LOCAL application_name = 'local'; SHOW application_name");
    expect(set.notices ?? []).toEqual([]);
    expect(show.rows).toEqual([['local']]);
    expect(s.execute('SHOW application_name')[0].rows).toEqual([['']]);
    expect(s.execute("SET LOCAL application_name = 'x'")[0].notices).toEqual(['SET LOCAL can only be used in transaction blocks']);
    expect(s.execute('SET TRANSACTION READ ONLY')[0].notices).toEqual(['SET TRANSACTION can only be used in transaction blocks']);
    expect(s.execute('SET TRANSACTION READ ONLY; SHOW transaction_read_only')[1].rows).toEqual([['on']]);
    expect(code(() => s.execute("SET TRANSACTION READ ONLY; INSERT INTO t VALUES (9, 'z')"))).toBe('25006');
  });

  it('settings are transactional: ROLLBACK and ROLLBACK TO undo SET, SET LOCAL ends with the transaction', () => {
    s.execute("SET application_name = 'one'");
    s.execute("BEGIN; SET application_name = 'two'; SAVEPOINT p; SET application_name = 'three'");
    s.execute('ROLLBACK TO p');
    expect(s.execute('SHOW application_name')[0].rows).toEqual([['two']]);
    s.execute('ROLLBACK');
    expect(s.execute('SHOW application_name')[0].rows).toEqual([['one']]);
    s.execute("BEGIN; SET LOCAL application_name = 'local'; COMMIT");
    expect(s.execute('SHOW application_name')[0].rows).toEqual([['one']]);
    s.execute("BEGIN; SET application_name = 'kept'; COMMIT");
    expect(s.execute('SHOW application_name')[0].rows).toEqual([['kept']]);
  });

  it('the isolation level is READ COMMITTED by default; every PostgreSQL level can be chosen', () => {
    expect(s.execute('SHOW transaction_isolation')[0].rows).toEqual([['read committed']]);
    s.execute('BEGIN ISOLATION LEVEL SERIALIZABLE');
    expect(s.execute('SHOW transaction_isolation')[0].rows).toEqual([['serializable']]);
    s.execute('COMMIT');
    s.execute("SET default_transaction_isolation = 'repeatable read'");
    s.execute('BEGIN');
    expect(s.execute('SHOW transaction_isolation')[0].rows).toEqual([['repeatable read']]);
    s.execute('SELECT 1');
    expect(code(() => s.execute('SET TRANSACTION ISOLATION LEVEL SERIALIZABLE'))).toBe('25001');
    s.execute('ROLLBACK');
    s.execute('SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL SERIALIZABLE');
    expect(s.execute('SHOW default_transaction_isolation')[0].rows).toEqual([['serializable']]);
    s.execute('RESET default_transaction_isolation');
    s.execute('BEGIN ISOLATION LEVEL READ UNCOMMITTED');
    expect(s.execute('SHOW transaction_isolation')[0].rows).toEqual([['read uncommitted']]);
    s.execute('ROLLBACK');
  });

  it('ROLLBACK TO undoes deletes and updates of committed rows and keeps unique keys right', async () => {
    await db.query("INSERT INTO t VALUES (1, 'a'), (2, 'b')");
    s.execute('BEGIN');
    s.execute('SAVEPOINT p');
    s.execute("UPDATE t SET k = k + 10, v = v || '!'");
    s.execute("INSERT INTO t VALUES (1, 'new')");
    s.execute('DELETE FROM t WHERE k = 12');
    expect(s.execute('SELECT k, v FROM t ORDER BY k')[0].rows).toEqual([[1, 'new'], [11, 'a!']]);
    s.execute('ROLLBACK TO p');
    expect(s.execute('SELECT k, v FROM t ORDER BY k')[0].rows).toEqual([[1, 'a'], [2, 'b']]);
    expect(code(() => s.execute("INSERT INTO t VALUES (1, 'dup')"))).toBe('23505');
    s.execute('ROLLBACK TO p');
    s.execute("INSERT INTO t VALUES (3, 'c')");
    s.execute('RELEASE p');
    s.execute('COMMIT');
    expect((await db.query('SELECT k FROM t ORDER BY k')).rows).toEqual([{ k: 1 }, { k: 2 }, { k: 3 }]);
  });
});

/** A message sequence in short: E(code), N(code), Z(status), C(tag), S(name=value), else the type. */
function brief(ms: RawMessage[]): string {
  return ms
    .map((m) => {
      if (m.type === 'E' || m.type === 'N') return `${m.type}(${errorFields(m.body).C})`;
      if (m.type === 'Z') return `Z(${String.fromCharCode(m.body[0])})`;
      if (m.type === 'C') return `C(${m.body.toString('utf8', 0, m.body.length - 1)})`;
      if (m.type === 'S') return `S(${m.body.toString('utf8').split('\0').slice(0, 2).join('=')})`;
      return m.type;
    })
    .join(' ');
}

describe('transaction control over the wire', () => {
  let ts: TestServer;
  beforeAll(async () => {
    ts = await startTestServer({}, ['CREATE TABLE w (k int PRIMARY KEY)']);
  });
  afterAll(() => ts.close());

  async function raw(): Promise<{ c: RawClient; q: (sql: string) => Promise<string>; x: (...msgs: Buffer[]) => Promise<string> }> {
    const c = await RawClient.connect(ts.port);
    const q = async (sql: string) => {
      c.send(serialize.query(sql));
      return brief(await c.readUntil('Z'));
    };
    // extended-protocol messages followed by Sync
    const x = async (...msgs: Buffer[]) => {
      for (const m of msgs) c.send(m);
      c.send(serialize.sync());
      return brief(await c.readUntil('Z'));
    };
    return { c, q, x };
  }

  it('simple protocol: an error or a syntax error makes ReadyForQuery E; COMMIT then rolls back', async () => {
    const { c, q } = await raw();
    expect(await q('BEGIN')).toBe('C(BEGIN) Z(T)');
    expect(await q('INSERT INTO w VALUES (1)')).toBe('C(INSERT 0 1) Z(T)');
    expect(await q('SELEC 1')).toBe('E(42601) Z(E)');
    expect(await q('SELECT 1')).toBe('E(25P02) Z(E)');
    expect(await q('COMMIT')).toBe('C(ROLLBACK) Z(I)');
    expect(await q('BEGIN; SAVEPOINT a; INSERT INTO w VALUES (2); SELECT 1/0')).toBe('C(BEGIN) C(SAVEPOINT) C(INSERT 0 1) E(22012) Z(E)');
    expect(await q('ROLLBACK TO a')).toBe('C(ROLLBACK) Z(T)');
    expect(await q('INSERT INTO w VALUES (3); RELEASE a; COMMIT')).toBe('C(INSERT 0 1) C(RELEASE) C(COMMIT) Z(I)');
    expect(await q('INSERT INTO w VALUES (4); COMMIT AND CHAIN')).toBe('C(INSERT 0 1) E(25P01) Z(I)');
    expect(await q('INSERT INTO w VALUES (5); SAVEPOINT a')).toBe('C(INSERT 0 1) E(25P01) Z(I)');
    expect(await q('BEGIN; INSERT INTO w VALUES (6); COMMIT AND CHAIN; INSERT INTO w VALUES (7)')).toBe('C(BEGIN) C(INSERT 0 1) C(COMMIT) C(INSERT 0 1) Z(T)');
    expect(await q('ROLLBACK')).toBe('C(ROLLBACK) Z(I)');
    expect((await ts.db.query('SELECT k FROM w ORDER BY k')).rows).toEqual([{ k: 3 }, { k: 6 }]);
    c.end();
  });

  it('COPY: a refused or failing COPY aborts the block; an aborted block refuses COPY before CopyInResponse', async () => {
    const { c, q } = await raw();
    expect(await q('BEGIN READ ONLY')).toBe('C(BEGIN) Z(T)');
    expect(await q('COPY w FROM STDIN')).toBe('E(25006) Z(E)');
    expect(await q('ROLLBACK')).toBe('C(ROLLBACK) Z(I)');
    expect(await q('BEGIN')).toBe('C(BEGIN) Z(T)');
    expect(await q('COPY nosuch FROM STDIN')).toBe('E(42P01) Z(E)');
    expect(await q('COPY w FROM STDIN')).toBe('E(25P02) Z(E)');
    expect(await q('COPY w TO STDOUT')).toBe('E(25P02) Z(E)');
    expect(await q('ROLLBACK')).toBe('C(ROLLBACK) Z(I)');
    expect(await q('SET default_transaction_read_only = on')).toBe('C(SET) S(default_transaction_read_only=on) Z(I)');
    expect(await q('COPY w FROM STDIN')).toBe('E(25006) Z(I)');
    expect(await q('COPY w TO STDOUT')).toMatch(/^H .*C\(COPY \d+\) Z\(I\)$/);
    c.end();
  });

  it('ParameterStatus follows default_transaction_read_only and settings rolled back by an error', async () => {
    const { c, q } = await raw();
    expect(await q('SET default_transaction_read_only = on')).toBe('C(SET) S(default_transaction_read_only=on) Z(I)');
    expect(await q('BEGIN')).toBe('C(BEGIN) Z(T)');
    expect(await q('SET default_transaction_read_only = off')).toBe('C(SET) S(default_transaction_read_only=off) Z(T)');
    expect(await q('ROLLBACK')).toBe('C(ROLLBACK) S(default_transaction_read_only=on) Z(I)');
    expect(await q('SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE')).toBe('C(SET) S(default_transaction_read_only=off) Z(I)');
    expect(await q("BEGIN; SET application_name = 'in_block'")).toBe('C(BEGIN) C(SET) S(application_name=in_block) Z(T)');
    // PostgreSQL undoes the block's SETs when it fails, not at its ROLLBACK
    expect(await q('SELECT 1/0')).toBe('E(22012) S(application_name=) Z(E)');
    expect(await q('ROLLBACK')).toBe('C(ROLLBACK) Z(I)');
    expect(await q('SET LOCAL application_name = x')).toBe('N(25P01) C(SET) Z(I)');
    expect(await q('RESET ALL')).toBe('C(RESET) Z(I)');
    c.end();
  });

  it('extended protocol: Parse/Bind/Execute errors abort the block; only COMMIT/ROLLBACK pass Parse, Bind and Describe then', async () => {
    const { c, q, x } = await raw();
    const P = (text: string, name = '') => serialize.parse({ name, text, types: [] });
    const B = (statement = '', values: unknown[] = []) => serialize.bind({ statement, values: values as string[] });
    const E = () => serialize.execute({ portal: '', rows: 0 });
    const D = (type: 'S' | 'P', name = '') => serialize.describe({ type, name });
    expect(await q('BEGIN')).toBe('C(BEGIN) Z(T)');
    expect(await x(P('SELEC 1'))).toBe('E(42601) Z(E)');
    expect(await q('ROLLBACK')).toBe('C(ROLLBACK) Z(I)');
    expect(await q('BEGIN')).toBe('C(BEGIN) Z(T)');
    expect(await x(P('SELECT $1::int'), B('', []))).toBe('1 E(08P01) Z(E)');
    expect(await q('ROLLBACK')).toBe('C(ROLLBACK) Z(I)');
    expect(await q('BEGIN')).toBe('C(BEGIN) Z(T)');
    expect(await x(P('SELECT 1', 's1'), P('INSERT INTO w VALUES (1)', 's2'), P('ROLLBACK', 's3'))).toBe('1 1 1 Z(T)');
    expect(await x(serialize.execute({ portal: 'nope', rows: 0 }))).toBe('E(34000) Z(E)');
    expect(await x(P('SELECT 2'))).toBe('E(25P02) Z(E)');
    expect(await x(D('S', 's1'))).toBe('E(25P02) Z(E)');
    expect(await x(D('S', 's2'))).toBe('t n Z(E)');
    expect(await x(B('s1'))).toBe('E(25P02) Z(E)');
    expect(await x(B('s3'), D('P'), E())).toBe('2 n C(ROLLBACK) Z(I)');
    // savepoints, ROLLBACK TO and AND CHAIN through Parse/Bind/Execute
    expect(await x(P('BEGIN'), B(), E(), P('SAVEPOINT a'), B(), E(), P('SELECT 1/0'), B(), E())).toMatch(/C\(BEGIN\) 1 2 C\(SAVEPOINT\) 1 .*E\(22012\) Z\(E\)$/);
    expect(await x(P('ROLLBACK TO a'), B(), E(), P('SELECT 1'), B(), E())).toBe('1 2 C(ROLLBACK) 1 2 D C(SELECT 1) Z(T)');
    expect(await x(P('COMMIT AND CHAIN'), B(), E())).toBe('1 2 C(COMMIT) Z(T)');
    expect(await q('ROLLBACK')).toBe('C(ROLLBACK) Z(I)');
    // outside a block: the messages up to Sync are not a block
    expect(await x(P('SAVEPOINT a'), B(), E())).toBe('1 2 E(25P01) Z(I)');
    expect(await x(P('SET LOCAL application_name = z'), B(), E())).toBe('1 2 N(25P01) C(SET) Z(I)');
    expect(await x(P('SELECT 1'), B(), E(), P('COMMIT AND CHAIN'), B(), E())).toMatch(/E\(25P01\) Z\(I\)$/);
    c.end();
  });

  it('node-postgres: savepoints, a failed parameterized statement, a read-only transaction', async () => {
    const client = new pg.Client({ host: '127.0.0.1', port: ts.port, user: 'nodepg', database: 'x' });
    await client.connect();
    try {
      await client.query('DELETE FROM w');
      await client.query('BEGIN');
      await client.query('INSERT INTO w VALUES ($1)', [10]);
      await client.query('SAVEPOINT before_dup');
      await expect(client.query('INSERT INTO w VALUES ($1)', [10])).rejects.toMatchObject({ code: '23505' });
      await expect(client.query('SELECT $1::int', [1])).rejects.toMatchObject({ code: '25P02' });
      await client.query('ROLLBACK TO SAVEPOINT before_dup');
      await client.query('INSERT INTO w VALUES ($1)', [11]);
      await client.query('COMMIT');
      expect((await client.query('SELECT k FROM w ORDER BY k')).rows).toEqual([{ k: 10 }, { k: 11 }]);
      await client.query('BEGIN READ ONLY');
      await expect(client.query('UPDATE w SET k = k + $1', [1])).rejects.toMatchObject({ code: '25006', message: 'cannot execute UPDATE in a read-only transaction' });
      expect((await client.query('COMMIT')).command).toBe('ROLLBACK');
    } finally {
      await client.end();
    }
  });

  it('postgres.js: nested savepoints (sql.savepoint) and a read-only transaction (sql.begin options)', async () => {
    const sql = postgres({ host: '127.0.0.1', port: ts.port, user: 'pgjs', database: 'x', max: 1, onnotice: () => {} });
    try {
      await sql`DELETE FROM w`;
      await sql.begin(async (tx) => {
        await tx`INSERT INTO w VALUES (${20})`;
        await tx.savepoint(async (sp) => {
          await sp`INSERT INTO w VALUES (${21})`;
        });
        await tx
          .savepoint(async (sp) => {
            await sp`INSERT INTO w VALUES (${22})`;
            await sp`INSERT INTO w VALUES (${20})`; // duplicate: this savepoint is rolled back
          })
          .catch((e) => expect(e.code).toBe('23505'));
        await tx`INSERT INTO w VALUES (${23})`;
      });
      expect((await sql`SELECT k FROM w ORDER BY k`).map((r) => r.k)).toEqual([20, 21, 23]);
      await expect(sql.begin('read only', (tx) => tx`INSERT INTO w VALUES (${24})`)).rejects.toMatchObject({ code: '25006' });
      expect((await sql.begin('read only', (tx) => tx`SELECT count(*)::int AS n FROM w`))[0].n).toBe(3);
    } finally {
      await sql.end({ timeout: 1 });
    }
  });
});
