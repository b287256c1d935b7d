// count(DISTINCT) through DistinctCountColumn against the general accumulators (GenericColumn)
// given the same random steps (plain, undoable then settled, undoable then rolled back): the
// same counts, the same changed() answers, each column's checkpoint loading into the other, and
// checkpoints of the same bytes where a value is its own equality key (DistinctCountColumn
// writes the key as the value fed: 1.00 as numeric's key, 'a ' as 'a'), until a rollback (which
// may put values back in another map order).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { T, type SqlType } from '../sql/types.js';
import { Decimal } from '../expr/numeric.js';
import type { Value } from '../expr/value.js';
import { BatchBuilder, batchFromRows } from './batch.js';
import { GenericColumn, type AggColumn } from './agg_columns.js';
import { DistinctCountColumn } from './distinct_count.js';
import { StateReader, StateWriter } from './state_io.js';
import type { AggSpec } from './accumulators.js';
import { identityIsEquality } from '../expr/compare.js';

const dec = (s: string) => Decimal.parse(s);
const CASES: [SqlType, Value[]][] = [
  [T.int4, [0, 1, -7, 2147483647]],
  // around ±2^53, where a key stops being a double
  [T.int8, [1n, -1n, 9007199254740991n, 9007199254740992n, 9007199254740993n, -9007199254740992n, -9007199254740993n, -9223372036854775807n]],
  [T.timestamp, [0n, 1_700_000_000_000_000n, -1n]],
  [T.float8, [0, -0, NaN, 1.5, -Infinity]],
  [T.numeric, [dec('1.0'), dec('1.00'), dec('2'), Decimal.NAN]],
  [T.text, ['a', 'b', '']],
  [T.bpchar, ['a', 'a ', 'b']],
  [T.bool, [true, false]],
  [T.date, [0, 1, -Infinity]],
];
const GROUPS = 3;

type Mode = 'plain' | 'commit' | 'abort';
const stepArb = fc.record({
  mode: fc.constantFrom<Mode>('plain', 'commit', 'abort'),
  changes: fc.array(fc.record({ g: fc.nat({ max: GROUPS - 1 }), v: fc.nat({ max: 9 }), w: fc.constantFrom(1, 2, -1, -2) }), { maxLength: 10 }),
});

function checkpoint(col: AggColumn, gids: Int32Array): Buffer {
  const w = new StateWriter();
  col.saveState(w, gids);
  return w.bytes();
}

function restored(make: () => AggColumn, bytes: Buffer, gids: Int32Array): AggColumn {
  const col = make();
  col.reserve(GROUPS);
  col.loadState(new StateReader(bytes), gids);
  return col;
}

describe('DistinctCountColumn', () => {
  it('agrees with the general DISTINCT accumulator, through rollbacks and checkpoints (property)', () => {
    for (const [type, pool] of CASES) {
      // the arg column holds NULL too (index pool.length)
      const values = [...pool, null];
      const spec: AggSpec = { fn: 'count', arg: 1, argType: type, resultType: T.int8, distinct: true };
      const types = [T.int4, type];
      const gids = Int32Array.from({ length: GROUPS }, (_, g) => g);
      fc.assert(
        fc.property(fc.array(stepArb, { minLength: 1, maxLength: 12 }), fc.nat({ max: 12 }), (steps, swapAt) => {
          let fast: AggColumn = new DistinctCountColumn(spec);
          let general: AggColumn = new GenericColumn(spec);
          for (const c of [fast, general]) {
            c.reserve(GROUPS);
            for (let g = 0; g < GROUPS; g++) c.reset(g);
          }
          // rows present per (group, value index): retractions take only what is there
          const present = new Map<string, number>();
          let bytesDiffer = !identityIsEquality(type);
          steps.forEach((step, s) => {
            if (s === swapAt) {
              // each restored from the other's checkpoint
              const a = checkpoint(fast, gids);
              const b = checkpoint(general, gids);
              if (!bytesDiffer) expect(a.equals(b)).toBe(true);
              fast = restored(() => new DistinctCountColumn(spec), b, gids);
              general = restored(() => new GenericColumn(spec), a, gids);
            }
            const legal = present;
            const rows: Value[][] = [];
            const ws: number[] = [];
            const before = new Map(legal);
            for (const ch of step.changes) {
              const v = ch.v % values.length;
              const k = `${ch.g}:${v}`;
              const have = legal.get(k) ?? 0;
              const w = ch.w < 0 ? -Math.min(-ch.w, have) : ch.w;
              if (w === 0) continue;
              legal.set(k, have + w);
              rows.push([ch.g, values[v]]);
              ws.push(w);
            }
            const b = batchFromRows(types, rows, ws);
            const ins = ws.map((w, i) => [w, i]).filter(([w]) => w > 0).map(([, i]) => i);
            const ret = ws.map((w, i) => [w, i]).filter(([w]) => w < 0).map(([, i]) => i);
            const order = Int32Array.from([...ins, ...ret]);
            const rowGids = Int32Array.from(rows.map((r) => r[0] as number));
            for (const c of [fast, general]) {
              if (step.mode !== 'plain') {
                c.journal();
                for (let g = 0; g < GROUPS; g++) c.save(g);
              }
              c.addRows(b, order, order.length, rowGids, ins.length);
            }
            for (let g = 0; g < GROUPS; g++) {
              expect(fast.result(g)).toBe(general.result(g));
              expect(fast.changed(g)).toBe(general.changed(g));
            }
            const outs = [fast, general].map((c) => {
              const out = new BatchBuilder([T.int8], GROUPS);
              out.reserve(GROUPS);
              c.writeColumn(gids, GROUPS, true, out, 0, 0);
              out.advance(GROUPS, 1);
              return out.finish().columns[0];
            });
            expect(outs[0]).toEqual(outs[1]);
            if (step.mode === 'abort') {
              for (const c of [fast, general]) expect(c.rollback()).toBe(true);
              bytesDiffer = true;
              present.clear();
              for (const [k, n] of before) present.set(k, n);
            } else if (step.mode === 'commit') for (const c of [fast, general]) c.settle();
            for (let g = 0; g < GROUPS; g++) expect(fast.result(g)).toBe(general.result(g));
            if (!bytesDiffer) expect(checkpoint(fast, gids).equals(checkpoint(general, gids)), type.id).toBe(true);
          });
        }),
        { numRuns: 150 },
      );
    }
  });
});
