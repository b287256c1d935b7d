// A data directory's durability: the lock that keeps a second process out, and the
// write-ahead log that every commit is appended to before it counts. With synchronous_commit
// = on (the default) nothing reaches a client before the commits it may show are on disk: a
// connection holds its output until `durable(lsn)` resolves (Session.durable). Many concurrent
// commits share one fdatasync (group commit, wal.ts). With synchronous_commit = off commits
// are acknowledged at once and the log is synced in the background every WRITER_DELAY_MS,
// so a crash can lose the last fraction of a second of commits, never tear one.

import * as path from 'node:path';
import type { CommitLog } from '../engine/engine.js';
import { lockDataDir } from './dir_lock.js';
import { Wal, type WalRecord } from './wal.js';
import { encodeCommit, type CommitRecord } from './wal_records.js';
import { ByteWriter } from './value_codec.js';
import { SqlError } from '../errors.js';

/** How long an appended record may wait for a background sync (PostgreSQL's wal_writer_delay). */
const WRITER_DELAY_MS = 200;

export interface DurabilityOptions {
  /** Acknowledge a commit only once it is on disk (default true). */
  synchronousCommit?: boolean;
  /** Where recovery says what it did. */
  log?: (line: string) => void;
}

export class Durability implements CommitLog {
  private readonly writer = new ByteWriter();
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  /** Set when memory moved ahead of the log (fail()): every write is refused from then on. */
  private broken: SqlError | null = null;

  private wal!: Wal;

  private constructor(
    readonly dir: string,
    private readonly lock: { release(): void },
    readonly synchronousCommit: boolean,
  ) {}

  /** Take the directory for this process (refused if another process has it). The log is opened by openLog. */
  static open(dir: string, options: DurabilityOptions): Durability {
    const lock = lockDataDir(dir);
    if (lock.tookOverFrom !== null) options.log?.(`took over the data directory from process ${lock.tookOverFrom}, which is gone (it did not shut down cleanly)`);
    return new Durability(dir, lock, options.synchronousCommit ?? true);
  }

  /**
   * Open the log from `from` (a checkpoint's position; 0 for the whole log), handing each
   * record to `replay`, oldest first, as it is read (its payload is valid only during the call).
   */
  openLog(from: number, replay: (r: WalRecord) => void, log?: (line: string) => void): void {
    this.wal = Wal.open({ dir: path.join(this.dir, 'wal'), log, from }, replay);
  }

  /** The log position just past the last record appended. */
  get endLsn(): number {
    return this.wal.endLsn;
  }

  /** A checkpoint covers everything before `lsn`: the log's older segments can go. */
  removeLogBefore(lsn: number): void {
    this.wal.removeBefore(lsn);
  }

  append(record: CommitRecord): number {
    if (this.broken) throw this.broken;
    const end = this.wal.append(encodeCommit(this.writer, record));
    // a commit nobody waits for (a source's, or synchronous_commit = off) is synced soon anyway
    if (this.timer === null && !this.closed) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.wal.flush().catch(() => {}); // a failure is reported to whoever waits next
      }, WRITER_DELAY_MS);
      this.timer.unref();
    }
    return end;
  }

  /** Null if everything up to `lsn` counts as durable; else a promise of it (rejects if the log cannot be synced). */
  durable(lsn: number): Promise<void> | null {
    if (!this.synchronousCommit || lsn <= this.wal.flushedLsn) return null;
    return this.wal.flush(lsn);
  }

  /** durable(), blocking: for callers that cannot wait (db.insert). */
  syncUpTo(lsn: number): void {
    if (this.synchronousCommit && lsn > this.wal.flushedLsn) this.wal.flushSync();
  }

  fail(reason: unknown): void {
    const why = reason instanceof Error ? reason.message : String(reason);
    this.broken ??= new SqlError('58030', 'the write-ahead log refuses writes: a change took effect that could not be logged', {
      detail: why,
      hint: 'Reads go on. Free space (or fix the data directory) and restart the server: it recovers every acknowledged commit.',
    });
  }

  /** The log cannot be written any more (an fsync failed, or fail()): the error, or null. */
  get failure(): Error | null {
    return this.broken ?? this.wal.failed;
  }

  /** Once the log has failed: what is durable ends here; commits after it are not (null: not failed). */
  get failedAt(): number | null {
    return this.failure ? this.wal.flushedLsn : null;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    try {
      this.wal?.close();
    } finally {
      this.lock.release();
    }
  }
}
