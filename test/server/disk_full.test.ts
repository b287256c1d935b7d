// A full disk, for real: the data directory sits on a tmpfs of a few megabytes (mounted here,
// when the machine lets this process mount). Clients write over the wire until the log cannot
// take another record. The writer must get 53100, every other client must go on reading the
// committed state, and after the disk is given room and the server restarted on the same
// directory, every acknowledged row must be there and no other.

import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { Database } from '../../src/index.js';

const mnt = mkdtempSync(join(tmpdir(), 'tributary-full-'));
const mount = (...opts: string[]): boolean => {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', opts.join(','), 'tmpfs', mnt], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
};
const mounted = mount('size=3m');
if (!mounted) console.warn('disk_full.test.ts: this process may not mount a tmpfs; the full-disk test is skipped');

afterAll(() => {
  if (mounted) execFileSync('umount', [mnt]);
  rmSync(mnt, { recursive: true, force: true });
});

describe('a full disk', () => {
  it.skipIf(!mounted)('refuses the write with 53100, keeps serving reads, and loses no acknowledged row', async () => {
    const dataDir = join(mnt, 'data');
    const logs: string[] = [];
    let db = await Database.open({ dataDir, log: (l) => logs.push(l), checkpointIntervalMs: 0 });
    const server = await db.listen({ port: 0 });
    const writer = new pg.Client({ host: '127.0.0.1', port: server.port, user: 'w' });
    const reader = new pg.Client({ host: '127.0.0.1', port: server.port, user: 'r' });
    await writer.connect();
    await reader.connect();
    const acked: number[] = [];
    let refused: { code?: string; message: string } | null = null;
    try {
      await writer.query('CREATE TABLE t (k int PRIMARY KEY, pad text)');
      await writer.query('CREATE MATERIALIZED VIEW s AS SELECT count(*) AS n, sum(length(pad)) AS bytes FROM t');
      for (let k = 1; k < 10_000 && !refused; k++) {
        try {
          await writer.query('INSERT INTO t VALUES ($1, repeat(md5($1::text), 500))', [k]); // 16 KB a row
          acked.push(k);
          if (k === 40) {
            // a checkpoint without room fails, is logged, and is tried again once there is room
            const free = statfsSync(mnt);
            writeFileSync(join(mnt, 'filler'), Buffer.alloc(Math.max(0, free.bavail * free.bsize - 16_384)));
            await db.checkpoint();
            expect(logs.filter((l) => /^checkpoint failed \(the log keeps everything meanwhile\): .*No space left on device/i.test(l)), logs.join('\n')).toHaveLength(1);
            rmSync(join(mnt, 'filler'));
            await db.checkpoint(); // the restart starts from this one
            expect(readdirSync(join(dataDir, 'checkpoints'))).toEqual([expect.stringMatching(/^[0-9a-f]{16}$/)]); // nothing half-written left
          }
        } catch (e) {
          refused = e as { code?: string; message: string };
        }
      }
      expect(refused).toMatchObject({ code: '53100', message: expect.stringMatching(/No space left on device/i) });
      expect(acked.length).toBeGreaterThan(20);
      expect(logs.filter((l) => /^the write-ahead log failed \(.*No space left on device.*\): every write is refused until a restart; reads go on$/i.test(l)), logs.join('\n')).toHaveLength(1);
      // other clients go on reading the committed state
      const read = async () => (await reader.query('SELECT (SELECT n FROM s)::int AS n, (SELECT count(*) FROM t)::int AS c, (SELECT max(k) FROM t) AS top')).rows[0];
      expect(await read()).toEqual({ n: acked.length, c: acked.length, top: acked.at(-1) });
      // the log has failed: every later write is refused too, until a restart
      await expect(reader.query('INSERT INTO t VALUES (0, \'x\')')).rejects.toMatchObject({ code: '53100' });
      expect(await read()).toEqual({ n: acked.length, c: acked.length, top: acked.at(-1) });
    } finally {
      await writer.end().catch(() => {});
      await reader.end().catch(() => {});
      await server.close();
      await db.close();
    }
    // room again; the restart recovers every acknowledged row, and writes go on
    execFileSync('mount', ['-o', 'remount,size=64m', mnt]);
    db = await Database.open({ dataDir, log: (l) => logs.push(l), checkpointIntervalMs: 0 });
    const keys = (await db.query('SELECT k FROM t ORDER BY k')).rows.map((r) => (r as { k: number }).k);
    expect(keys).toEqual(acked);
    expect(logs.filter((l) => /restored the checkpoint|replayed \d+ log records after the checkpoint/.test(l)), logs.join('\n')).toHaveLength(2);
    expect((await db.query('SELECT n::int AS n FROM s')).rows).toEqual([{ n: acked.length }]);
    await db.query("INSERT INTO t VALUES (0, 'x')");
    expect((await db.query('SELECT n::int AS n FROM s')).rows).toEqual([{ n: acked.length + 1 }]);
    await db.close();
  }, 60_000);

  it.skipIf(!mounted)('a read-only data directory: the start is refused with 58030 and what failed; the data is intact', async () => {
    // (a mounted file system cannot turn read-only while files on it are open for writing)
    execFileSync('mount', ['-o', 'remount,size=64m', mnt]);
    const dataDir = join(mnt, 'ro');
    let db = await Database.open({ dataDir, log: () => {}, checkpointIntervalMs: 0 });
    await db.query('CREATE TABLE t (k int PRIMARY KEY)');
    await db.query('INSERT INTO t SELECT generate_series(1, 100)');
    await db.close();
    execFileSync('mount', ['-o', 'remount,ro', mnt]);
    try {
      await expect(Database.open({ dataDir, log: () => {}, checkpointIntervalMs: 0 })).rejects.toMatchObject({ code: '58030', message: expect.stringMatching(/read-only file system/i) });
    } finally {
      execFileSync('mount', ['-o', 'remount,rw', mnt]);
    }
    db = await Database.open({ dataDir, log: () => {}, checkpointIntervalMs: 0 });
    expect((await db.query('SELECT count(*)::int AS n, max(k) AS top FROM t')).rows).toEqual([{ n: 100, top: 100 }]);
    await db.close();
  }, 60_000);
});
