// Nothing reaches a client before the commits it may reflect are durable: a writer's
// acknowledgement waits for its commit's sync, and so does another client's result that was
// computed after that commit (it could show a row a crash would undo). The log here is a
// stand-in whose syncs the test completes by hand, so the waiting can be seen.

import { describe, expect, it } from 'vitest';
import pg from 'pg';
import { Database } from '../../src/index.js';
import type { CommitLog } from '../../src/engine/engine.js';

describe('durability before visibility (over the wire)', () => {
  it('holds a commit\'s acknowledgement and any result computed after it until its log record is synced', async () => {
    const db = await Database.open();
    await db.query('CREATE TABLE t (k int)');
    const server = await db.listen({ port: 0 });
    let lsn = 0;
    let synced = 0;
    const waiting: (() => void)[] = [];
    const wal: CommitLog = {
      append: () => ++lsn,
      durable: (upTo) => (upTo <= synced ? null : new Promise<void>((resolve) => waiting.push(resolve))),
      fail: () => {},
      failedAt: null,
      failure: null,
    };
    db.engine.wal = wal;
    const sync = () => {
      synced = lsn;
      for (const w of waiting.splice(0)) w();
    };
    const writer = new pg.Client({ host: '127.0.0.1', port: server.port, user: 'w' });
    const reader = new pg.Client({ host: '127.0.0.1', port: server.port, user: 'r' });
    await writer.connect();
    await reader.connect();
    try {
      // nothing pending: a read answers at once
      expect((await reader.query('SELECT count(*)::int AS n FROM t')).rows).toEqual([{ n: 0 }]);
      let acked = false;
      const insert = writer.query('INSERT INTO t VALUES (1)').then(() => (acked = true));
      await new Promise((r) => setTimeout(r, 50));
      expect(acked, 'acknowledged before its record was synced').toBe(false);
      let read: number | null = null;
      const select = reader.query('SELECT count(*)::int AS n FROM t').then((r) => (read = r.rows[0].n));
      await new Promise((r) => setTimeout(r, 50));
      expect(read, 'a result showing an unsynced commit was sent').toBe(null);
      sync();
      await Promise.all([insert, select]);
      expect(acked).toBe(true);
      expect(read).toBe(1);
    } finally {
      await writer.end();
      await reader.end();
      await server.close();
      db.engine.wal = null;
      await db.close();
    }
  });
});
