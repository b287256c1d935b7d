import { describe, expect, it } from 'vitest';
import { T } from '../../sql/types.js';
import { batchToRows, getValue } from '../batch.js';
import { Circuit, InputOp } from '../test_helpers.js';
import { MapOp } from './map.js';
import { FilterOp } from './filter.js';
import { ProjectOp } from './project.js';
import { UnionOp } from './union.js';
import { NegateOp } from './negate.js';
import { ConsolidateOp } from './consolidate.js';

describe('stateless operators', () => {
  const types = [T.int4, T.text, T.float8];

  it('MapOp computes columns and keeps weights', () => {
    const src = new InputOp(types);
    const m = new MapOp(src, [(b, i) => ((getValue(b.columns[0], i) as number) ?? 0) * 2, (b, i) => getValue(b.columns[1], i)], [T.int4, T.text]);
    const c = new Circuit([m]);
    src.feed([[1, 'a', 0.5], [null, null, null]], [2, -1]);
    expect(batchToRows(c.step().get(m)!)).toEqual([{ row: [2, 'a'], weight: 2 }, { row: [0, null], weight: -1 }]);
  });

  it('FilterOp keeps TRUE only (NULL and FALSE drop)', () => {
    const src = new InputOp(types);
    const f = new FilterOp(src, (b, i) => {
      const v = getValue(b.columns[0], i);
      return v === null ? null : (v as number) > 1;
    });
    const c = new Circuit([f]);
    src.feed([[1, 'a', 1], [2, 'b', null], [null, 'c', 3], [3, null, 4]], [1, -1, 1, 2]);
    expect(batchToRows(c.step().get(f)!)).toEqual([{ row: [2, 'b', null], weight: -1 }, { row: [3, null, 4], weight: 2 }]);
  });

  it('ProjectOp is zero-copy', () => {
    const src = new InputOp(types);
    const p = new ProjectOp(src, [2, 0]);
    const c = new Circuit([p]);
    src.feed([[1, 'a', 1.5]]);
    const outs = c.step();
    expect(p.types).toEqual([T.float8, T.int4]);
    expect(batchToRows(outs.get(p)!)).toEqual([{ row: [1.5, 1], weight: 1 }]);
    expect(outs.get(p)!.columns[1]).toBe(outs.get(src)!.columns[0]);
  });

  it('UnionOp, NegateOp, ConsolidateOp', () => {
    const a = new InputOp(types);
    const b = new InputOp(types);
    const u = new ConsolidateOp(new UnionOp([a, new NegateOp(b)]));
    const c = new Circuit([u]);
    a.feed([[1, 'x', 0], [2, 'y', 0]]);
    b.feed([[1, 'x', 0], [3, 'z', 0]]);
    expect(batchToRows(c.step().get(u)!)).toEqual([{ row: [2, 'y', 0], weight: 1 }, { row: [3, 'z', 0], weight: -1 }]);
  });
});
