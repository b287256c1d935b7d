// The memory budget's checks and PostgreSQL-style sizes.

import { describe, expect, it } from 'vitest';
import { checkHeap, formatBytes, MemoryBudget, MemoryLimitError, parseMemorySize, sampledRowBytes } from './memory.js';
import { batchFromRows } from './batch.js';
import { T } from '../sql/types.js';

describe('memory budget', () => {
  it('refuses past the budget with 53200, saying what and how much', () => {
    const m = new MemoryBudget(1024 * 1024);
    expect(() => m.check(1000, 100, 'A join step')).not.toThrow();
    let err: unknown;
    try {
      m.check(100_000, 100, 'A join step', true);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MemoryLimitError);
    expect(err).toMatchObject({
      code: '53200',
      message: 'out of memory',
      detail: 'A join step would hold 100000 rows (about 9.5MB), more than tributary.memory_limit (1MB) allows.',
      needed: 10_000_000,
      allowed: 1024 * 1024,
      perStep: true,
    });
  });

  it('refuses what would leave the heap nearly full, whatever the budget', () => {
    const m = new MemoryBudget(Number.MAX_SAFE_INTEGER);
    expect(() => m.check(1e9, 1000, 'The query’s result')).toThrow(expect.objectContaining({ detail: expect.stringMatching(/^The query’s result would hold 1000000000 rows \(about 931.3GB\), but only .* of the server's .* heap is free\.$/) }));
    expect(() => checkHeap(1e9, 1000, 'DISTINCT')).toThrow(expect.objectContaining({ code: '53200' }));
    expect(() => checkHeap(10, 1000, 'DISTINCT')).not.toThrow();
  });

  it('formats and parses sizes in PostgreSQL’s units', () => {
    expect([formatBytes(512), formatBytes(1024), formatBytes(1536), formatBytes(64 * 2 ** 20), formatBytes(2 ** 30), formatBytes(1.5 * 2 ** 30)]).toEqual([
      '512 bytes',
      '1kB',
      '1.5kB',
      '64MB',
      '1GB',
      '1.5GB',
    ]);
    expect([parseMemorySize('512MB'), parseMemorySize('2GB'), parseMemorySize('64'), parseMemorySize('100B'), parseMemorySize(' 1 TB ')]).toEqual([
      512 * 2 ** 20,
      2 * 2 ** 30,
      64 * 1024,
      100,
      2 ** 40,
    ]);
    for (const bad of ['', 'lots', '1 XB', '-5MB', '0']) expect(parseMemorySize(bad)).toBe(null);
  });

  it('sizes result rows by their values', () => {
    const small = batchFromRows([T.int4, T.text], [[1, 'a'], [2, 'b']]);
    const big = batchFromRows([T.int4, T.text], [[1, 'x'.repeat(10_000)], [2, 'y'.repeat(10_000)]]);
    expect(sampledRowBytes(small)).toBeLessThan(200);
    expect(sampledRowBytes(big)).toBeGreaterThan(10_000);
  });
});
