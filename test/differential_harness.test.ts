// The test harness itself: the differential model of view errors (test/support/differential.ts),
// representation-insensitive comparison, and the property suites' feature switches.

import { describe, expect, it } from 'vitest';
import { canonical, scanOrderedPlan } from './support/differential.js';
import { useOracle } from './support/suite.js';
import { parseFeatures } from './property/features.js';

const { agree, differential } = useOracle();

describe('differential harness', () => {
  it('a write that would make a view fail must fail with its SQLSTATE and change nothing', async () => {
    await agree([
      'CREATE TABLE t (k int, s text)',
      'CREATE MATERIALIZED VIEW v AS SELECT 10 / k AS x FROM t',
      'CREATE MATERIALIZED VIEW w AS SELECT CAST(s AS int) AS y FROM t',
      'INSERT INTO t VALUES (1, NULL)',
      'INSERT INTO t VALUES (0, NULL)', // 22012, rolled back on both sides
      'UPDATE t SET k = 0', // 22012
      "INSERT INTO t VALUES (2, 'x')", // 22P02
      'BEGIN',
      'INSERT INTO t VALUES (0, NULL)',
      'DELETE FROM t WHERE k = 0',
      'COMMIT', // nothing left to fail
      'BEGIN',
      'INSERT INTO t VALUES (0, NULL)',
      'COMMIT', // 22012 at COMMIT
      "CREATE MATERIALIZED VIEW u AS SELECT k FROM t WHERE CAST(COALESCE(s, 'y') AS int) > 0", // 22P02 over the data
      'SELECT * FROM t',
    ]);
  });

  it('a write Tributary accepted where PostgreSQL cannot read a view is reported', async () => {
    const d = await differential();
    expect(await d.runAll(['CREATE TABLE t (k int)', 'CREATE MATERIALIZED VIEW v AS SELECT k FROM t'])).toEqual([]);
    // the oracle's view gets stricter behind Tributary's back
    await d.oracle.exec('CREATE OR REPLACE VIEW v AS SELECT 10 / k AS k FROM t');
    const m = await d.run('INSERT INTO t VALUES (0)');
    expect(m[0]).toMatchObject({ what: 'error code', ours: null, theirs: '22012' });
    await d.db.close();
  });

  it('tables are compared after a failed write', async () => {
    const d = await differential();
    expect(await d.runAll(['CREATE TABLE t (k int PRIMARY KEY)', 'INSERT INTO t VALUES (1)'])).toEqual([]);
    await d.db.query('INSERT INTO t VALUES (2)'); // Tributary only
    const m = await d.run('INSERT INTO t VALUES (1)'); // 23505 on both sides
    expect(m).toEqual([expect.objectContaining({ what: 'table t' })]);
    await d.db.close();
  });

  it('canonical forms ignore only the representation of equal values', () => {
    const same = (a: string, b: string) => expect(canonical(a)).toBe(canonical(b));
    same('1.50', '1.5');
    same('0.00', '0');
    same('-0', '0');
    same('1 day', '24:00:00');
    same('1 mon', '30 days');
    same('-1 mons +1 day', '-1 mons +24:00:00');
    same('-1 days +02:00:00', '-22:00:00');
    expect(canonical('1.5')).not.toBe(canonical('1.05'));
    expect(canonical('NaN')).toBe('NaN');
    expect(canonical('1 day')).not.toBe(canonical('1'));
    expect(canonical('abc')).toBe('abc');
    expect(canonical(null)).toBe(null);
  });

  it('scan-ordered plans: sequential scans under one hashing node', () => {
    const scan = { 'Node Type': 'Seq Scan' };
    expect(scanOrderedPlan({ 'Node Type': 'Aggregate', Strategy: 'Hashed', Plans: [scan] })).toBe(true);
    expect(scanOrderedPlan({ 'Node Type': 'SetOp', Strategy: 'Hashed', Plans: [scan, scan] })).toBe(true);
    expect(scanOrderedPlan({ 'Node Type': 'Aggregate', Strategy: 'Sorted', Plans: [{ 'Node Type': 'Sort', Plans: [scan] }] })).toBe(false);
    expect(scanOrderedPlan({ 'Node Type': 'Aggregate', Strategy: 'Hashed', Plans: [{ 'Node Type': 'Hash Join', Plans: [scan, scan] }] })).toBe(false);
    expect(scanOrderedPlan({ 'Node Type': 'Aggregate', Strategy: 'Plain', Plans: [{ 'Node Type': 'Aggregate', Strategy: 'Hashed', Plans: [scan] }] })).toBe(false);
  });

  it('feature switches: defaults, all, relative and exact lists', () => {
    const defaults = parseFeatures(undefined);
    expect(parseFeatures('default')).toEqual(defaults);
    expect(parseFeatures('all').has('float')).toBe(true);
    expect([...parseFeatures('float,interval')].sort()).toEqual(['float', 'interval']);
    const plus = parseFeatures('+float,-interval');
    expect(plus.has('float') && !plus.has('interval')).toBe(true);
    expect(() => parseFeatures('nonsense')).toThrow(/unknown feature/);
  });
});
