// pgJDBC (Debian's libpostgresql-jdbc-java) against the wire server: DatabaseMetaData calls
// and a PreparedStatement. Needs java, javac and /usr/share/java/postgresql.jar; skipped
// otherwise (`apt-get install -y libpostgresql-jdbc-java`; .ci/run installs it).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer } from './server/support.js';

const JAR = '/usr/share/java/postgresql.jar';
const which = (bin: string) => ['/usr/bin', '/usr/local/bin', '/usr/lib/jvm/default-java/bin'].map((d) => join(d, bin)).find((p) => existsSync(p));
const JAVA = which('java');
const JAVAC = which('javac');
const available = !!(JAVA && JAVAC && existsSync(JAR));
if (!available) console.warn(`test/jdbc.test.ts skipped: needs java, javac and ${JAR} (apt-get install -y libpostgresql-jdbc-java)`);

function run(cmd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 240_000 }, (err, stdout, stderr) => resolve({ code: err ? ((err as any).code ?? 1) : 0, stdout, stderr }));
  });
}

describe.skipIf(!available)('pgJDBC', () => {
  let ts: TestServer;
  let dir: string;
  let out = '';

  beforeAll(async () => {
    ts = await startTestServer({}, [
      "CREATE TABLE t (id int PRIMARY KEY, name varchar(20) NOT NULL DEFAULT 'x', u text UNIQUE)",
      "INSERT INTO t VALUES (1, 'one', 'a'), (2, 'two', NULL)",
      'CREATE VIEW v AS SELECT id FROM t',
      'CREATE TABLE t2 (a int NOT NULL, b bigint NOT NULL, c numeric(10,2) DEFAULT 1.5, PRIMARY KEY (b, a))',
      'CREATE INDEX t2_c ON t2 (c)',
      'CREATE MATERIALIZED VIEW mv AS SELECT b, count(*) AS n FROM t2 GROUP BY b',
      'CREATE TABLE f (k int)',
      'INSERT INTO f SELECT g FROM generate_series(1, 20000) g',
    ]);
    dir = mkdtempSync(join(tmpdir(), 'tributary-jdbc-'));
    const c = await run(JAVAC!, ['-d', dir, join(__dirname, 'fixtures/jdbc/JdbcProbe.java')]);
    expect(c.stderr).toBe('');
    const r = await run(JAVA!, ['-cp', `${dir}:${JAR}`, 'JdbcProbe', String(ts.port)]);
    expect(r.stderr).toBe('');
    out = r.stdout;
    if (process.env.JDBC_DUMP) console.log(out);
  }, 300_000);
  afterAll(async () => {
    await ts?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('connects and reads server metadata', () => {
    expect(out).toContain('product: PostgreSQL 15.0 (Tributary 0.1.0)');
  });

  it('getSchemas and getTables', () => {
    expect(out).toContain('schemas: TABLE_SCHEM=public\n');
    expect(out).toContain('schemas: TABLE_SCHEM=information_schema\n');
    expect(out).toContain('tables: TABLE_SCHEM=public TABLE_NAME=t TABLE_TYPE=TABLE\n');
    expect(out).toContain('tables: TABLE_SCHEM=public TABLE_NAME=v TABLE_TYPE=VIEW\n');
    expect(out).toContain('tables: TABLE_SCHEM=public TABLE_NAME=t_pkey TABLE_TYPE=INDEX\n');
    expect(out).toContain('tables: TABLE_SCHEM=public TABLE_NAME=mv TABLE_TYPE=MATERIALIZED VIEW\n');
  });

  it('getColumns (window function row_number) on tables, a view and a materialized view', () => {
    const cols = out.split('\n').filter((l) => l.startsWith('columns'));
    const line = (t: string, c: string, type: string, dt: number, size: number, dd: number, nullable: boolean, def: string, pos: number) =>
      `columns: TABLE_NAME=${t} COLUMN_NAME=${c} TYPE_NAME=${type} DATA_TYPE=${dt} COLUMN_SIZE=${size} DECIMAL_DIGITS=${dd} NULLABLE=${nullable ? 1 : 0} IS_NULLABLE=${nullable ? 'YES' : 'NO'} COLUMN_DEF=${def} ORDINAL_POSITION=${pos} IS_AUTOINCREMENT=NO`;
    expect(cols).toEqual([
      line('f', 'k', 'int4', 4, 10, 0, true, 'null', 1),
      line('mv', 'b', 'int8', -5, 19, 0, true, 'null', 1),
      line('mv', 'n', 'int8', -5, 19, 0, true, 'null', 2),
      line('t', 'id', 'int4', 4, 10, 0, false, 'null', 1),
      line('t', 'name', 'varchar', 12, 20, 0, false, "'x'::character varying", 2),
      line('t', 'u', 'text', 12, 2147483647, 0, true, 'null', 3),
      line('t2', 'a', 'int4', 4, 10, 0, false, 'null', 1),
      line('t2', 'b', 'int8', -5, 19, 0, false, 'null', 2),
      line('t2', 'c', 'numeric', 2, 10, 2, true, '1.5', 3),
      line('v', 'id', 'int4', 4, 10, 0, true, 'null', 1),
      'columns rows=10',
    ]);
  });

  it('getPrimaryKeys (information_schema._pg_expandarray and (record).field)', () => {
    expect(out).toContain('pk: TABLE_NAME=t COLUMN_NAME=id KEY_SEQ=1 PK_NAME=t_pkey\npk rows=1\n');
    // key order follows the constraint, not the table
    expect(out).toContain('pk2: TABLE_NAME=t2 COLUMN_NAME=b KEY_SEQ=1 PK_NAME=t2_pkey\npk2: TABLE_NAME=t2 COLUMN_NAME=a KEY_SEQ=2 PK_NAME=t2_pkey\npk2 rows=2\n');
  });

  it('getIndexInfo, getImportedKeys and getExportedKeys', () => {
    expect(out).toContain(
      'index: TABLE_NAME=t NON_UNIQUE=f INDEX_NAME=t_pkey TYPE=3 ORDINAL_POSITION=1 COLUMN_NAME=id ASC_OR_DESC=A\n' +
        'index: TABLE_NAME=t NON_UNIQUE=f INDEX_NAME=t_u_key TYPE=3 ORDINAL_POSITION=1 COLUMN_NAME=u ASC_OR_DESC=A\nindex rows=2\n',
    );
    expect(out).toContain(
      'index2: TABLE_NAME=t2 NON_UNIQUE=f INDEX_NAME=t2_pkey ORDINAL_POSITION=1 COLUMN_NAME=b ASC_OR_DESC=A\n' +
        'index2: TABLE_NAME=t2 NON_UNIQUE=f INDEX_NAME=t2_pkey ORDINAL_POSITION=2 COLUMN_NAME=a ASC_OR_DESC=A\n' +
        'index2: TABLE_NAME=t2 NON_UNIQUE=t INDEX_NAME=t2_c ORDINAL_POSITION=1 COLUMN_NAME=c ASC_OR_DESC=A\nindex2 rows=3\n',
    );
    // no foreign keys exist (pgJDBC first reads max_index_keys from pg_settings)
    expect(out).toContain('imported rows=0\n');
    expect(out).toContain('exported rows=0\n');
  });

  it("getTypeInfo ('pg_catalog.array_in'::regproc against pg_type.typinput)", () => {
    expect(out).toContain('typeinfo: TYPE_NAME=bool DATA_TYPE=-7 PRECISION=0 NULLABLE=1 SEARCHABLE=3\n');
    expect(out).toContain('typeinfo: TYPE_NAME=int4 DATA_TYPE=4 PRECISION=0 NULLABLE=1 SEARCHABLE=3\n');
    expect(out).toContain('typeinfo: TYPE_NAME=numeric DATA_TYPE=2 PRECISION=1000 NULLABLE=1 SEARCHABLE=3\n');
    expect(out).toContain('typeinfo: TYPE_NAME=varchar DATA_TYPE=12 PRECISION=10485760 NULLABLE=1 SEARCHABLE=3\n');
    // an array type (typinput = array_in) is java.sql.Types.ARRAY
    expect(out).toContain('typeinfo: TYPE_NAME=_int4 DATA_TYPE=2003 PRECISION=0 NULLABLE=1 SEARCHABLE=3\n');
  });

  it('getProcedures and getFunctions', () => {
    // PostgreSQL 11+: getProcedures lists procedures only (prokind 'p'); there are none
    expect(out).toContain('procedures rows=0\n');
    expect(out).toContain('functions: FUNCTION_SCHEM=pg_catalog FUNCTION_NAME=upper FUNCTION_TYPE=1\nfunctions rows=1\n');
  });

  it('fetches 1,000 rows at a time in a transaction, reading its snapshot while another connection commits', () => {
    expect(out).toContain('fetch other: n=10001\nfetch other rows=1\nfetch: rows=20000 sum=200010000\n');
  });

  it('runs a PreparedStatement', () => {
    expect(out).toContain('query: id=1 name=one\nquery: id=2 name=two\nquery rows=2\n');
  });
});
