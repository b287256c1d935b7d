// The write-ahead log: records appended to segment files in <dataDir>/wal/, made durable by
// fdatasync, read back in order on open.
//
// LSNs are byte positions in the stream of records: a record's LSN is where its framing
// starts, and its end is the next record's LSN. Segment headers are outside that space, so a
// record at LSN l in the segment that starts at LSN s sits at file offset 16 + (l - s).
//
// Segment file: <start LSN, 16 hex digits>.wal
//   header  "TRBWAL01" (8 bytes ASCII) | start LSN (u64 LE)
//   records [payload length u32 LE][checksum u32 LE][payload]
// The checksum is CRC-32 of the payload seeded with its length, so a record whose length
// field was damaged fails it too. A length of 0 is never valid (payloads are never empty):
// a zero-filled tail, which a crash can leave where the file grew but its data never
// reached the disk, reads as the end of the log.
//
// A record never spans segments. Segments follow each other without gaps: each starts at
// the LSN where the one before it ends.

import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { SqlError, internalError } from '../errors.js';
import { STORAGE_SQLSTATE, ioFailure } from './storage_errors.js';

export interface WalRecord {
  lsn: number;
  /** LSN just past the record: the next record's LSN. */
  end: number;
  /**
   * A view into a read buffer shared with neighbouring records (about 1 MiB): copy it
   * (Buffer.from) to keep it for long without pinning that buffer.
   */
  payload: Buffer;
}

/** The system calls on the append and flush paths, replaceable so tests can inject faults. */
export interface WalIo {
  writeSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): number;
  ftruncateSync(fd: number, length: number): void;
  fdatasync(fd: number, callback: (err: NodeJS.ErrnoException | null) => void): void;
  fdatasyncSync(fd: number): void;
  /** For the directory: a new or removed segment's name is durable only once it is synced. */
  fsync(fd: number, callback: (err: NodeJS.ErrnoException | null) => void): void;
  fsyncSync(fd: number): void;
}

export interface WalOpenOptions {
  /** The wal directory (created if missing). */
  dir: string;
  /** Start a new segment once the current one would grow past this many bytes (default 64 MiB). */
  segmentBytes?: number;
  /** Where open reports what it repaired (default console.error). */
  log?: (line: string) => void;
  /**
   * Replay from this LSN (a checkpoint's; a record boundary, as append returns them):
   * segments wholly before it are not read, records
   * before it are checked but not passed to onRecord, and a log that ends before it (its
   * tail never reached the disk, but the checkpoint did) continues at `from`. Without it,
   * the log is read from its first segment, wherever that starts.
   */
  from?: number;
  io?: Partial<WalIo>;
}

const MAGIC = Buffer.from('TRBWAL01', 'ascii');
const SEGMENT_HEADER_BYTES = 16;
const RECORD_HEADER_BYTES = 8;
const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;
/** PostgreSQL's limit for one value too; a larger length field is damage, not a record. */
export const MAX_WAL_PAYLOAD_BYTES = 1024 * 1024 * 1024;
const READ_CHUNK_BYTES = 1024 * 1024;
/** Appends up to this size are framed in one reused buffer and written with one call. */
const STAGING_BYTES = 64 * 1024;
const SEGMENT_FILE = /^[0-9a-f]{16}\.wal$/;

const defaultIo: WalIo = {
  writeSync: (fd, buffer, offset, length, position) => fs.writeSync(fd, buffer, offset, length, position),
  ftruncateSync: (fd, length) => fs.ftruncateSync(fd, length),
  fdatasync: (fd, callback) => fs.fdatasync(fd, callback),
  fdatasyncSync: (fd) => fs.fdatasyncSync(fd),
  fsync: (fd, callback) => fs.fsync(fd, callback),
  fsyncSync: (fd) => fs.fsyncSync(fd),
};

export function walSegmentName(startLsn: number): string {
  return startLsn.toString(16).padStart(16, '0') + '.wal';
}

function checksum(payload: Uint8Array): number {
  return zlib.crc32(payload, payload.length);
}

interface Segment {
  start: number;
  name: string;
}

/** A segment whose data a sync must still cover; `fd` stays open until one has. */
interface OpenSegment extends Segment {
  fd: number;
}

interface Waiters {
  promise: Promise<void>;
  resolve: () => void;
  reject: (e: SqlError) => void;
}

function waiters(): Waiters {
  let resolve!: () => void;
  let reject!: (e: SqlError) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

export class Wal {
  private readonly io: WalIo;
  /** Every segment file, oldest first; the last is `current`. */
  private readonly segments: Segment[];
  private current: OpenSegment;
  /** File offset in `current` where the next record goes. */
  private writeOffset: number;
  /** Earlier segments written since the last sync: it must cover them before they close. */
  private retiring: OpenSegment[] = [];
  private dirFd: number | null;
  private dirDirty = false;
  private readonly staging = Buffer.allocUnsafe(STAGING_BYTES);
  private readonly recordHeader = Buffer.allocUnsafe(RECORD_HEADER_BYTES);
  private _endLsn: number;
  private _flushedLsn: number;
  private _failed: SqlError | null = null;
  private closed = false;
  // Group commit: one sync runs at a time, covering everything appended before it started;
  // flushes that need more than it covers share the next one.
  private running: { target: number; promise: Promise<void> } | null = null;
  private next: Waiters | null = null;

  private constructor(
    private readonly dir: string,
    private readonly segmentBytes: number,
    io: WalIo,
    segments: Segment[],
    current: OpenSegment,
    endLsn: number,
    dirFd: number | null,
    private readonly log: (line: string) => void,
  ) {
    this.io = io;
    this.segments = segments;
    this.current = current;
    this.writeOffset = SEGMENT_HEADER_BYTES + (endLsn - current.start);
    this._endLsn = endLsn;
    this._flushedLsn = endLsn;
    this.dirFd = dirFd;
  }

  /**
   * Open the log, passing each whole record (from `options.from` on) to `onRecord` in LSN
   * order while reading, so the log never has to fit in memory. A torn or corrupt record
   * ends the log: its segment is truncated there and later segments are removed, each
   * reported through `options.log`. What is read is fsynced before open returns (after a
   * process crash it may still be only in the page cache), so flushedLsn starts at endLsn.
   * If onRecord throws, open closes what it opened and rethrows.
   */
  static open(options: WalOpenOptions, onRecord: (record: WalRecord) => void = () => {}): Wal {
    const { dir, from } = options;
    const segmentBytes = options.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
    const log = options.log ?? ((line: string) => console.error(line));
    const io = { ...defaultIo, ...options.io };
    if (!(segmentBytes > SEGMENT_HEADER_BYTES)) throw internalError(`WAL segment size ${segmentBytes} is too small`);
    if (from !== undefined && !(Number.isSafeInteger(from) && from >= 0)) throw internalError(`invalid WAL position ${from}`);

    if (!fs.existsSync(dir)) {
      try {
        fs.mkdirSync(dir, { recursive: true });
      } catch (e) {
        throw ioFailure(e, 'create directory', dir);
      }
      syncDirectory(path.dirname(dir));
    }
    const segments = listSegments(dir);
    // Segment i holds LSNs [start i, start i+1): those wholly before `from` need no reading.
    let first = 0;
    if (from !== undefined) {
      while (first + 1 < segments.length && segments[first + 1].start <= from) first++;
      if (segments.length > 0 && segments[first].start > from) {
        throw new SqlError(STORAGE_SQLSTATE.DATA_CORRUPTED, `WAL from LSN ${from} is missing: the first segment in "${dir}" is ${segments[first].name}`, {
          detail: 'The records between the checkpoint and that segment cannot be replayed.',
        });
      }
    }

    let end = segments.length > first ? segments[first].start : (from ?? 0);
    let lastRead = -1; // index of the last segment read whole or up to its damage
    let damagedFrom = segments.length; // segments from here on are removed
    for (let i = first; i < segments.length; i++) {
      const seg = segments[i];
      const file = path.join(dir, seg.name);
      if (seg.start !== end) {
        log(`WAL recovery: ${seg.name} starts at LSN ${seg.start}, but the log before it ends at LSN ${end}; the log ends there`);
        damagedFrom = i;
        break;
      }
      const fd = openOrFail(file, 'r+');
      try {
        const scan = scanSegment(fd, file, seg.start, from ?? 0, onRecord);
        end = scan.end;
        if (scan.damage === null) {
          fsyncOrFail(io, fd, file);
          lastRead = i;
          continue;
        }
        if (scan.validBytes < SEGMENT_HEADER_BYTES) {
          log(`WAL recovery: ${seg.name}: ${scan.damage}`);
          damagedFrom = i;
        } else {
          log(`WAL recovery: ${seg.name}: ${scan.damage} at byte ${scan.validBytes} (LSN ${scan.end}); truncated the segment there, dropping ${scan.fileBytes - scan.validBytes} bytes`);
          try {
            fs.ftruncateSync(fd, scan.validBytes);
            io.fdatasyncSync(fd);
          } catch (e) {
            throw ioFailure(e, 'truncate', file);
          }
          lastRead = i;
          damagedFrom = i + 1;
        }
        break;
      } finally {
        fs.closeSync(fd);
      }
    }
    // A record after damage cannot be trusted to follow the last good one (PostgreSQL's WAL
    // ends at the first bad record too), so what comes after is dropped, not skipped over.
    for (const seg of segments.splice(damagedFrom)) {
      const bytes = fileSize(path.join(dir, seg.name));
      log(`WAL recovery: removed ${seg.name} (${bytes} bytes), which comes after the end of the log at LSN ${end}`);
      unlinkOrFail(path.join(dir, seg.name));
    }
    if (from !== undefined && end < from) {
      // Everything here is older than the checkpoint; LSNs must not go back below it.
      for (const seg of segments.splice(0)) unlinkOrFail(path.join(dir, seg.name));
      log(`WAL recovery: the log ends at LSN ${end}, before the checkpoint at LSN ${from}; it continues from LSN ${from} in a new segment`);
      end = from;
      lastRead = -1;
    }

    const dirFd = openDirectory(dir);
    let current: OpenSegment;
    try {
      if (lastRead >= 0 && lastRead === segments.length - 1) {
        const seg = segments[lastRead];
        current = { ...seg, fd: openOrFail(path.join(dir, seg.name), 'r+') };
      } else {
        // No segment yet, or the last one was never read (wholly before `from`): a new one.
        current = createSegment(dir, end, io);
        segments.push({ start: current.start, name: current.name });
      }
    } catch (e) {
      if (dirFd !== null) fs.closeSync(dirFd);
      throw e;
    }
    const wal = new Wal(dir, segmentBytes, io, segments, current, end, dirFd, log);
    // The directory too: the process that wrote the segments read here may have died before
    // their names were synced, and what was replayed must not vanish in an OS crash.
    wal.dirDirty = true;
    try {
      wal.flushSync();
    } catch (e) {
      wal.close();
      throw e;
    }
    return wal;
  }

  /** LSN just past the last appended record. */
  get endLsn(): number {
    return this._endLsn;
  }

  /** Everything before this LSN is on disk. */
  get flushedLsn(): number {
    return this._flushedLsn;
  }

  /** The failure that stopped the log, if one did: it then takes no more appends or flushes. */
  get failed(): SqlError | null {
    return this._failed;
  }

  /**
   * Append one record into the page cache (not fsynced: see flush) and return the LSN just
   * past it. Throws 53100 if the disk is full and 58030 for other I/O errors, after which
   * the log is failed; a record it could not write whole is cut off again.
   */
  append(payload: Uint8Array): number {
    this.checkUsable();
    const length = payload.length;
    if (length === 0) throw internalError('WAL records cannot be empty');
    if (length > MAX_WAL_PAYLOAD_BYTES) {
      throw new SqlError('54000', `WAL record of ${length} bytes exceeds the maximum of ${MAX_WAL_PAYLOAD_BYTES} bytes`);
    }
    const recordBytes = RECORD_HEADER_BYTES + length;
    if (this.writeOffset > SEGMENT_HEADER_BYTES && this.writeOffset + recordBytes > this.segmentBytes) this.rotate();
    const at = this.writeOffset;
    const sum = checksum(payload);
    try {
      if (recordBytes <= STAGING_BYTES) {
        const buf = this.staging;
        buf.writeUInt32LE(length, 0);
        buf.writeUInt32LE(sum, 4);
        buf.set(payload, RECORD_HEADER_BYTES);
        this.writeFully(buf, recordBytes, at);
      } else {
        this.recordHeader.writeUInt32LE(length, 0);
        this.recordHeader.writeUInt32LE(sum, 4);
        this.writeFully(this.recordHeader, RECORD_HEADER_BYTES, at);
        this.writeFully(payload, length, at + RECORD_HEADER_BYTES);
      }
    } catch (e) {
      try {
        this.io.ftruncateSync(this.current.fd, at);
      } catch {
        // Recovery truncates the partial record as a torn tail; nothing follows it, since
        // the log takes no more appends.
      }
      throw this.fail(e, 'write to', this.current.name);
    }
    this.writeOffset = at + recordBytes;
    this._endLsn += recordBytes;
    return this._endLsn;
  }

  /**
   * Resolve once everything before `lsn` (default: all appended so far) is on disk. Rejects
   * with the failure if a sync fails, which fails the log.
   */
  flush(lsn: number = this._endLsn): Promise<void> {
    if (lsn <= this._flushedLsn) return Promise.resolve();
    if (this._failed) return Promise.reject(this.unusable());
    if (this.closed) return Promise.reject(internalError('the WAL is closed'));
    if (lsn > this._endLsn) return Promise.reject(internalError(`cannot flush the WAL to LSN ${lsn}: it ends at LSN ${this._endLsn}`));
    if (this.running && lsn <= this.running.target) return this.running.promise;
    if (!this.next) {
      this.next = waiters();
      // Start in a microtask so that callers in the same turn share the sync.
      if (!this.running) queueMicrotask(() => this.startSync());
    }
    return this.next.promise;
  }

  /** flush(), blocking: for shutdown and tests. */
  flushSync(): void {
    this.checkUsable();
    const target = this._endLsn;
    let syncing = '';
    try {
      for (const seg of [...this.retiring, this.current]) {
        syncing = seg.name;
        this.io.fdatasyncSync(seg.fd);
      }
      if (this.dirDirty && this.dirFd !== null) {
        syncing = '.';
        this.io.fsyncSync(this.dirFd);
      }
      this.dirDirty = false;
    } catch (e) {
      throw this.fail(e, 'fsync', syncing);
    }
    this.advanceFlushed(target);
    // A running sync may still use the retiring fds; it closes those it synced.
    if (!this.running) this.closeRetiring(this.retiring.length);
    // Callers waiting for the next sync appended before this one started: it covers them.
    const next = this.next;
    this.next = null;
    next?.resolve();
  }

  /**
   * Delete the segments that end at or before `lsn` (a checkpoint covers them), oldest first;
   * never the current one.
   */
  removeBefore(lsn: number): void {
    while (this.segments.length > 1 && this.segments[1].start <= lsn) {
      const seg = this.segments[0];
      unlinkOrFail(path.join(this.dir, seg.name));
      this.segments.shift();
      this.dirDirty = true;
    }
  }

  /** The segment files, oldest first. */
  segmentNames(): string[] {
    return this.segments.map((s) => s.name);
  }

  /** flushSync, then close the files. A flush still running closes them when it ends. */
  close(): void {
    if (this.closed) return;
    let error: unknown = null;
    if (!this._failed) {
      try {
        this.flushSync();
      } catch (e) {
        error = e;
      }
    }
    this.closed = true;
    const next = this.next;
    this.next = null;
    if (next) {
      if (this._failed) next.reject(this.unusable());
      else next.resolve();
    }
    if (!this.running) this.closeFiles();
    if (error) throw error;
  }

  private startSync(): void {
    const waiting = this.next;
    this.next = null;
    if (!waiting) return;
    if (this._failed) return waiting.reject(this.unusable());
    if (this.closed) return waiting.reject(internalError('the WAL is closed'));
    const target = this._endLsn;
    const files: OpenSegment[] = [...this.retiring, this.current];
    const retired = this.retiring.length;
    const syncDir = this.dirDirty && this.dirFd !== null;
    this.dirDirty = false;
    this.running = { target, promise: waiting.promise };
    // The segments one after the other, then the directory if a segment is new.
    let i = 0;
    let syncing = '';
    const step = (err: NodeJS.ErrnoException | null): void => {
      if (err) return done(this.fail(err, 'fsync', syncing));
      if (i < files.length) {
        syncing = files[i].name;
        return this.io.fdatasync(files[i++].fd, step);
      }
      if (syncDir && syncing !== '.') {
        syncing = '.';
        return this.io.fsync(this.dirFd!, step);
      }
      done(null);
    };
    const done = (error: SqlError | null): void => {
      this.running = null;
      if (error) {
        waiting.reject(error);
      } else {
        this.advanceFlushed(target);
        // Only the segments this sync covered: rotation may have retired more meanwhile.
        this.closeRetiring(retired);
        waiting.resolve();
      }
      if (this.closed) this.closeFiles();
      else if (this.next) this.startSync();
    };
    step(null);
  }

  private advanceFlushed(target: number): void {
    if (target > this._flushedLsn) this._flushedLsn = target;
  }

  /** Close the first `count` retiring segments, whose data a sync has covered. */
  private closeRetiring(count: number): void {
    for (const seg of this.retiring.splice(0, count)) fs.closeSync(seg.fd);
  }

  private closeFiles(): void {
    this.closeRetiring(this.retiring.length);
    fs.closeSync(this.current.fd);
    if (this.dirFd !== null) fs.closeSync(this.dirFd);
    this.dirFd = null;
  }

  /** Start a new segment at endLsn; the old one stays open until a sync covers it. */
  private rotate(): void {
    let seg: OpenSegment;
    try {
      seg = createSegment(this.dir, this._endLsn, this.io);
    } catch (e) {
      throw this.fail(e, 'create', walSegmentName(this._endLsn));
    }
    this.retiring.push(this.current);
    this.current = seg;
    this.segments.push({ start: seg.start, name: seg.name });
    this.writeOffset = SEGMENT_HEADER_BYTES;
    this.dirDirty = true;
  }

  private writeFully(buf: Uint8Array, length: number, position: number): void {
    writeFully(this.io, this.current.fd, buf, length, position);
  }

  private fail(err: unknown, action: string, name: string): SqlError {
    if (this._failed) return this._failed;
    this._failed = err instanceof SqlError ? err : ioFailure(err, action, path.join(this.dir, name));
    this.log(`the write-ahead log failed (${this._failed.message}): every write is refused until a restart; reads go on`);
    return this._failed;
  }

  private checkUsable(): void {
    if (this._failed) throw this.unusable();
    if (this.closed) throw internalError('the WAL is closed');
  }

  /** The error for every use after a failure: the failure's code, and what it was. */
  private unusable(): SqlError {
    const failure = this._failed!;
    return new SqlError(failure.code, `the write-ahead log accepts no more writes after an earlier failure: ${failure.message}`, {
      hint: 'Restart the server once the cause is fixed; recovery replays what reached the log.',
    });
  }
}

/** Write all of buf[0, length) at position, resuming after short writes. */
function writeFully(io: WalIo, fd: number, buf: Uint8Array, length: number, position: number): void {
  let done = 0;
  while (done < length) {
    const n = io.writeSync(fd, buf, done, length - done, position + done);
    if (n <= 0) throw Object.assign(new Error('EIO: write made no progress, write'), { code: 'EIO' });
    done += n;
  }
}

function createSegment(dir: string, start: number, io: WalIo): OpenSegment {
  const name = walSegmentName(start);
  const file = path.join(dir, name);
  const fd = openOrFail(file, 'w');
  try {
    const header = Buffer.alloc(SEGMENT_HEADER_BYTES);
    MAGIC.copy(header, 0);
    header.writeBigUInt64LE(BigInt(start), 8);
    writeFully(io, fd, header, SEGMENT_HEADER_BYTES, 0);
  } catch (e) {
    fs.closeSync(fd);
    try {
      fs.unlinkSync(file);
    } catch {
      // A segment with a partial header reads as empty and is removed by recovery.
    }
    throw ioFailure(e, 'write to', file);
  }
  return { start, name, fd };
}

interface SegmentScan {
  /** LSN just past the last whole record. */
  end: number;
  /** File offset just past the last whole record (0 if the header is bad). */
  validBytes: number;
  fileBytes: number;
  /** What is wrong at validBytes, or null if the segment ends cleanly. */
  damage: string | null;
}

/**
 * Read a segment's records, passing those at or after `from` to onRecord, up to its end or
 * the first record that is incomplete or fails its checksum.
 */
function scanSegment(fd: number, file: string, start: number, from: number, onRecord: (r: WalRecord) => void): SegmentScan {
  // Errors from onRecord pass through as they are; only the file's are reported as I/O ones.
  const read = (buf: Buffer, offset: number, length: number, position: number): number => {
    try {
      return fs.readSync(fd, buf, offset, length, position);
    } catch (e) {
      throw ioFailure(e, 'read', file);
    }
  };
  const fileBytes = fs.fstatSync(fd).size;
  const header = Buffer.alloc(SEGMENT_HEADER_BYTES);
  const headerBytes = read(header, 0, SEGMENT_HEADER_BYTES, 0);
  const damaged = (damage: string, validBytes: number, end: number): SegmentScan => ({ end, validBytes, fileBytes, damage });
  if (headerBytes < SEGMENT_HEADER_BYTES) return damaged(`its header is incomplete (${headerBytes} of ${SEGMENT_HEADER_BYTES} bytes)`, 0, start);
  if (!header.subarray(0, 8).equals(MAGIC)) return damaged('its header does not start with TRBWAL01', 0, start);
  const headerStart = header.readBigUInt64LE(8);
  if (headerStart !== BigInt(start)) return damaged(`its header gives start LSN ${headerStart}, not the ${start} its name gives`, 0, start);

  // buf holds the file's bytes [bufAt, bufAt + buf.length). A new buffer is allocated for each
  // window rather than one reused, since the records passed on are views into it.
  let buf = Buffer.alloc(0);
  let bufAt = SEGMENT_HEADER_BYTES;
  let pos = SEGMENT_HEADER_BYTES;
  let lsn = start;
  /** Make [pos, pos + n) readable in buf; false if the file ends first. */
  const have = (n: number): boolean => {
    if (pos + n > fileBytes) return false;
    const kept = bufAt + buf.length - pos;
    if (kept >= n) return true;
    const next = Buffer.allocUnsafe(Math.min(Math.max(READ_CHUNK_BYTES, n), fileBytes - pos));
    buf.copy(next, 0, pos - bufAt);
    let filled = kept;
    while (filled < next.length) {
      const r = read(next, filled, next.length - filled, pos + filled);
      if (r === 0) break;
      filled += r;
    }
    buf = next.subarray(0, filled);
    bufAt = pos;
    return filled >= n;
  };
  while (pos < fileBytes) {
    if (!have(RECORD_HEADER_BYTES)) return damaged(`record header is incomplete (${fileBytes - pos} bytes)`, pos, lsn);
    const length = buf.readUInt32LE(pos - bufAt);
    const sum = buf.readUInt32LE(pos - bufAt + 4);
    if (length === 0) return damaged('record length is zero (zero-filled or never written)', pos, lsn);
    if (length > MAX_WAL_PAYLOAD_BYTES) return damaged(`record length ${length} is impossible`, pos, lsn);
    if (!have(RECORD_HEADER_BYTES + length)) {
      return damaged(`record of ${length} bytes is incomplete (${fileBytes - pos - RECORD_HEADER_BYTES} bytes present)`, pos, lsn);
    }
    const payloadAt = pos - bufAt + RECORD_HEADER_BYTES;
    const payload = buf.subarray(payloadAt, payloadAt + length);
    if (checksum(payload) !== sum) return damaged(`record of ${length} bytes fails its checksum`, pos, lsn);
    const end = lsn + RECORD_HEADER_BYTES + length;
    if (lsn >= from) onRecord({ lsn, end, payload });
    pos += RECORD_HEADER_BYTES + length;
    lsn = end;
  }
  return { end: lsn, validBytes: pos, fileBytes, damage: null };
}

function listSegments(dir: string): Segment[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (e) {
    throw ioFailure(e, 'read directory', dir);
  }
  return names
    .filter((name) => SEGMENT_FILE.test(name))
    .map((name) => ({ start: parseInt(name.slice(0, 16), 16), name }))
    .sort((a, b) => a.start - b.start);
}

function fsyncOrFail(io: WalIo, fd: number, file: string): void {
  try {
    io.fdatasyncSync(fd);
  } catch (e) {
    throw ioFailure(e, 'fsync', file);
  }
}

function openOrFail(file: string, flags: string): number {
  try {
    return fs.openSync(file, flags, 0o600);
  } catch (e) {
    throw ioFailure(e, 'open', file);
  }
}

function unlinkOrFail(file: string): void {
  try {
    fs.unlinkSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw ioFailure(e, 'remove', file);
  }
}

function fileSize(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

/** A directory's fd, for fsyncing its entries; null where directories cannot be opened (Windows). */
function openDirectory(dir: string): number | null {
  try {
    return fs.openSync(dir, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EISDIR' || code === 'EPERM' || code === 'EACCES') return null;
    throw ioFailure(e, 'open', dir);
  }
}

function syncDirectory(dir: string): void {
  const fd = openDirectory(dir);
  if (fd === null) return;
  try {
    fs.fsyncSync(fd);
  } catch (e) {
    throw ioFailure(e, 'fsync', dir);
  } finally {
    fs.closeSync(fd);
  }
}
