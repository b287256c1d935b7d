import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CHUNK_BITS, RowStore } from './row_store.js';
import { batchFromRows, batchToRows, rowAt } from './batch.js';
import { assemblePairs } from './pairs.js';
import { T } from '../sql/types.js';
import { Decimal } from '../expr/numeric.js';
import { identityKeyFn } from '../expr/compare.js';
import { StateReader, StateWriter } from './state_io.js';

const types = [T.int4, T.text, T.float8, T.numeric, T.int8];
const value = fc.tuple(
  fc.option(fc.integer({ min: -3, max: 3 })),
  fc.option(fc.constantFrom('a', 'b', '')),
  fc.option(fc.constantFrom(0, -0, 1.5, NaN)),
  // numeric in typed storage and, for NaN, infinities and wide values, kept aside (dec_column.ts)
  fc.option(fc.constantFrom('1', '1.0', '2', 'NaN', 'Infinity', '-Infinity', '140737488355328', '0.' + '0'.repeat(70) + '1')),
  // int8 values hashed by their two 32-bit words: equal low or high words, signs, extremes
  fc.option(fc.constantFrom(0n, 1n, -1n, 2n ** 32n, -(2n ** 32n), 2n ** 32n + 1n, 1n - 2n ** 32n, 2n ** 63n - 1n, -(2n ** 63n))),
);

describe('RowStore', () => {
  it('integrates deltas like a naive multiset, keeping representations apart (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.tuple(value, fc.integer({ min: -2, max: 3 })), { maxLength: 30 }), { maxLength: 30 }), (steps) => {
        const store = new RowStore(types);
        const naive = new Map<string, number>();
        for (const step of steps) {
          // only legal deltas: never take a row below zero
          const rows: unknown[][] = [];
          const ws: number[] = [];
          const pending = new Map(naive);
          for (const [[a, b, c, d, e], w] of step) {
            const row = [a, b, c, d === null ? null : Decimal.parse(d), e];
            const k = JSON.stringify([a, b, Object.is(c, -0) ? '-0' : String(c), d, e === null ? null : String(e)]);
            const cur = pending.get(k) ?? 0;
            const ww = Math.max(w, -cur);
            if (ww === 0) continue;
            pending.set(k, cur + ww);
            rows.push(row);
            ws.push(ww);
          }
          store.apply(batchFromRows(types, rows as never, ws));
          for (const [k, v] of pending) if (v === 0) pending.delete(k);
          naive.clear();
          for (const [k, v] of pending) naive.set(k, v);
          const got = new Map<string, number>();
          for (const { row, weight } of batchToRows(store.snapshot())) {
            const [a, b, c, d, e] = row as [number | null, string | null, number | null, Decimal | null, bigint | null];
            got.set(JSON.stringify([a, b, Object.is(c, -0) ? '-0' : String(c), d === null ? null : d.toString(), e === null ? null : String(e)]), weight);
          }
          expect(got).toEqual(naive);
          expect(store.size).toBe(naive.size);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('a row may dip below zero inside one batch', () => {
    const store = new RowStore([T.int4]);
    store.apply(batchFromRows([T.int4], [[1], [1]], [-1, 1]));
    expect(store.size).toBe(0);
    store.apply(batchFromRows([T.int4], [[1]], [1]));
    expect(() => store.apply(batchFromRows([T.int4], [[1]], [-2]))).toThrow(/negative/);
  });

  it('without an index: equal rows take a slot each, weights add up; rollback, releaseSlots and a checkpoint round trip keep it exact', () => {
    const t = [T.int8, T.text];
    const store = new RowStore(t, false);
    store.apply(batchFromRows(t, [[1n, 'a'], [1n, 'a'], [2n, null]], [1, 2, 1]));
    expect(store.size).toBe(3);
    expect(store.count()).toBe(4);
    expect(() => store.find(batchFromRows(t, [[1n, 'a']]), 0)).toThrow(/insert-only/);
    expect(() => store.apply(batchFromRows(t, [[1n, 'a']], [-1]))).toThrow(/insert-only/);
    // an undone step leaves nothing behind
    store.journal();
    store.apply(batchFromRows(t, [[3n, 'c']]));
    store.releaseSlots([0]);
    store.rollback();
    expect(batchToRows(store.snapshot()).map((r) => [...r.row, r.weight])).toEqual([[1n, 'a', 1], [1n, 'a', 2], [2n, null, 1]]);
    store.releaseSlots([1]);
    expect(store.count()).toBe(2);
    const w = new StateWriter();
    store.saveState(w);
    const loaded = new RowStore(t, false);
    loaded.loadState(new StateReader(Buffer.from(w.bytes()), () => {}));
    expect(batchToRows(loaded.snapshot())).toEqual(batchToRows(store.snapshot()));
    // a freed slot is reused
    loaded.apply(batchFromRows(t, [[4n, 'd']]));
    expect(batchToRows(loaded.snapshot()).map((r) => r.row)).toEqual([[1n, 'a'], [4n, 'd'], [2n, null]]);
  });

  it('past one chunk of slots: rows in every chunk are found, counted, retracted, rolled back and checkpointed exactly', () => {
    const t = [T.int4, T.int8, T.text, T.numeric, T.bool];
    const n = 2.5 * (1 << CHUNK_BITS); // the first chunk, a second and half a third
    const row = (i: number) => [i, BigInt(i) * 4294967311n, i % 7 === 0 ? null : `s${i % 1000}`, i % 5 === 0 ? Decimal.NAN : Decimal.of(BigInt(i), i % 3), i % 2 === 0];
    const rows = Array.from({ length: n }, (_, i) => row(i));
    const store = new RowStore(t);
    for (let i = 0; i < n; i += 10_000) store.apply(batchFromRows(t, rows.slice(i, i + 10_000) as never));
    expect(store.size).toBe(n);
    // every row finds its own slot, and the slot reads back as the row
    const all = batchFromRows(t, rows as never);
    const ids = t.map(identityKeyFn);
    for (let i = 0; i < n; i += 997) {
      const s = store.find(all, i);
      expect(store.row(s).map((v, c) => ids[c](v))).toEqual(rows[i].map((v, c) => ids[c](v as never)));
    }
    // a join's output columns read from the store's chunks by slot
    const picks = Array.from({ length: 50 }, (_, k) => Math.floor((k * n) / 50) + 1);
    const pairs = assemblePairs([...t, ...t], t.length, [{ left: { batch: all, idx: picks }, right: { store, slots: picks.map((i) => store.find(all, i)) }, weights: picks.map(() => 1) }]);
    for (let p = 0; p < picks.length; p++) {
      const out = rowAt(pairs, p).map((v, c) => ids[c % t.length](v));
      expect(out.slice(t.length)).toEqual(out.slice(0, t.length));
    }
    // retract every third row, spread over all chunks; an undone step changes nothing
    const gone = rows.filter((_, i) => i % 3 === 0);
    store.journal();
    store.apply(batchFromRows(t, gone as never, gone.map(() => -1)));
    store.apply(batchFromRows(t, [row(n), row(n + 1)] as never));
    store.rollback();
    expect(store.size).toBe(n);
    store.apply(batchFromRows(t, gone as never, gone.map(() => -1)));
    expect(store.size).toBe(n - gone.length);
    expect(store.find(all, 3)).toBe(-1);
    // freed slots are reused before new ones
    const used = store.slotCount;
    store.apply(batchFromRows(t, [row(n)] as never));
    expect(store.slotCount).toBe(used);
    const w = new StateWriter();
    store.saveState(w);
    const loaded = new RowStore(t);
    loaded.loadState(new StateReader(Buffer.from(w.bytes()), () => {}));
    const key = (r: { row: unknown[]; weight: number }) => JSON.stringify([r.row.map((v, c) => String(ids[c](v as never))), r.weight]);
    expect(batchToRows(loaded.snapshot()).map(key)).toEqual(batchToRows(store.snapshot()).map(key));
    expect(loaded.find(all, n - 1)).toBe(store.find(all, n - 1));
    expect(loaded.generationOf(n - 1)).toBe(store.generationOf(n - 1));
  });

  it('while a large index grows incrementally: finds, retractions, re-insertions and rollbacks see every row once', () => {
    // typed columns only: a released slot keeps its values, so a stale index entry would match
    const t = [T.int4, T.int8];
    const store = new RowStore(t);
    const live = new Map<number, number>(); // row key -> weight
    const rows = (ks: number[]) => batchFromRows(t, ks.map((k) => [k, BigInt(k % 13)]) as never);
    let next = 0;
    // the index passes 16K, 32K and 64K entries: its table doubles to 64K, 128K and 256K cells, incrementally
    for (let step = 0; next < 70_000; step++) {
      const add = Array.from({ length: 1000 }, () => next++);
      // a few earlier rows out and one back in, in the same batch as the new ones
      const out = [...live.keys()].filter((k) => k % 97 === step % 97).slice(0, 20);
      const back = out.slice(0, 1);
      const undone = step % 7 === 3;
      if (undone) store.journal();
      store.apply(batchFromRows(t, [...add, ...out, ...back].map((k) => [k, BigInt(k % 13)]) as never, [...add.map(() => 1), ...out.map(() => -1), ...back.map(() => 1)]));
      if (undone) {
        store.rollback();
        next -= add.length;
        continue;
      }
      for (const k of add) live.set(k, 1);
      for (const k of out) live.delete(k);
      for (const k of back) live.set(k, 1);
      expect(store.size).toBe(live.size);
      // a sample of present and absent rows
      const probe = [next - 1, next - 999, ...out, Math.floor(next / 2), next + 5];
      const b = rows(probe);
      for (let i = 0; i < probe.length; i++) {
        const s = store.find(b, i);
        expect(s >= 0, `row ${probe[i]} at step ${step}`).toBe(live.has(probe[i]));
        if (s >= 0) expect(store.row(s)).toEqual([probe[i], BigInt(probe[i] % 13)]);
      }
    }
    expect(store.count()).toBe(live.size);
    const all = Array.from({ length: next + 10 }, (_, k) => k);
    const b = rows(all);
    for (const k of all) expect(store.find(b, k) >= 0, `row ${k}`).toBe(live.has(k));
  });
});
