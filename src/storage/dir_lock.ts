// One process per data directory: a lock file <dir>/tributary.pid naming the process that
// holds the directory. A second server on the same files would interleave its WAL writes
// with ours; this refuses it. A lock left by a process that died (kill -9, power loss) is
// taken over, since no one else can release it.

import fs from 'node:fs';
import path from 'node:path';
import { SqlError } from '../errors.js';
import { STORAGE_SQLSTATE, ioFailure } from './storage_errors.js';

export const LOCK_FILE_NAME = 'tributary.pid';

export interface DataDirLock {
  /** The lock file. */
  readonly file: string;
  /** The pid of the dead process whose lock was taken over, if one was. */
  readonly tookOverFrom: number | null;
  /** Remove the lock file if it still names this process. Idempotent. */
  release(): void;
}

/**
 * Lock file contents: the pid, then the process's start time in ms since the epoch, which
 * tells this process from an earlier one that had the same pid (a container restarted
 * runs as the same pid; its old lock must not lock it out).
 */
const PROCESS_START = String(Math.round(performance.timeOrigin));
const OUR_CONTENT = `${process.pid}\n${PROCESS_START}\n`;

/** How long a lock file without a pid counts as being written rather than abandoned. */
const UNWRITTEN_GRACE_MS = 1000;

/**
 * Take the data directory (created if missing) for this process. Refuses with 55006 if a
 * live process holds it, this one included.
 */
export function lockDataDir(dir: string): DataDirLock {
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw ioFailure(e, 'create directory', dir);
  }
  const file = path.join(dir, LOCK_FILE_NAME);
  let tookOverFrom: number | null = null;
  for (let attempt = 0; ; attempt++) {
    // Each round takes the lock, refuses, waits for a lock being written, or removes a
    // stale one; only other processes racing without end could keep it going.
    if (attempt > 1000) throw new SqlError(STORAGE_SQLSTATE.OBJECT_IN_USE, `could not take the lock file "${file}": it keeps changing`);
    if (create(file)) break;
    const holder = readHolder(file);
    if (holder === null) continue; // removed meanwhile: try again
    if (holder.pid === null) {
      // Created but not written yet, or the writer died in between: wait for it a little.
      if (ageMs(file) < UNWRITTEN_GRACE_MS) {
        sleep(10);
        continue;
      }
    } else if (isAlive(holder)) {
      throw inUse(dir, file, holder.pid);
    }
    if (removeStale(file, holder.text) && holder.pid !== null) tookOverFrom = holder.pid;
  }

  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    process.off('exit', release);
    // Only our own lock: if it was taken over (say we were thought dead), it is not ours.
    if (readHolder(file)?.text === OUR_CONTENT) {
      try {
        fs.unlinkSync(file);
      } catch {
        // Gone already; nothing to release.
      }
    }
  };
  // 'exit' runs on a normal exit and process.exit(), not on a fatal signal; a lock left
  // then is taken over by the next open, the process being dead.
  process.on('exit', release);
  return { file, tookOverFrom, release };
}

/** Create the lock file with our pid, atomically; false if it exists. */
function create(file: string): boolean {
  let fd: number;
  try {
    fd = fs.openSync(file, 'wx', 0o644);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw ioFailure(e, 'create', file);
  }
  try {
    fs.writeSync(fd, OUR_CONTENT);
  } catch (e) {
    fs.closeSync(fd);
    fs.rmSync(file, { force: true });
    throw ioFailure(e, 'write to', file);
  }
  fs.closeSync(fd);
  return true;
}

interface Holder {
  /** null if the file names no pid (yet). */
  pid: number | null;
  start: string | null;
  text: string;
}

/** The lock file's holder, or null if there is no lock file. */
function readHolder(file: string): Holder | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw ioFailure(e, 'read', file);
  }
  const m = /^(\d+)\n(?:(\d+)\n)?/.exec(text);
  return { pid: m ? Number(m[1]) : null, start: m?.[2] ?? null, text };
}

function isAlive(holder: Holder): boolean {
  if (holder.pid === process.pid) return holder.start === PROCESS_START;
  try {
    process.kill(holder.pid!, 0);
  } catch (e) {
    // EPERM: the process exists but belongs to another user.
    return (e as NodeJS.ErrnoException).code !== 'ESRCH';
  }
  return !isZombie(holder.pid!);
}

/**
 * A killed process that nobody has reaped yet (its parent is gone, and PID 1 in a container
 * may never reap) still answers signal 0, but it holds nothing: on Linux its state is Z.
 */
function isZombie(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the state follows the command name, which is in parentheses and may contain spaces
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return false;
  }
}

/**
 * Remove the lock file if it still holds `staleText`. It is renamed aside first and then
 * checked, so that a process which took the lock over between our read and now does not
 * lose it: if what we moved is a fresh lock, it is put back. Returns whether we removed it.
 */
function removeStale(file: string, staleText: string): boolean {
  const aside = `${file}.${process.pid}.stale`;
  try {
    fs.renameSync(file, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw ioFailure(e, 'rename', file);
  }
  const moved = readHolder(aside);
  if (moved !== null && moved.text !== staleText) {
    try {
      fs.linkSync(aside, file);
    } catch {
      // A third process took the name meanwhile; it holds the lock now.
    }
    fs.rmSync(aside, { force: true });
    return false;
  }
  fs.rmSync(aside, { force: true });
  return true;
}

function inUse(dir: string, file: string, pid: number): SqlError {
  const self = pid === process.pid;
  return new SqlError(
    STORAGE_SQLSTATE.OBJECT_IN_USE,
    self ? `data directory "${dir}" is already in use by this process (pid ${pid})` : `data directory "${dir}" is in use by process ${pid}`,
    {
      detail: `The lock file "${file}" names process ${pid}, which is running.`,
      hint: self
        ? 'Open a data directory once per process.'
        : `Stop that server, or use another data directory. If process ${pid} is not a Tributary server (its pid may have been reused), remove the lock file.`,
    },
  );
}

function ageMs(file: string): number {
  try {
    return Date.now() - fs.statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
