// Watermarks per partition (a Kafka source's table): the watermark is the least of the
// partitions' own, over those that are not idle, and never goes back. A model computes the
// same from random rows on random partitions at random times and decides which rows are late;
// the filter must agree row by row. Each commit's log record carries the state it left, and
// replaying it (or restoring a checkpoint's) gives that state back, whatever the clock says
// then. The end-to-end test over a real Kafka protocol broker is in kafka_sources.test.ts.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { TableWatermark } from '../src/sources/watermark.js';
import { T } from '../src/sql/types.js';
import { decodeCommit, encodeCommit } from '../src/storage/wal_records.js';
import { ByteWriter } from '../src/storage/value_codec.js';

const S = 1_000_000n; // a second in microseconds
const DELAY = 2n * S;
const IDLE_MS = 1000;
const mark = () => new TableWatermark(0, 'ts', T.timestamp, DELAY, 'ts - INTERVAL 2 seconds', IDLE_MS);

const poll = fc.record({
  // ms since the last poll (idleness)
  after: fc.integer({ min: 0, max: 1500 }),
  rows: fc.array(fc.record({ p: fc.integer({ min: 0, max: 2 }), ts: fc.option(fc.integer({ min: 0, max: 60 }), { freq: 12 }) }), { minLength: 1, maxLength: 6 }),
});

describe('per-partition watermarks', () => {
  it('agree with a model: the least of the active partitions, never going back', () => {
    fc.assert(
      fc.property(fc.array(poll, { minLength: 1, maxLength: 12 }), (polls) => {
        const w = mark();
        // the model, on the same clock
        let now = Date.now();
        w.knowPartitions([0, 1, 2], now);
        const known = new Map<number, { max: bigint | null; lastAt: number }>([0, 1, 2].map((p) => [p, { max: null, lastAt: now }]));
        let value: bigint | null = null;
        const combine = () => {
          let least: bigint | null = null;
          let active = 0;
          for (const m of known.values()) {
            if (now - m.lastAt >= IDLE_MS) continue;
            if (m.max === null) return;
            active++;
            if (least === null || m.max < least) least = m.max;
          }
          if (active > 0 && least !== null && (value === null || least > value)) value = least;
        };
        let late = 0;
        for (const { after, rows } of polls) {
          now += after;
          combine();
          const expected: boolean[] = [];
          for (const r of rows) {
            const t = r.ts === null ? null : BigInt(r.ts) * S;
            const m = known.get(r.p)!;
            m.lastAt = now;
            if (value !== null && (t === null || t < value)) {
              expected.push(false);
              late++;
              continue;
            }
            expected.push(true);
            if (t !== null && (m.max === null || t - DELAY > m.max)) {
              m.max = t - DELAY;
              combine();
            }
          }
          const f = w.filter(rows.map((r) => [r.ts === null ? null : BigInt(r.ts) * S]), rows.map((r) => r.p), now);
          expect((f.accepted as unknown[][]).length).toBe(expected.filter(Boolean).length);
          expect(f.after.value).toBe(value);
          expect(f.after.lateRows).toBe(late);
          w.keep(f.after);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('come back from the log and from checkpoints as they were left', () => {
    const w = mark();
    w.knowPartitions([0, 1]);
    const now = Date.now();
    const f = w.filter([[10n * S], [20n * S], [5n * S]], [0, 0, 1], now);
    w.keep(f.after);
    expect(w.value).toBe(3n * S);
    const logged = w.logged('ticks', f.after);
    expect(logged).toEqual({ table: 'ticks', value: 3n * S, partitions: [[0, 18n * S], [1, 3n * S]] });
    // through a log record and back
    const bytes = encodeCommit(new ByteWriter(), { time: 1, ddl: [], tables: [], sources: [], watermarks: [logged] });
    expect(decodeCommit(bytes).watermarks).toEqual([logged]);
    // a replay restores it without filtering (which partitions were idle is not known then)
    const again = mark();
    const r = again.replayed([[10n * S], [20n * S], [5n * S]], logged);
    expect((r.accepted as unknown[]).length).toBe(3);
    again.keep(r.after);
    expect(again.value).toBe(3n * S);
    // then goes on as the original would: partition 1's next row at 4 s is not late, at 2 s it is
    const next = again.filter([[4n * S], [2n * S]], [1, 1], Date.now());
    expect(next.after.lateRows).toBe(1);
    expect(next.after.value).toBe(3n * S);
    // a checkpoint's state
    const restored = mark();
    restored.restore(logged.value, logged.partitions);
    expect(restored.logged('ticks', restored.saved)).toEqual(logged);
  });

  it('read log records written before watermarks were logged', () => {
    const bytes = encodeCommit(new ByteWriter(), { time: 7, ddl: [], tables: [], sources: [{ table: 't', positions: [[0, 5]] }] });
    const v1 = Buffer.from(bytes.subarray(0, bytes.length - 4)); // format 1 had no watermark section
    v1[0] = 1;
    expect(decodeCommit(v1)).toMatchObject({ time: 7, sources: [{ table: 't', positions: [[0, 5]] }], watermarks: [] });
  });
});
