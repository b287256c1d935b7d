// TLS (SSLRequest upgrade) and password authentication (SCRAM-SHA-256; cleartext only over TLS).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { Database } from '../../src/index.js';
import { isLoopback } from '../../src/server/startup.js';
import { parseOptions } from '../../src/server/startup.js';

function makeCert(): { cert: string; key: string } | null {
  const dir = mkdtempSync(join(tmpdir(), 'tributary-tls-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    return { cert: readFileSync(join(dir, 'cert.pem'), 'utf8'), key: readFileSync(join(dir, 'key.pem'), 'utf8') };
  } catch {
    return null;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const tls = makeCert();
let db: Database;

beforeAll(async () => {
  db = await Database.open();
});
afterAll(() => db.close());

async function query(port: number, cfg: Partial<pg.ClientConfig>, sql = 'SELECT current_user AS u'): Promise<any> {
  const c = new pg.Client({ host: '127.0.0.1', port, database: 'x', ...cfg });
  try {
    await c.connect();
    return (await c.query(sql)).rows[0];
  } finally {
    await c.end().catch(() => {});
  }
}

describe('authentication', () => {
  it('uses SCRAM-SHA-256 when a password is configured', async () => {
    const s = await db.listen({ port: 0, user: 'admin', password: 'sekr1t' });
    try {
      expect(await query(s.port, { user: 'admin', password: 'sekr1t' })).toEqual({ u: 'admin' });
      await expect(query(s.port, { user: 'admin', password: 'wrong' })).rejects.toMatchObject({ code: '28P01', severity: 'FATAL' });
      await expect(query(s.port, { user: 'mallory', password: 'sekr1t' })).rejects.toMatchObject({ code: '28P01' });
    } finally {
      await s.close();
    }
  });

  it('trusts loopback connections without a password, for the configured user only', async () => {
    const s = await db.listen({ port: 0, user: 'only' });
    try {
      expect(await query(s.port, { user: 'only' })).toEqual({ u: 'only' });
      await expect(query(s.port, { user: 'other' })).rejects.toMatchObject({ code: '28000' });
    } finally {
      await s.close();
    }
    expect([isLoopback('127.0.0.1'), isLoopback('::1'), isLoopback('::ffff:127.0.0.1'), isLoopback('10.0.0.1'), isLoopback('::ffff:192.168.1.2')])
      .toEqual([true, true, true, false, false]);
  });

  it('parses the startup options parameter', () => {
    expect(parseOptions('-c search_path=x --extra-float-digits=3 -cgeqo=off -c a=b\\ c')).toEqual([
      ['search_path', 'x'], ['extra_float_digits', '3'], ['geqo', 'off'], ['a', 'b c'],
    ]);
  });

  describe.skipIf(!tls)('TLS', () => {
    it('upgrades to TLS on SSLRequest and answers N without TLS', async () => {
      const s = await db.listen({ port: 0, tls: tls!, password: 'pw' });
      try {
        const r = await query(s.port, { user: 'u', password: 'pw', ssl: { rejectUnauthorized: false } }, "SELECT 'secure' AS x");
        expect(r).toEqual({ x: 'secure' });
        // plain connection to a TLS-capable server still works (sslmode=prefer clients fall back)
        expect(await query(s.port, { user: 'u', password: 'pw' })).toEqual({ u: 'u' });
      } finally {
        await s.close();
      }
      const plain = await db.listen({ port: 0 });
      try {
        // a client that requires TLS is refused by the N answer
        await expect(query(plain.port, { user: 'u', ssl: { rejectUnauthorized: false } })).rejects.toThrow(/does not support SSL/);
      } finally {
        await plain.close();
      }
    });

    it('offers a cleartext password only over TLS', async () => {
      const s = await db.listen({ port: 0, tls: tls!, password: 'pw', authMethod: 'password' });
      try {
        expect(await query(s.port, { user: 'u', password: 'pw', ssl: { rejectUnauthorized: false } })).toEqual({ u: 'u' });
        await expect(query(s.port, { user: 'u', password: 'bad', ssl: { rejectUnauthorized: false } })).rejects.toMatchObject({ code: '28P01' });
        await expect(query(s.port, { user: 'u', password: 'pw' })).rejects.toMatchObject({ code: '28000' });
      } finally {
        await s.close();
      }
      await expect(db.listen({ port: 0, password: 'pw', authMethod: 'password' })).rejects.toThrow(/requires TLS/);
    });
  });
});
