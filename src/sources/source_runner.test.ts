// SourceRunner.applyPolls: several partitions, and several batches of one partition, in one
// transaction; where each partition goes on from, and on_error = 'stop'.

import { describe, expect, it } from 'vitest';
import { Database } from '../index.js';
import type { TableEntry } from '../catalog/catalog.js';
import { SourceRunner, type Decoded, type OnError, type Poll } from './source_runner.js';

class TestRunner extends SourceRunner {
  get description(): string {
    return 'test source';
  }
  apply(polls: Poll[]): boolean {
    return this.applyPolls(polls);
  }
}

async function setup(onError: OnError) {
  const db = await Database.open();
  await db.query('CREATE TABLE t (v int)');
  const runner = new TestRunner(db.engine, db.engine.catalog.get('t') as TableEntry, 'test', 'topic', onError);
  return { db, runner };
}

const ok = (partition: number, offset: number, v: number): Decoded => ({ message: { partition, offset, key: null }, changes: [{ kind: 'insert', row: [v] }] });
const bad = (partition: number, offset: number): Decoded => ({ message: { partition, offset, key: null }, changes: null, error: 'bad' });

describe('applyPolls', () => {
  it('applies two batches of one partition and one of another in one transaction', async () => {
    const { db, runner } = await setup('skip');
    expect(runner.apply([
      { partition: 0, polled: [ok(0, 0, 1)], next: 1 },
      { partition: 1, polled: [ok(1, 5, 2)], next: 6 },
      { partition: 0, polled: [ok(0, 1, 3), bad(0, 2)], next: 3 },
    ])).toBe(true);
    expect(runner.nextOffset(0)).toBe(3);
    expect(runner.nextOffset(1)).toBe(6);
    expect(runner.state).toBe('starting');
    expect((await db.query('SELECT sum(v)::int AS s FROM t')).rows).toEqual([{ s: 6 }]);
    expect(runner.errorRows()).toHaveLength(1);
  });

  it("on_error = 'stop': applies what precedes the bad message in its partition, and all of the others", async () => {
    const { db, runner } = await setup('stop');
    expect(runner.apply([
      { partition: 0, polled: [ok(0, 0, 1), bad(0, 1), ok(0, 2, 100)], next: 3 },
      { partition: 1, polled: [ok(1, 0, 2)], next: 1 },
      { partition: 0, polled: [ok(0, 3, 1000)], next: 4 },
    ])).toBe(false);
    expect(runner.state).toBe('failed');
    expect(runner.nextOffset(0)).toBe(1);
    expect(runner.nextOffset(1)).toBe(1);
    expect((await db.query('SELECT sum(v)::int AS s FROM t')).rows).toEqual([{ s: 3 }]);
  });
});
