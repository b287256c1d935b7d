// Z-set consolidation: sum the weights of identical rows (by identity key, so numeric 1.0 and
// 1.00 stay apart) and drop rows whose weight sums to zero. Order of first appearance is kept.

import { BatchBuilder, type Batch } from './batch.js';
import { batchRowIdentity, type BatchKeyFn } from './keys.js';
import { internalError } from '../errors.js';

const keyFnCache = new WeakMap<readonly unknown[], BatchKeyFn>();

function identityFor(b: Batch): BatchKeyFn {
  let f = keyFnCache.get(b.types);
  if (f === undefined) {
    f = batchRowIdentity(b.types);
    keyFnCache.set(b.types, f);
  }
  return f;
}

export function consolidate(b: Batch): Batch {
  const n = b.length;
  if (n === 0) return b;
  if (n === 1) return b.weights[0] !== 0 ? b : new BatchBuilder(b.types, 0).finish();
  // the stepwise version run to its end (its yields only mark where a slice may end)
  const steps = consolidateSteps(b);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/**
 * consolidate() in steps: yields every few thousand rows, so a long read can consolidate a
 * large result in slices (engine/work.ts). Same result as consolidate().
 */
export function* consolidateSteps(b: Batch): Generator<void, Batch, void> {
  const n = b.length;
  if (n <= 1) return consolidate(b);
  const key = identityFor(b);
  const first = new Map<unknown, number>(); // key -> slot
  const slotRow: number[] = [];
  const slotWeight: number[] = [];
  for (let i = 0; i < n; i++) {
    const k = key(b, i);
    const s = first.get(k);
    if (s === undefined) {
      first.set(k, slotRow.length);
      slotRow.push(i);
      slotWeight.push(b.weights[i]);
    } else slotWeight[s] += b.weights[i];
    if ((i & 4095) === 4095) yield;
  }
  let zero = false;
  for (let i = 0; i < n; i++) if (b.weights[i] === 0) zero = true;
  if (slotRow.length === n && !zero) return b; // already consolidated
  const out = new BatchBuilder(b.types, slotRow.length);
  for (let s = 0; s < slotRow.length; s++) {
    const w = slotWeight[s];
    if ((s & 4095) === 4095) yield;
    if (w === 0) continue;
    if (w > 0x7fffffff || w < -0x7fffffff) throw internalError('Z-set weight overflow');
    out.pushFrom(b, slotRow[s], w);
  }
  return out.finish();
}
