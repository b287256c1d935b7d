import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqlError } from '../errors.js';
import { Wal, walSegmentName, type WalOpenOptions, type WalRecord } from './wal.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = fs.mkdtempSync(os.tmpdir() + '/wal-');
  dirs.push(d);
  return path.join(d, 'wal');
}

/** Payload i: its index and a length that varies, so framing errors show. */
function payload(i: number): Buffer {
  const b = Buffer.alloc(4 + ((i * 37) % 300), i % 251);
  b.writeUInt32LE(i, 0);
  return b;
}

interface Opened {
  wal: Wal;
  records: WalRecord[];
  logged: string[];
}

function open(dir: string, options: Partial<WalOpenOptions> = {}): Opened {
  const records: WalRecord[] = [];
  const logged: string[] = [];
  const wal = Wal.open({ dir, log: (line) => logged.push(line), ...options }, (r) => records.push({ ...r, payload: Buffer.from(r.payload) }));
  return { wal, records, logged };
}

/** Write n records (closing the log), returning each record's LSN and end. */
function writeRecords(dir: string, n: number, options: Partial<WalOpenOptions> = {}): { lsn: number; end: number }[] {
  const { wal } = open(dir, options);
  const out: { lsn: number; end: number }[] = [];
  for (let i = 0; i < n; i++) {
    const lsn = wal.endLsn;
    out.push({ lsn, end: wal.append(payload(i)) });
  }
  wal.close();
  return out;
}

function segmentFiles(dir: string): string[] {
  return fs.readdirSync(dir).filter((f) => f.endsWith('.wal')).sort();
}

function lastSegment(dir: string): string {
  const files = segmentFiles(dir);
  return path.join(dir, files[files.length - 1]);
}

function expectPayloads(records: WalRecord[], n: number): void {
  expect(records.length).toBe(n);
  for (let i = 0; i < n; i++) expect(records[i].payload.equals(payload(i))).toBe(true);
}

function errnoError(code: string, message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${message}`), { code });
}

describe('Wal', () => {
  it('reads back every record in order across several segments, with contiguous LSNs', () => {
    const dir = tempDir();
    const segmentBytes = 4096;
    const { wal } = open(dir, { segmentBytes });
    const written: { lsn: number; end: number }[] = [];
    const big = Buffer.alloc(10_000, 9); // larger than a segment: gets a segment of its own
    for (let i = 0; i < 500; i++) {
      const lsn = wal.endLsn;
      written.push({ lsn, end: wal.append(i === 250 ? big : payload(i)) });
    }
    wal.close();

    const files = segmentFiles(dir);
    expect(files.length).toBeGreaterThan(5);
    for (const f of files) {
      const bytes = fs.readFileSync(path.join(dir, f));
      expect(bytes.subarray(0, 8).toString('ascii')).toBe('TRBWAL01');
      expect(walSegmentName(Number(bytes.readBigUInt64LE(8)))).toBe(f);
      // Only the segment holding the big record exceeds the size.
      if (bytes.length > segmentBytes) expect(bytes.length).toBe(16 + 8 + big.length);
    }

    const { wal: again, records, logged } = open(dir, { segmentBytes });
    expect(logged).toEqual([]);
    expect(records.length).toBe(500);
    records.forEach((r, i) => {
      expect(r.payload.equals(i === 250 ? big : payload(i))).toBe(true);
      expect({ lsn: r.lsn, end: r.end }).toEqual(written[i]);
      if (i > 0) expect(r.lsn).toBe(records[i - 1].end);
    });
    expect(records[0].lsn).toBe(0);
    expect(again.endLsn).toBe(written[499].end);
    expect(again.flushedLsn).toBe(again.endLsn);
    again.close();
  });

  it('appends after the last record when reopened', () => {
    const dir = tempDir();
    const first = writeRecords(dir, 10);
    const { wal, records } = open(dir);
    expect(records.length).toBe(10);
    expect(wal.endLsn).toBe(first[9].end);
    for (let i = 10; i < 20; i++) wal.append(payload(i));
    wal.close();
    expectPayloads(open(dir).records, 20);
  });

  it('rejects empty records', () => {
    const { wal } = open(tempDir());
    expect(() => wal.append(new Uint8Array(0))).toThrow(/cannot be empty/);
    expect(wal.failed).toBe(null);
    wal.close();
  });

  describe('a damaged tail is cut at the last whole record, reported, and appended after', () => {
    const damages: [string, (file: string) => void, number][] = [
      ['the last record cut in half', (file) => fs.truncateSync(file, fs.statSync(file).size - Math.ceil(payload(19).length / 2)), 19],
      ['garbage after the last record', (file) => fs.appendFileSync(file, Buffer.from('not a wal record, just some bytes')), 20],
      [
        'a byte of the last record flipped',
        (file) => {
          const bytes = fs.readFileSync(file);
          bytes[bytes.length - 3] ^= 0x40;
          fs.writeFileSync(file, bytes);
        },
        19,
      ],
      ['a zero-filled tail', (file) => fs.appendFileSync(file, Buffer.alloc(4096)), 20],
      ['half a record header', (file) => fs.appendFileSync(file, Buffer.from([5, 0, 0])), 20],
    ];
    for (const [what, damage, kept] of damages) {
      it(what, () => {
        const dir = tempDir();
        const written = writeRecords(dir, 20);
        const file = lastSegment(dir);
        damage(file);
        const damagedBytes = fs.statSync(file).size;

        const { wal, records, logged } = open(dir);
        expectPayloads(records, kept);
        const cut = 16 + written[kept - 1].end;
        expect(fs.statSync(file).size).toBe(cut);
        expect(logged.length).toBe(1);
        expect(logged[0]).toContain(path.basename(file));
        expect(logged[0]).toContain(`at byte ${cut} (LSN ${written[kept - 1].end})`);
        expect(logged[0]).toContain(`dropping ${damagedBytes - cut} bytes`);
        expect(wal.endLsn).toBe(written[kept - 1].end);

        for (let i = kept; i < 25; i++) wal.append(payload(i));
        wal.close();
        const reopened = open(dir);
        expect(reopened.logged).toEqual([]);
        expectPayloads(reopened.records, 25);
        reopened.wal.close();
      });
    }
  });

  it('ends the log at a corrupt record in an older segment, removing the segments after it', () => {
    const dir = tempDir();
    const written = writeRecords(dir, 200, { segmentBytes: 2048 });
    const files = segmentFiles(dir);
    expect(files.length).toBeGreaterThanOrEqual(4);
    // Flip a byte in the second record of the second segment.
    const second = parseInt(files[1], 16);
    const k = written.findIndex((w) => w.lsn === second) + 1;
    const bytes = fs.readFileSync(path.join(dir, files[1]));
    bytes[16 + (written[k].lsn - second) + 8] ^= 1;
    fs.writeFileSync(path.join(dir, files[1]), bytes);

    // A WAL cannot step over a bad record: its length may be what is wrong, and the records
    // after it may depend on it. So the log ends there and everything later is lost, as in
    // PostgreSQL; surviving that takes a replica or a backup, not the log.
    const { wal, records, logged } = open(dir, { segmentBytes: 2048 });
    expectPayloads(records, k);
    expect(segmentFiles(dir)).toEqual(files.slice(0, 2));
    expect(logged[0]).toContain(`${files[1]}: record of ${payload(k).length} bytes fails its checksum at byte ${16 + written[k].lsn - second}`);
    expect(logged.slice(1).length).toBe(files.length - 2);
    files.slice(2).forEach((f, i) => expect(logged[1 + i]).toContain(`removed ${f}`));
    expect(wal.endLsn).toBe(written[k].lsn);
    wal.append(payload(k));
    wal.close();
    expectPayloads(open(dir).records, k + 1);
  });

  it('ends the log where a segment is missing', () => {
    const dir = tempDir();
    const written = writeRecords(dir, 100, { segmentBytes: 1024 });
    const files = segmentFiles(dir);
    fs.rmSync(path.join(dir, files[2]));
    const { wal, records, logged } = open(dir, { segmentBytes: 1024 });
    const end = parseInt(files[2], 16);
    expectPayloads(records, written.findIndex((w) => w.lsn === end));
    expect(logged[0]).toBe(`WAL recovery: ${files[3]} starts at LSN ${parseInt(files[3], 16)}, but the log before it ends at LSN ${end}; the log ends there`);
    expect(logged.length).toBe(1 + files.length - 3);
    expect(segmentFiles(dir)).toEqual(files.slice(0, 2));
    expect(wal.endLsn).toBe(end);
    wal.close();
  });

  it('removes a segment whose header never reached the disk', () => {
    const dir = tempDir();
    const written = writeRecords(dir, 50, { segmentBytes: 1024 });
    const next = walSegmentName(written[49].end);
    fs.writeFileSync(path.join(dir, next), Buffer.from('TRBW'));
    const { wal, records, logged } = open(dir, { segmentBytes: 1024 });
    expectPayloads(records, 50);
    expect(logged).toEqual([
      `WAL recovery: ${next}: its header is incomplete (4 of 16 bytes)`,
      `WAL recovery: removed ${next} (4 bytes), which comes after the end of the log at LSN ${written[49].end}`,
    ]);
    expect(segmentFiles(dir)).not.toContain(next);
    expect(wal.endLsn).toBe(written[49].end);
    wal.close();
  });

  describe('group commit', () => {
    it('serves many concurrent flushes with few fdatasyncs, each started after the append it covers', async () => {
      const dir = tempDir();
      let wal: Wal | null = null;
      const started: number[] = []; // endLsn when each fdatasync started
      const finished: number[] = [];
      wal = open(dir, {
        io: {
          fdatasync: (fd, cb) => {
            const target = wal!.endLsn;
            started.push(target);
            fs.fdatasync(fd, (err) => {
              finished.push(target);
              cb(err);
            });
          },
        },
      }).wal;
      const w = wal;
      const callers = Array.from({ length: 100 }, async (_, i) => {
        // Arrive spread over a few turns of the event loop.
        for (let t = 0; t < i % 7; t++) await new Promise((r) => setImmediate(r));
        const lsn = w.append(payload(i));
        await w.flush(lsn);
        // A sync that started after this append (its target covers lsn) has finished.
        expect(finished.some((target) => target >= lsn)).toBe(true);
        expect(w.flushedLsn).toBeGreaterThanOrEqual(lsn);
      });
      await Promise.all(callers);
      expect(started.length).toBeGreaterThan(0);
      expect(started.length).toBeLessThanOrEqual(20);
      // One at a time: each sync started after the previous one finished.
      expect(finished).toEqual(started);
      w.close();
    });

    it('makes a new segment durable in the directory once, and old segments before closing them', async () => {
      const dir = tempDir();
      const dirSyncs: number[] = [];
      const dataSyncs: number[] = [];
      const { wal } = open(dir, {
        segmentBytes: 1024,
        io: {
          fsync: (fd, cb) => {
            dirSyncs.push(fd);
            fs.fsync(fd, cb);
          },
          fdatasync: (fd, cb) => {
            dataSyncs.push(fd);
            fs.fdatasync(fd, cb);
          },
        },
      });
      await wal.flush(wal.append(payload(1)));
      expect(dirSyncs.length).toBe(0); // the segment already existed
      for (let i = 0; i < 30; i++) wal.append(payload(i)); // rotates
      expect(wal.segmentNames().length).toBeGreaterThan(1);
      const syncsBefore = dataSyncs.length;
      await wal.flush();
      expect(dirSyncs.length).toBe(1);
      expect(dataSyncs.length - syncsBefore).toBe(wal.segmentNames().length); // old and current
      const segments = wal.segmentNames().length;
      await wal.flush(wal.append(payload(2)));
      expect(wal.segmentNames().length).toBe(segments); // no rotation, so no directory sync
      expect(dirSyncs.length).toBe(1);
      wal.close();
    });
  });

  describe('failures', () => {
    it('a full disk: 53100, no partial record left, the log failed', async () => {
      const dir = tempDir();
      const written = writeRecords(dir, 5);
      let full = false;
      const { wal } = open(dir, {
        io: {
          // A full disk: the write gets some of the bytes in, the rest fails.
          writeSync: (fd, buffer, offset, length, position) => {
            if (!full) return fs.writeSync(fd, buffer, offset, length, position);
            if (length > 10) return fs.writeSync(fd, buffer, offset, 10, position);
            throw errnoError('ENOSPC', 'no space left on device, write');
          },
        },
      });
      const file = lastSegment(dir);
      full = true;
      let error: unknown;
      try {
        wal.append(payload(5));
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(SqlError);
      expect((error as SqlError).code).toBe('53100');
      expect((error as SqlError).message).toBe(`could not write to file "${file}": No space left on device`);
      expect(fs.statSync(file).size).toBe(16 + written[4].end);
      expect(wal.failed).toBe(error);
      expect(wal.endLsn).toBe(written[4].end);

      full = false; // even with space again, the log stays failed until reopened
      expect(() => wal.append(payload(5))).toThrow(expect.objectContaining({ code: '53100' }));
      await expect(wal.flush(wal.endLsn + 1)).rejects.toMatchObject({ code: '53100' });
      wal.close();

      const reopened = open(dir);
      expect(reopened.logged).toEqual([]);
      expectPayloads(reopened.records, 5);
      reopened.wal.close();
    });

    it('a failed fdatasync: flush rejects with 58030, and the log takes no more appends', async () => {
      const dir = tempDir();
      const { wal } = open(dir, {
        io: { fdatasync: (_fd, cb) => setImmediate(() => cb(errnoError('EIO', 'i/o error, fdatasync'))) },
      });
      const lsn = wal.append(payload(1));
      const waiting = [wal.flush(lsn), wal.flush(lsn)];
      for (const p of waiting) await expect(p).rejects.toMatchObject({ code: '58030', message: expect.stringMatching(/^could not fsync file ".*0000000000000000\.wal": I\/o error$/) });
      expect(wal.failed?.code).toBe('58030');
      expect(wal.flushedLsn).toBe(0);
      expect(() => wal.append(payload(2))).toThrow(expect.objectContaining({ code: '58030' }));
      expect(() => wal.flushSync()).toThrow(expect.objectContaining({ code: '58030' }));
      wal.close();
    });

    it('a failed fdatasync in flushSync fails the log too', () => {
      let broken = false;
      const { wal } = open(tempDir(), {
        io: {
          fdatasyncSync: (fd) => {
            if (broken) throw errnoError('EIO', 'i/o error, fdatasync');
            fs.fdatasyncSync(fd);
          },
        },
      });
      wal.append(payload(1));
      broken = true;
      expect(() => wal.flushSync()).toThrow(expect.objectContaining({ code: '58030' }));
      expect(() => wal.append(payload(2))).toThrow(expect.objectContaining({ code: '58030' }));
      wal.close();
    });
  });

  describe('checkpoints', () => {
    it('removeBefore deletes only whole segments that end at or before the LSN, never the current one', () => {
      const dir = tempDir();
      const written = writeRecords(dir, 100, { segmentBytes: 1024 });
      const files = segmentFiles(dir);
      expect(files.length).toBeGreaterThanOrEqual(4);
      const starts = files.map((f) => parseInt(f, 16));
      const { wal } = open(dir, { segmentBytes: 1024 });

      wal.removeBefore(starts[2] - 1); // inside segment 1: only segment 0 ends before it
      expect(segmentFiles(dir)).toEqual(files.slice(1));
      wal.removeBefore(starts[3]); // exactly where segment 2 ends
      expect(segmentFiles(dir)).toEqual(files.slice(3));
      wal.removeBefore(wal.endLsn + 1000);
      expect(segmentFiles(dir)).toEqual(files.slice(-1));
      wal.close();

      // Read from the checkpoint: the records from there on, nothing missing.
      const k = written.findIndex((w) => w.lsn === starts[starts.length - 1]);
      const { wal: again, records, logged } = open(dir, { from: written[k].lsn });
      expect(logged).toEqual([]);
      expect(records.map((r) => r.lsn)).toEqual(written.slice(k).map((w) => w.lsn));
      again.close();
    });

    it('from: skips the segments and records before it', () => {
      const dir = tempDir();
      const written = writeRecords(dir, 100, { segmentBytes: 1024 });
      const { wal, records } = open(dir, { from: written[60].lsn });
      expect(records.map((r) => r.lsn)).toEqual(written.slice(60).map((w) => w.lsn));
      expect(records[0].payload.equals(payload(60))).toBe(true);
      wal.close();
    });

    it('from past the end of the log (its tail was lost, the checkpoint was not): continues at from', () => {
      const dir = tempDir();
      const written = writeRecords(dir, 10);
      const checkpoint = written[9].end + 500;
      const { wal, records, logged } = open(dir, { from: checkpoint });
      expect(records).toEqual([]);
      expect(logged).toEqual([`WAL recovery: the log ends at LSN ${written[9].end}, before the checkpoint at LSN ${checkpoint}; it continues from LSN ${checkpoint} in a new segment`]);
      expect(wal.endLsn).toBe(checkpoint);
      const end = wal.append(payload(0));
      wal.close();
      expect(segmentFiles(dir)).toEqual([walSegmentName(checkpoint)]);
      const again = open(dir, { from: checkpoint });
      expect(again.records.map((r) => [r.lsn, r.end])).toEqual([[checkpoint, end]]);
      again.wal.close();
    });

    it('from before the first segment: the records in between are missing (XX001)', () => {
      const dir = tempDir();
      writeRecords(dir, 100, { segmentBytes: 1024 });
      const { wal } = open(dir, { segmentBytes: 1024 });
      wal.removeBefore(wal.endLsn);
      wal.close();
      expect(() => open(dir, { from: 0 })).toThrow(expect.objectContaining({ code: 'XX001' }));
    });

    it('a fresh log starts at from', () => {
      const dir = tempDir();
      const { wal } = open(dir, { from: 12345 });
      expect(wal.endLsn).toBe(12345);
      expect(wal.append(payload(1))).toBe(12345 + 8 + payload(1).length);
      wal.close();
      expect(segmentFiles(dir)).toEqual([walSegmentName(12345)]);
    });
  });
});
