// Test support (used by *.test.ts only): an input operator, a tiny circuit runner and
// multiset helpers for comparing Z-sets.

import type { SqlType } from '../sql/types.js';
import type { Row } from '../expr/value.js';
import { batchFromRows, batchToRows, emptyBatch, type Batch } from './batch.js';
import { rowIdentity } from './keys.js';
import { encodePart, type KeyPart } from '../expr/compare.js';
import { Operator, type StepContext } from './operator.js';

export class InputOp extends Operator {
  private pending: Batch;
  constructor(types: readonly SqlType[]) {
    super([], types);
    this.pending = emptyBatch(types);
  }
  get name(): string {
    return 'Input';
  }
  feed(rows: Row[], weights?: number[]): void {
    this.pending = batchFromRows(this.types, rows, weights);
  }
  feedBatch(b: Batch): void {
    this.pending = b;
  }
  step(): Batch {
    const b = this.pending;
    this.pending = emptyBatch(this.types);
    return b;
  }
}

/** Runs the operators reachable from `sinks` one step at a time, in topological order. */
export class Circuit {
  private readonly order: Operator[] = [];
  private time = 0;
  constructor(sinks: Operator[]) {
    const seen = new Set<Operator>();
    const visit = (op: Operator): void => {
      if (seen.has(op)) return;
      seen.add(op);
      for (const i of op.inputs) visit(i);
      this.order.push(op);
    };
    sinks.forEach(visit);
  }
  step(hydrating = false): Map<Operator, Batch> {
    const ctx: StepContext = { time: this.time++, hydrating };
    const outs = new Map<Operator, Batch>();
    for (const op of this.order) outs.set(op, op.step(op.inputs.map((i) => outs.get(i)!), ctx));
    return outs;
  }
}

/** A Z-set as identity key -> (row, weight), zero weights dropped. */
export class ZSet {
  readonly m = new Map<string, { row: Row; w: number }>();
  private readonly id: (r: readonly unknown[]) => unknown;
  constructor(readonly types: readonly SqlType[]) {
    // an injective string: a single column's key is a bare value (NaN, ±Infinity, null), so encode it
    const f = rowIdentity(types);
    this.id = types.length === 1 ? (r) => encodePart(f(r as Row) as KeyPart) : (r) => f(r as Row);
  }
  add(row: Row, w: number): this {
    const k = this.id(row) as string;
    const e = this.m.get(k);
    if (e === undefined) {
      if (w !== 0) this.m.set(k, { row, w });
    } else if ((e.w += w) === 0) this.m.delete(k);
    return this;
  }
  weightOf(row: Row): number {
    return this.m.get(this.id(row) as string)?.w ?? 0;
  }
  addBatch(b: Batch, sign = 1): this {
    for (const { row, weight } of batchToRows(b)) this.add(row, weight * sign);
    return this;
  }
  /** Sorted, printable contents for toEqual comparisons. */
  dump(): string[] {
    return [...this.m.entries()].map(([k, e]) => `${k} x${e.w}`).sort();
  }
  rows(): Row[] {
    const out: Row[] = [];
    for (const e of this.m.values()) for (let k = 0; k < e.w; k++) out.push(e.row);
    return out;
  }
}

/**
 * Turn random (row, weight) proposals into legal deltas: a deletion is clipped to the copies
 * present, so the integrated input never goes negative.
 */
export function legalize(types: readonly SqlType[], steps: { row: Row; w: number }[][]): { rows: Row[]; weights: number[] }[] {
  const total = new ZSet(types);
  return steps.map((st) => {
    const rows: Row[] = [];
    const weights: number[] = [];
    for (const { row, w } of st) {
      const have = total.weightOf(row);
      const ww = w < 0 ? -Math.min(-w, have) : w;
      if (ww === 0) continue;
      total.add(row, ww);
      rows.push(row);
      weights.push(ww);
    }
    return { rows, weights };
  });
}
