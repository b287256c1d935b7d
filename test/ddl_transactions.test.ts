// DDL inside transactions (engine/ddl_transaction.ts): part of the transaction as in
// PostgreSQL (compared with it statement by statement), and held from other sessions until
// the transaction ends (55P03 where PostgreSQL would make them wait).

import { describe, expect, it } from 'vitest';
import { Database } from '../src/index.js';
import type { Session } from '../src/engine/session.js';
import { useOracle } from './support/suite.js';
import pg from 'pg';
import { startTestServer } from './server/support.js';
import { spawn, spawnSync } from 'node:child_process';

/** psycopg2 (Debian's python3-psycopg2; .ci/run installs it where it can) */
const havePsycopg2 = spawnSync('python3', ['-c', 'import psycopg2']).status === 0;

const { agree } = useOracle();

describe('DDL in a transaction agrees with PostgreSQL', () => {
  it('CREATE, then ROLLBACK or COMMIT: tables, views and materialized views with rows', async () => {
    await agree([
      'BEGIN',
      'CREATE TABLE a (k int PRIMARY KEY, v int)',
      'INSERT INTO a VALUES (1, 10), (2, 20)',
      'CREATE MATERIALIZED VIEW av AS SELECT count(*) AS n, sum(v) AS s FROM a',
      'CREATE VIEW aw AS SELECT k FROM a WHERE v > 10',
      'SELECT * FROM av',
      'SELECT * FROM aw',
      'ROLLBACK',
      'SELECT * FROM a',
      'SELECT * FROM av',
      'BEGIN',
      'CREATE TABLE a (k int PRIMARY KEY, v int)',
      'INSERT INTO a VALUES (1, 10)',
      'CREATE MATERIALIZED VIEW av AS SELECT count(*) AS n, sum(v) AS s FROM a',
      'INSERT INTO a VALUES (2, 20)',
      'SELECT * FROM av',
      'COMMIT',
      'SELECT * FROM av',
      'INSERT INTO a VALUES (3, 30)',
      'SELECT * FROM av',
    ]);
  });

  it('DROP, then ROLLBACK: the table comes back with its rows, its views maintained again', async () => {
    await agree([
      'CREATE TABLE b (k int PRIMARY KEY, v int)',
      'INSERT INTO b VALUES (1, 1), (2, 2)',
      'CREATE MATERIALIZED VIEW bv AS SELECT sum(v) AS s FROM b',
      'CREATE INDEX bv_s ON bv (s)',
      'BEGIN',
      'DELETE FROM b WHERE k = 1',
      'DROP TABLE b CASCADE',
      'ROLLBACK',
      'SELECT * FROM b',
      'SELECT * FROM bv',
      'INSERT INTO b VALUES (3, 3)',
      'SELECT * FROM bv WHERE s = 6',
      'BEGIN',
      'DROP MATERIALIZED VIEW bv',
      'INSERT INTO b VALUES (4, 4)',
      'ROLLBACK',
      'INSERT INTO b VALUES (5, 5)',
      'SELECT * FROM bv',
      'BEGIN',
      'DROP TABLE IF EXISTS b CASCADE',
      'CREATE TABLE b (x text)',
      "INSERT INTO b VALUES ('new')",
      'COMMIT',
      'SELECT * FROM b',
    ]);
  });

  it('savepoints undo the DDL made after them, and keep the rows written before', async () => {
    await agree([
      'BEGIN',
      'CREATE TABLE c (x int)',
      'INSERT INTO c VALUES (1)',
      'SAVEPOINT s',
      'DROP TABLE c',
      'CREATE TABLE c2 (y int)',
      'ROLLBACK TO s',
      'SELECT * FROM c',
      'INSERT INTO c VALUES (2)',
      'SAVEPOINT t',
      'CREATE TABLE c2 (y int)',
      'INSERT INTO c2 VALUES (7)',
      'RELEASE t',
      'COMMIT',
      'SELECT * FROM c',
      'SELECT * FROM c2',
    ]);
  });

  it('indexes: CREATE and DROP INDEX roll back; CREATE TABLE AS reads the transaction\'s own rows', async () => {
    await agree([
      'CREATE TABLE d (k int, v int)',
      'INSERT INTO d VALUES (1, 1), (2, 1)',
      'BEGIN',
      'CREATE UNIQUE INDEX d_k ON d (k)',
      'INSERT INTO d VALUES (1, 5)',
      'ROLLBACK',
      'INSERT INTO d VALUES (1, 5)',
      'DELETE FROM d WHERE v = 5',
      'CREATE UNIQUE INDEX d_k ON d (k)',
      'BEGIN',
      'DROP INDEX d_k',
      'ROLLBACK',
      'INSERT INTO d VALUES (1, 9)',
      'BEGIN',
      'INSERT INTO d VALUES (3, 3)',
      'CREATE TABLE e AS SELECT k, v FROM d WHERE k >= 2',
      'SELECT * FROM e',
      'COMMIT',
      'SELECT * FROM e',
    ]);
  });

  it("CREATE MATERIALIZED VIEW's tag counts duplicate rows, and the transaction's own rows (as PostgreSQL's SELECT n)", async () => {
    const db = await Database.open();
    await db.query('CREATE TABLE m (x int); INSERT INTO m VALUES (1), (1), (2)');
    expect((await db.query('CREATE MATERIALIZED VIEW m_one AS SELECT 1 AS one FROM m')).command).toBe('SELECT 3');
    const s = db.newSession();
    s.execute('BEGIN');
    s.execute('INSERT INTO m VALUES (5)');
    expect(s.execute('CREATE MATERIALIZED VIEW m_x AS SELECT x FROM m')[0].command).toBe('SELECT 4');
    s.execute('COMMIT');
    expect((await db.query('SELECT count(*)::int AS n FROM m_x')).rows).toEqual([{ n: 4 }]);
    await db.close();
  });

  it('a failing statement in a multi-statement string undoes its DDL too', async () => {
    const db = await Database.open();
    await expect(db.query('CREATE TABLE f (x int); INSERT INTO f VALUES (1); SELECT 1/0')).rejects.toThrow(/division by zero/);
    await expect(db.query('SELECT * FROM f')).rejects.toMatchObject({ code: '42P01' });
    await db.query('CREATE TABLE f (x int); INSERT INTO f VALUES (1)');
    expect((await db.query('SELECT x FROM f')).rows).toEqual([{ x: 1 }]);
    await db.close();
  });
});

describe('uncommitted DDL and other sessions', () => {
  const code = (s: Session, sql: string): string => {
    try {
      s.execute(sql);
      return 'ok';
    } catch (e: any) {
      return e.code;
    }
  };

  it('names created or dropped by an open transaction are held (55P03) until it ends', async () => {
    const db = await Database.open();
    await db.query('CREATE TABLE base (k int); INSERT INTO base VALUES (1)');
    const [a, b] = [db.newSession(), db.newSession()];
    a.execute('BEGIN');
    a.execute('CREATE TABLE t (x int)');
    a.execute('CREATE MATERIALIZED VIEW over_base AS SELECT count(*) AS n FROM base');
    a.execute('INSERT INTO t VALUES (1)');
    for (const sql of ['SELECT * FROM t', 'INSERT INTO t VALUES (2)', 'CREATE TABLE t (y int)', 'DROP TABLE t', 'SELECT * FROM over_base', 'DROP TABLE base CASCADE']) {
      expect(code(b, sql), sql).toBe('55P03');
    }
    expect(() => db.insert('t', [[3]])).toThrow(/could not obtain lock on relation "t"/);
    // the same statement text from the owner and from another session (plans are cached by text)
    expect(a.execute('SELECT count(*)::int FROM t')[0].rows).toEqual([[1]]);
    expect(code(b, 'SELECT count(*)::int FROM t')).toBe('55P03');
    expect(code(b, 'INSERT INTO base VALUES (2)')).toBe('ok'); // tables it only reads are not held
    a.execute('COMMIT');
    expect(b.execute('SELECT count(*)::int FROM t')[0].rows).toEqual([[1]]);
    expect(b.execute('SELECT n::int FROM over_base')[0].rows).toEqual([[2]]);
    a.execute('BEGIN');
    a.execute('DROP TABLE t');
    expect(code(b, 'SELECT * FROM t')).toBe('55P03');
    a.close(); // a session that goes away rolls back: the table is back, and free
    expect(b.execute('SELECT count(*)::int FROM t')[0].rows).toEqual([[1]]);
    await db.close();
  });

  it('a write to a table another session dropped meanwhile fails at COMMIT with 40001', async () => {
    const db = await Database.open();
    await db.query('CREATE TABLE g (x int)');
    const [a, b] = [db.newSession(), db.newSession()];
    a.execute('BEGIN');
    a.execute('INSERT INTO g VALUES (1)');
    b.execute('DROP TABLE g');
    b.execute('CREATE TABLE g (x int)');
    expect(code(a, 'COMMIT')).toBe('40001');
    expect(b.execute('SELECT count(*)::int FROM g')[0].rows).toEqual([[0]]);
    await db.close();
  });
});

describe('over the wire', () => {
  it('a driver that opens a transaction first (psycopg2, JDBC without autocommit) can create and fill tables', async () => {
    const ts = await startTestServer();
    const [a, b] = [new pg.Client({ host: '127.0.0.1', port: ts.port, user: 'a' }), new pg.Client({ host: '127.0.0.1', port: ts.port, user: 'b' })];
    await a.connect();
    await b.connect();
    await a.query('BEGIN');
    await a.query('CREATE TABLE orders (id bigint PRIMARY KEY, amount numeric)');
    await a.query('INSERT INTO orders VALUES ($1, $2), ($3, $4)', [1, '9.50', 2, '0.50']);
    await a.query('CREATE MATERIALIZED VIEW revenue AS SELECT sum(amount) AS total FROM orders');
    expect((await a.query('SELECT total FROM revenue')).rows).toEqual([{ total: '10.00' }]);
    await expect(b.query('SELECT * FROM orders')).rejects.toMatchObject({ code: '55P03' });
    await a.query('COMMIT');
    expect((await b.query('SELECT total FROM revenue')).rows).toEqual([{ total: '10.00' }]);
    await a.query('BEGIN');
    await a.query('DROP MATERIALIZED VIEW revenue');
    await a.query('ROLLBACK');
    await b.query('INSERT INTO orders VALUES (3, 1)');
    expect((await b.query('SELECT total FROM revenue')).rows).toEqual([{ total: '11.00' }]);
    await a.end();
    await b.end();
    await ts.close();
  });

  it.skipIf(!havePsycopg2)('psycopg2 with its default (autocommit off): DDL, commits, rollbacks, SERIALIZABLE', async () => {
    const ts = await startTestServer();
    const script = `
import psycopg2
c = psycopg2.connect(host='127.0.0.1', port=${ts.port}, user='u', dbname='d')
cur = c.cursor()
cur.execute("CREATE TABLE orders (id bigint PRIMARY KEY, amount numeric)")
cur.executemany("INSERT INTO orders VALUES (%s, %s)", [(1, '1.50'), (2, '2.50')])
cur.execute("CREATE MATERIALIZED VIEW rev AS SELECT sum(amount) AS total FROM orders")
c.commit()
cur.execute("SELECT total FROM rev"); print(cur.fetchone()[0])
c.rollback()
c.set_session(isolation_level='SERIALIZABLE')
cur.execute("UPDATE orders SET amount = amount + 1 WHERE id = 1")
cur.execute("SHOW transaction_isolation"); print(cur.fetchone()[0])
c.commit()
try:
    with c:
        with c.cursor() as k:
            k.execute("CREATE TABLE t2 (x int)")
            k.execute("INSERT INTO t2 VALUES (1/0)")
except Exception as e:
    print(e.pgcode)
cur.execute("SELECT count(*) FROM pg_class WHERE relname = 't2'"); print(cur.fetchone()[0])
cur.execute("SELECT total FROM rev"); print(cur.fetchone()[0])
c.close()
`;
    const p = spawn('python3', ['-c', script]);
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    await new Promise((r) => p.on('close', r));
    expect(out.trim().split('\n')).toEqual(['4.00', 'serializable', '22012', '0', '5.00']);
    await ts.close();
  });
});
