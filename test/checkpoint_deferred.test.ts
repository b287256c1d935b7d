// A restore loads the tables and the views' contents at once, and leaves the rest of the
// operators' state (arrangements, MIN/MAX values, join and DISTINCT state) to the background
// (dataflow/deferred_state.ts). Reads must be right before that is done, any step must finish
// it first, and a load that fails must refuse writes, keep reads, and set the checkpoint aside
// so that the next start recovers from the one before it and the log.

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Database } from '../src/index.js';
import { DeferredState } from '../src/dataflow/deferred_state.js';
import { Arrangement } from '../src/dataflow/arrangement.js';

const SETUP = [
  'CREATE TABLE ev (id int, k int, x numeric, note text)',
  'CREATE TABLE dim (k int PRIMARY KEY, name text)',
  "INSERT INTO dim SELECT g, 'name ' || g FROM generate_series(0, 49) g",
  // more rows than one saved batch of a row store (16,384), with gaps left by deletes
  "INSERT INTO ev SELECT g, g % 50, (g % 997) / 10.0, 'n' || (g % 7) FROM generate_series(1, 40000) g",
  'DELETE FROM ev WHERE id % 11 = 0',
  'CREATE MATERIALIZED VIEW by_k AS SELECT k, count(*) AS n, min(x) AS lo, max(x) AS hi FROM ev GROUP BY k',
  'CREATE MATERIALIZED VIEW joined AS SELECT d.name, max(e.x) AS m, count(DISTINCT e.note) AS notes FROM ev e JOIN dim d ON d.k = e.k GROUP BY d.name',
  'CREATE MATERIALIZED VIEW outer_j AS SELECT d.k, e.id FROM dim d LEFT JOIN ev e ON e.k = d.k AND e.x > 99',
];
const VIEWS = ['by_k', 'joined', 'outer_j', 'ev', 'dim'];
const WRITES = ['DELETE FROM ev WHERE k = 3 AND x > 50', 'INSERT INTO ev VALUES (50001, 3, 0.1, \'new\'), (50002, 49, 99.9, \'n1\')', "UPDATE dim SET name = 'renamed' WHERE k = 7", 'DELETE FROM dim WHERE k = 8'];

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tributary-deferred-'));
});
afterEach(() => {
  vi.restoreAllMocks();
  rmSync(dir, { recursive: true, force: true });
});

async function contents(db: Database, rel: string): Promise<string[]> {
  const { rows } = await db.query(`SELECT * FROM ${rel}`, [], { format: 'text' });
  return rows.map((r) => JSON.stringify(Object.values(r as object))).sort();
}
async function all(db: Database): Promise<Record<string, string[]>> {
  return Object.fromEntries(await Promise.all(VIEWS.map(async (v) => [v, await contents(db, v)] as const)));
}
async function build(dataDir?: string, log: (l: string) => void = () => {}): Promise<Database> {
  const db = await Database.open(dataDir ? { dataDir, log, checkpointIntervalMs: 0 } : {});
  for (const sql of SETUP) await db.query(sql);
  return db;
}

describe('state loaded after a restore', () => {
  it('views are read before the rest of the state is loaded, and a write or a new view loads it first', async () => {
    const twin = await build();
    await (await build(dir)).close();
    const restore = async () => {
      const db = await Database.open({ dataDir: dir, log: () => {}, checkpointIntervalMs: 0 });
      expect(db.engine.circuit.deferred.waiting).toBe(true);
      expect(await all(db)).toEqual(await all(twin));
      expect(await contents(db, 'by_k WHERE k = 3')).toEqual(await contents(twin, 'by_k WHERE k = 3'));
      expect(db.engine.circuit.deferred.waiting).toBe(true); // reads did not need it
      return db;
    };
    vi.spyOn(DeferredState.prototype, 'slice').mockReturnValue(true); // no background loading
    let db = await restore();
    for (const sql of WRITES) {
      await db.query(sql);
      await twin.query(sql);
      expect(db.engine.circuit.deferred.waiting).toBe(false);
      expect(await all(db), sql).toEqual(await all(twin));
    }
    await db.close();
    db = await restore();
    // a view over restored arrangements (shared with it) reads all of them
    const view = 'CREATE MATERIALIZED VIEW j2 AS SELECT e.k, count(*) AS c, min(d.name) AS n FROM ev e JOIN dim d ON d.k = e.k GROUP BY e.k';
    for (const d of [db, twin]) await d.query(view);
    expect(db.engine.circuit.deferred.waiting).toBe(false);
    expect(await contents(db, 'j2')).toEqual(await contents(twin, 'j2'));
    await db.close();
    await twin.close();
  });

  it('the rest loads in the background, between reads', async () => {
    const twin = await build();
    await (await build(dir)).close();
    const logs: string[] = [];
    const db = await Database.open({ dataDir: dir, log: (l) => logs.push(l), checkpointIntervalMs: 0 });
    while (db.engine.circuit.deferred.waiting) {
      expect(await all(db)).toEqual(await all(twin));
      await new Promise((r) => setImmediate(r));
    }
    expect(logs.some((l) => /^loaded the rest of the checkpoint's state/.test(l)), logs.join('\n')).toBe(true);
    for (const sql of WRITES) {
      await db.query(sql);
      await twin.query(sql);
    }
    expect(await all(db)).toEqual(await all(twin));
    await db.close();
    await twin.close();
  });

  it('a load that fails refuses writes, keeps reads, and sets the checkpoint aside for the next start', async () => {
    const first = await build(dir);
    await first.checkpoint();
    await first.query('INSERT INTO ev VALUES (60000, 1, 5, \'late\')');
    await first.close(); // a second checkpoint
    const twin = await build();
    await twin.query('INSERT INTO ev VALUES (60000, 1, 5, \'late\')');
    const before = await all(twin);
    await twin.close();
    const [, newest] = readdirSync(join(dir, 'checkpoints')).sort();
    vi.spyOn(Arrangement.prototype, 'loadSlices').mockImplementation(function* () {
      throw new Error('injected load failure');
    });
    const logs: string[] = [];
    let db = await Database.open({ dataDir: dir, log: (l) => logs.push(l), checkpointIntervalMs: 0 });
    expect(await all(db)).toEqual(before);
    await expect(db.query('INSERT INTO ev VALUES (1, 1, 1, \'x\')')).rejects.toMatchObject({ code: 'XX001', message: expect.stringMatching(/could not be loaded \(injected load failure\)/) });
    expect(await all(db)).toEqual(before); // reads go on, nothing changed
    await expect(db.query('INSERT INTO dim VALUES (1000, \'x\')')).rejects.toMatchObject({ code: 'XX001' });
    expect(logs.some((l) => /is set aside/.test(l)), logs.join('\n')).toBe(true);
    expect(existsSync(join(dir, 'checkpoints', `${newest}.damaged`))).toBe(true);
    await db.close();
    vi.restoreAllMocks();
    logs.length = 0;
    db = await Database.open({ dataDir: dir, log: (l) => logs.push(l), checkpointIntervalMs: 0 });
    expect(await all(db)).toEqual(before);
    expect(logs.some((l) => /restored the checkpoint at log position/.test(l)) && logs.some((l) => /replayed 1 log records after the checkpoint/.test(l)), logs.join('\n')).toBe(true);
    await db.query('INSERT INTO ev VALUES (1, 1, 1, \'x\')');
    await db.close();
  });
});
