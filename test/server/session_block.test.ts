// The Session additions the server builds on: implicit transaction blocks (one simple-query
// message) and describe (parameter types and result columns without running the statement).

import { beforeEach, describe, expect, it } from 'vitest';
import { Database } from '../../src/index.js';
import type { Session } from '../../src/engine/session.js';
import { parseSql } from '../../src/sql/parser.js';

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

  it('commits what precedes DDL, which is not transactional', async () => {
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
