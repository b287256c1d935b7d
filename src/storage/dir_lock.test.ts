import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { SqlError } from '../errors.js';
import { LOCK_FILE_NAME, lockDataDir } from './dir_lock.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const f of cleanups.splice(0).reverse()) f();
});

function tempDir(): string {
  const d = fs.mkdtempSync(os.tmpdir() + '/lock-');
  cleanups.push(() => fs.rmSync(d, { recursive: true, force: true }));
  return path.join(d, 'data');
}

function lock(dir: string) {
  const l = lockDataDir(dir);
  cleanups.push(() => l.release());
  return l;
}

function refusal(dir: string): SqlError {
  try {
    lock(dir);
  } catch (e) {
    return e as SqlError;
  }
  throw new Error('the lock was not refused');
}

function child(args: string[]): ChildProcess {
  const c = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  cleanups.push(() => c.kill('SIGKILL'));
  return c;
}

function exited(c: ChildProcess): Promise<void> {
  return new Promise((resolve) => (c.exitCode !== null || c.signalCode !== null ? resolve() : c.once('exit', () => resolve())));
}

function firstLine(c: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    c.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve(out.slice(0, out.indexOf('\n')));
    });
    c.once('exit', (code) => reject(new Error(`child exited (${code}) before writing a line`)));
  });
}

function writeLock(dir: string, pid: number): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, LOCK_FILE_NAME), `${pid}\n${Date.now()}\n`);
}

function lockPid(dir: string): number {
  return Number(fs.readFileSync(path.join(dir, LOCK_FILE_NAME), 'utf8').split('\n')[0]);
}

describe('lockDataDir', () => {
  it('creates the directory and a lock file with our pid; a second lock in this process is refused', () => {
    const dir = tempDir();
    const l = lock(dir);
    expect(lockPid(dir)).toBe(process.pid);
    expect(l.tookOverFrom).toBe(null);
    const e = refusal(dir);
    expect(e).toBeInstanceOf(SqlError);
    expect(e.code).toBe('55006');
    expect(e.message).toBe(`data directory "${dir}" is already in use by this process (pid ${process.pid})`);
  });

  it('release lets the directory be taken again, and removes only our own lock', () => {
    const dir = tempDir();
    lock(dir).release();
    expect(fs.existsSync(path.join(dir, LOCK_FILE_NAME))).toBe(false);
    const again = lock(dir);
    // Someone else's lock now (as if we had been taken for dead): release leaves it.
    writeLock(dir, process.pid + 1);
    again.release();
    expect(lockPid(dir)).toBe(process.pid + 1);
  });

  it('takes over a lock naming our pid from an earlier process (a restarted container)', () => {
    const dir = tempDir();
    writeLock(dir, process.pid); // same pid, another start time
    const l = lock(dir);
    expect(l.tookOverFrom).toBe(process.pid);
    expect(refusal(dir).code).toBe('55006');
  });

  it('takes over a lock left by a dead process', async () => {
    const dir = tempDir();
    const dead = child(['-e', '0']);
    await exited(dead);
    writeLock(dir, dead.pid!);
    const l = lock(dir);
    expect(l.tookOverFrom).toBe(dead.pid);
    expect(lockPid(dir)).toBe(process.pid);
  });

  it.runIf(process.platform === 'linux')('takes over a lock left by a killed process nobody has reaped yet (a zombie)', async () => {
    const dir = tempDir();
    // the forked child exits at once; its parent sleeps without waiting for it
    const parent = spawn('python3', ['-c', 'import os, time\npid = os.fork()\nif pid == 0: os._exit(0)\nprint(pid, flush=True)\ntime.sleep(10)']);
    try {
      const zombie = await new Promise<number>((resolve, reject) => {
        parent.stdout!.once('data', (d) => resolve(Number(String(d).trim())));
        parent.once('exit', () => reject(new Error('the zombie maker exited early')));
      });
      await new Promise((r) => setTimeout(r, 100));
      expect(fs.readFileSync(`/proc/${zombie}/stat`, 'utf8')).toMatch(/\) Z /);
      writeLock(dir, zombie);
      const l = lock(dir);
      expect(l.tookOverFrom).toBe(zombie);
    } finally {
      parent.kill('SIGKILL');
    }
  });

  it('takes over an empty lock file once it is too old to be one being written', () => {
    const dir = tempDir();
    writeLock(dir, 1);
    const file = path.join(dir, LOCK_FILE_NAME);
    fs.writeFileSync(file, '');
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(file, old, old);
    lock(dir);
    expect(lockPid(dir)).toBe(process.pid);
  });

  it('refuses while another live process holds it', async () => {
    const dir = tempDir();
    const other = child(['-e', 'setInterval(() => {}, 1000); console.log("up")']);
    await firstLine(other);
    writeLock(dir, other.pid!);
    const e = refusal(dir);
    expect(e.code).toBe('55006');
    expect(e.message).toBe(`data directory "${dir}" is in use by process ${other.pid}`);
    expect(lockPid(dir)).toBe(other.pid);
  });

  it('releases the lock when the process exits', async () => {
    const dir = tempDir();
    const holder = lockingChild(dir, `console.log('locked'); process.exitCode = 0;`);
    expect(await firstLine(holder)).toBe('locked');
    await exited(holder);
    expect(fs.existsSync(path.join(dir, LOCK_FILE_NAME))).toBe(false);
  });

  it('takes over the lock of a child that held it and was killed with SIGKILL', async () => {
    const dir = tempDir();
    const holder = lockingChild(dir, `console.log('locked'); setInterval(() => {}, 1000);`);
    expect(await firstLine(holder)).toBe('locked');
    expect(lockPid(dir)).toBe(holder.pid);
    expect(refusal(dir).message).toBe(`data directory "${dir}" is in use by process ${holder.pid}`);

    holder.kill('SIGKILL');
    await exited(holder);
    expect(lockPid(dir)).toBe(holder.pid); // no exit handler ran
    const l = lock(dir);
    expect(l.tookOverFrom).toBe(holder.pid);
    expect(lockPid(dir)).toBe(process.pid);
  });

  it('gives a stale lock to one of several processes taking it over at once', async () => {
    const dir = tempDir();
    const dead = child(['-e', '0']);
    await exited(dead);
    writeLock(dir, dead.pid!);
    // Each waits for the same moment, reports whether it got the lock, and stays alive
    // (holding it, for the one that did) until killed.
    const startAt = Date.now() + 1500;
    const racers = Array.from({ length: 6 }, () =>
      lockingChild(dir, `console.log('locked'); setInterval(() => {}, 1000);`, `console.log(e.code); setInterval(() => {}, 1000);`, startAt),
    );
    const outcomes = await Promise.all(racers.map(firstLine));
    expect(outcomes.filter((o) => o === 'locked').length).toBe(1);
    expect(outcomes.filter((o) => o === '55006').length).toBe(racers.length - 1);
    expect(lockPid(dir)).toBe(racers[outcomes.indexOf('locked')].pid);
  });
});

/** A node process that runs `then` once it holds dir's lock, or `otherwise` with the error `e`. */
function lockingChild(dir: string, then: string, otherwise = 'throw e;', startAt = 0): ChildProcess {
  const module = fileURLToPath(new URL('./dir_lock.ts', import.meta.url));
  return child([
    '--import',
    'tsx',
    '-e',
    `import(${JSON.stringify(module)}).then((m) => {
      while (Date.now() < ${startAt});
      try { m.lockDataDir(${JSON.stringify(dir)}); } catch (e) { ${otherwise}; return; }
      ${then}
    })`,
  ]);
}
