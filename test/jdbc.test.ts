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
    ]);
    dir = mkdtempSync(join(tmpdir(), 'tributary-jdbc-'));
    const c = await run(JAVAC!, ['-d', dir, join(__dirname, 'fixtures/jdbc/JdbcProbe.java')]);
    expect(c.stderr).toBe('');
    const r = await run(JAVA!, ['-cp', `${dir}:${JAR}`, 'JdbcProbe', String(ts.port)]);
    expect(r.stderr).toBe('');
    out = r.stdout;
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
  });

  it('getColumns and getPrimaryKeys are refused with 0A000 naming the construct', () => {
    // getColumns numbers columns with row_number() OVER (…); getPrimaryKeys calls the
    // set-returning information_schema._pg_expandarray in its SELECT list
    expect(out).toContain('columns ERROR 0A000 ERROR: window functions is not supported');
    expect(out).toContain('pk ERROR 0A000 ERROR: function information_schema._pg_expandarray is not supported');
  });

  it('getTypeInfo fails: it casts pg_catalog.array_in to regproc', () => {
    expect(out).toMatch(/typeinfo ERROR 42883 ERROR: function "pg_catalog.array_in" does not exist/);
  });

  it('runs a PreparedStatement', () => {
    expect(out).toContain('query: id=1 name=one\nquery: id=2 name=two\nquery rows=2\n');
  });
});
