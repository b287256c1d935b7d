// `tributary serve` takes its password from the TRIBUTARY_PASSWORD environment variable or a
// file (--password-file), so it need not be on the command line where other local users can
// read it. (The --password-file case runs in test/limits.test.ts, on a small heap.) And a port
// that is taken is reported in one line, not with a stack trace.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnServer } from './support.js';

const CLI = ['--import', 'tsx', 'src/cli.ts'];
const children: ChildProcess[] = [];
afterAll(() => children.forEach((c) => c.kill('SIGTERM')));

async function serve(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const { child, port } = await spawnServer([], args, env);
  children.push(child);
  return port;
}

describe('tributary serve: the password off the command line', () => {
  it('reads TRIBUTARY_PASSWORD', async () => {
    const port = await serve([], { TRIBUTARY_PASSWORD: 'from env' });
    const ok = new pg.Client({ host: '127.0.0.1', port, user: 'u', database: 'd', password: 'from env' });
    await ok.connect();
    expect((await ok.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    await ok.end();
    const bad = new pg.Client({ host: '127.0.0.1', port, user: 'u', database: 'd', password: 'wrong' });
    await expect(bad.connect()).rejects.toMatchObject({ code: '28P01' });
  }, 60_000);

  it('refuses --password with --password-file, an unreadable file, and says why in --help', () => {
    const run = (...args: string[]) => spawnSync(process.execPath, [...CLI, 'serve', ...args], { encoding: 'utf8' });
    const both = run('--password', 'x', '--password-file', '/dev/null');
    expect(both.status).toBe(2);
    expect(both.stderr).toMatch(/--password and --password-file exclude each other/);
    const missing = run('--password-file', '/nonexistent/tributary-password');
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/cannot read --password-file/);
    const help = run('--help');
    expect(help.stdout).toMatch(/--password-file FILE/);
    expect(help.stdout).toMatch(/other local users can\s+read it/);
  }, 60_000);

  it('says in one line when the port is taken', async () => {
    const { createServer } = await import('node:net');
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const port = (taken.address() as { port: number }).port;
    const r = await new Promise<{ status: number | null; stderr: string }>((resolve) => {
      // not spawnSync: the port's holder lives in this process
      const child = spawn(process.execPath, [...CLI, 'serve', '--port', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr!.on('data', (d) => (stderr += d));
      child.on('close', (status) => resolve({ status, stderr }));
    });
    taken.close();
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toMatch(new RegExp(`^tributary serve: could not listen on 127\\.0\\.0\\.1:${port}: listen EADDRINUSE`));
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  }, 60_000);
});
