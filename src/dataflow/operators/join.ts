// JoinOp over already-updated arrangements. Inner joins: Δ(A⋈B) = ΔA⋈B_old + A_new⋈ΔB, B_old
// being B_new with ΔB's weights taken back slot by slot, so a pair of two new rows is listed
// once (hydrating: ΔA⋈B_new only). Outer joins: ΔA⋈B_new + A_new⋈ΔB − ΔA⋈ΔB, with NULL-padded
// rows for rows whose match count is 0 (OuterSide). When a pair can be listed with both signs
// in one step (a pair of two new rows in the outer form, a row of B that changed or left while
// A changed too), the output is consolidated, so operators downstream never see a row leave
// and come back within a step (it would move a representation behind the others, or end a
// float sum's scan-order replay).
import type { Value } from '../../expr/value.js';
import { BatchBuilder, concatBatches, getValue, type Batch } from '../batch.js';
import { consolidate } from '../consolidate.js';
import { gather } from '../gather.js';
import { OuterSide } from '../outer_side.js';
import { assemblePairs, type PairList } from '../pairs.js';
import type { Arrangement } from '../arrangement.js';
import { Operator, type StepContext } from '../operator.js';
import type { ArrangeOp } from './arrange.js';
import type { GatedErrors } from '../gated_errors.js';
import { CHECK_EVERY, MemoryLimitError, rowBytes } from '../memory.js';
import type { ClosedWindows } from '../closed_windows.js';
import type { Checkpointable, StateReader, StateWriter } from '../state_io.js';
import { internalError } from '../../errors.js';

/** Called with the number of output rows listed so far; throws 53200 past the budget. */
type PairCheck = ((rows: number) => void) | null;

export type JoinType = 'inner' | 'left' | 'right' | 'full';

export interface JoinSpec {
  type: JoinType;
  /** Non-equi part of ON over the combined row (left columns then right columns). */
  residual?: (b: Batch, i: number) => Value;
  /** Record the residual's errors instead of raising them (gated_errors.ts). */
  errors?: GatedErrors | null;
}

const E1 = 0; // ΔA row × B_new entry
const E2 = 1; // A_new entry × ΔB row
const E3 = 2; // ΔA row × ΔB row (subtracted)

export class JoinOp extends Operator implements Checkpointable {
  private readonly nl: number;
  private readonly lOuter: OuterSide | null;
  private readonly rOuter: OuterSide | null;
  /** Scratch for the two probes of an inner step (their pairs are copied out in the same step). */
  private readonly buffers = [new PairBuffers(), new PairBuffers()];

  constructor(
    private readonly left: ArrangeOp,
    private readonly right: ArrangeOp,
    private readonly spec: JoinSpec,
  ) {
    super([left, right], [...left.types, ...right.types]);
    if (left.keyCols.length !== right.keyCols.length) throw new Error('JoinOp: key arity mismatch');
    this.nl = left.types.length;
    const w = this.types.length;
    const t = spec.type;
    this.lOuter = t === 'left' || t === 'full' ? new OuterSide(left.arrangement, 0, w) : null;
    this.rOuter = t === 'right' || t === 'full' ? new OuterSide(right.arrangement, this.nl, w) : null;
    this.gatedErrors = spec.errors ?? null;
    if (t === 'inner') right.arrangement.keepPriorWeights();
  }

  /** Indices of the candidate pairs whose residual condition holds. */
  private residualHolds(cb: Batch, res: (b: Batch, i: number) => Value): { sel: Int32Array; n: number } {
    const sel = new Int32Array(cb.length);
    let n = 0;
    const errors = this.gatedErrors;
    if (errors === null) {
      for (let k = 0; k < cb.length; k++) if (res(cb, k) === true) sel[n++] = k;
      return { sel, n };
    }
    for (let k = 0; k < cb.length; k++) {
      try {
        if (res(cb, k) === true) sel[n++] = k;
      } catch (e) {
        errors.record(e, cb.weights[k]);
      }
    }
    return { sel, n };
  }

  get name(): string {
    return `Join[${this.spec.type}]`;
  }

  /**
   * The memory check of this step's output (none without a budget). When it fails part way,
   * the step's whole output is counted (walking the key chains allocates nothing; up to 16
   * times the budget, to fail fast), so the error says how much smaller the input must be.
   */
  private pairCheck(ctx: StepContext, dA: Batch, dB: Batch): PairCheck {
    const m = ctx.memory;
    if (m === undefined) return null;
    const bytes = rowBytes(this.types.length);
    return (rows) => {
      try {
        m.check(rows, bytes, 'A join step', true);
      } catch (e) {
        if (!(e instanceof MemoryLimitError)) throw e;
        const A = this.left.arrangement;
        const B = this.right.arrangement;
        const cap = 16 * (e.allowed / bytes);
        let all = countPairs(dA, A, B, cap);
        if (!ctx.hydrating) all += countPairs(dB, B, A, cap) + countDeltaPairs(dA, A, dB, B);
        if (all > rows) m.check(Math.min(all, cap), bytes, 'A join step', true, all >= cap);
        throw e;
      }
    };
  }

  step(inputs: readonly Batch[], ctx: StepContext): Batch {
    this.closer?.observe(inputs);
    if (this.lOuter === null && this.rOuter === null) return this.innerStep(inputs, ctx);
    if (ctx.undoable) {
      this.lOuter?.journal();
      this.rOuter?.journal();
    }
    const A = this.left.arrangement;
    const B = this.right.arrangement;
    const hyd = ctx.hydrating;
    const dA = this.lOuter ? consolidate(inputs[0]) : inputs[0];
    const dB = this.rOuter ? consolidate(inputs[1]) : inputs[1];
    const lIdx = this.lOuter?.begin(dA) ?? null;
    const rIdx = this.rOuter?.begin(dB) ?? null;
    const nl = this.nl;
    // room for a few partners per changed row, so the builder rarely regrows
    const cand = new BatchBuilder(this.types, 4 * (dA.length + dB.length) + 16);
    // per candidate: kind, record index on each outer side (-1 when untracked), side weights
    const kind: number[] = [];
    const cl: number[] = [];
    const cr: number[] = [];
    const wl: number[] = [];
    const wr: number[] = [];
    const lo = this.lOuter;
    const ro = this.rOuter;
    // per-candidate bookkeeping is only needed to maintain outer joins' match counts
    const track = lo !== null || ro !== null;
    let crossed = false;
    const check = this.pairCheck(ctx, dA, dB);
    const mask = CHECK_EVERY - 1;
    // E1: ΔA × B_new
    for (let i = 0; i < dA.length; i++) {
      const dw = dA.weights[i];
      for (let e = B.headFor(dA, i, A.keyOf, A.keyCols); e >= 0; e = B.nextOf(e)) {
        const ew = B.weight(e);
        setFromBatch(cand, 0, dA, i);
        setFromRow(cand, nl, B.row(e));
        cand.commitRow(dw * ew);
        if (check !== null && (cand.length & mask) === 0) check(cand.length);
        if (track) {
          kind.push(E1);
          cl.push(lIdx !== null ? lIdx[i] : -1);
          cr.push(ro !== null ? ro.entryRec(e) : -1);
          wl.push(dw);
          wr.push(ew);
        }
      }
    }
    if (!hyd) {
      // E2: A_new × ΔB
      for (let j = 0; j < dB.length; j++) {
        const dw = dB.weights[j];
        for (let e = A.headFor(dB, j, B.keyOf, B.keyCols); e >= 0; e = A.nextOf(e)) {
          const ew = A.weight(e);
          setFromRow(cand, 0, A.row(e));
          setFromBatch(cand, nl, dB, j);
          cand.commitRow(ew * dw);
          if (check !== null && (cand.length & mask) === 0) check(cand.length);
          if (track) {
            kind.push(E2);
            cl.push(lo !== null ? lo.entryRec(e) : -1);
            cr.push(rIdx !== null ? rIdx[j] : -1);
            wl.push(ew);
            wr.push(dw);
          }
        }
      }
      // E3: ΔA × ΔB
      const pairs = deltaPairs(dA, A, dB, B, check);
      crossed = pairs.left.length > 0;
      for (let k = 0; k < pairs.left.length; k++) {
        const i = pairs.left[k];
        const j = pairs.right[k];
        setFromBatch(cand, 0, dA, i);
        setFromBatch(cand, nl, dB, j);
        cand.commitRow(-(dA.weights[i] * dB.weights[j]));
        if (track) {
          kind.push(E3);
          cl.push(lIdx !== null ? lIdx[i] : -1);
          cr.push(rIdx !== null ? rIdx[j] : -1);
          wl.push(dA.weights[i]);
          wr.push(dB.weights[j]);
        }
      }
    }

    const cb = cand.finish();
    let inner = cb;
    const res = this.spec.residual;
    let matched: Int32Array | null = null;
    if (res !== undefined) {
      const { sel, n } = this.residualHolds(cb, res);
      matched = sel;
      inner = gather(cb, matched, n);
    }
    if (lo === null && ro === null) return crossed ? consolidate(inner) : inner;

    const count = matched !== null ? inner.length : cb.length;
    for (let m = 0; m < count; m++) {
      const k = matched !== null ? matched[m] : m;
      const kd = kind[k];
      if (lo !== null) {
        const r = cl[k];
        if (kd === E1) lo.addFull(r, wr[k]);
        else if (kd === E3) lo.addChange(r, wr[k]);
        else if (!lo.isDelta(r)) lo.addChange(r, wr[k]);
      }
      if (ro !== null) {
        const r = cr[k];
        if (hyd) {
          if (ro.isDelta(r)) ro.addFull(r, wl[k]);
        } else if (kd === E2) ro.addFull(r, wl[k]);
        else if (kd === E3) ro.addChange(r, wl[k]);
        else if (!ro.isDelta(r)) ro.addChange(r, wl[k]);
      }
    }
    const padded = new BatchBuilder(this.types, 16);
    lo?.finish(padded, hyd);
    ro?.finish(padded, hyd);
    const out = concatBatches(this.types, [inner, padded.finish()]);
    return crossed ? consolidate(out) : out;
  }

  /** Inner joins keep no per-row state: list the matching pairs, then assemble by column. */
  override rollback(): boolean {
    this.lOuter?.rollback();
    this.rOuter?.rollback();
    return true;
  }

  override settle(): void {
    this.lOuter?.commitStep();
    this.rOuter?.commitStep();
    this.closer?.forget();
  }

  /** Prunes the windows the watermarks have closed from both sides (closed_windows.ts); inner joins only. */
  closer: ClosedWindows | null = null;

  /**
   * Checkpoint: the outer sides' match counts, keyed by the slots of the input arrangements
   * (their ArrangeOps are restored separately, slots kept, in any order). An inner join keeps
   * nothing between steps and writes nothing. The residual's recorded errors are the
   * operator's gatedErrors, saved apart (state_io.ts).
   */
  saveState(w: StateWriter): void {
    this.lOuter?.saveState(w);
    this.rOuter?.saveState(w);
  }

  loadState(r: StateReader): void {
    this.lOuter?.loadState(r);
    this.rOuter?.loadState(r);
  }

  private innerStep(inputs: readonly Batch[], ctx: StepContext): Batch {
    const A = this.left.arrangement;
    const B = this.right.arrangement;
    const [dA, dB] = inputs;
    const check = this.pairCheck(ctx, dA, dB);
    if (ctx.hydrating || dB.length === 0) return this.finishInner([probe(dA, A, B, true, check, 0, this.buffers[0], false)], false); // ΔA × B_new
    if (dA.length === 0) return this.finishInner([probe(dB, B, A, false, check, 0, this.buffers[1], false)], false); // A_new × ΔB
    // Both sides changed: ΔA × B_old + A_new × ΔB, so a pair of two new rows is listed once
    // (ΔA × B_new + A_new × ΔB − ΔA × ΔB lists it three times, to be cancelled after).
    // B_old is read from B's weights before its last apply (the apply of ΔB); ΔB's rows that
    // left B altogether have no slot any more and are paired with ΔA from ΔB itself.
    if (!B.appliedLast(dB)) throw internalError('a join read an arrangement that did not apply its input last');
    const first = probe(dA, A, B, true, check, 0, this.buffers[0], true);
    const lists: PairList[] = [first];
    const gone = B.goneInLast.length > 0 ? gonePairs(dA, A, dB, B, B.goneInLast, check) : null;
    if (gone !== null && gone.weights.length > 0) lists.push(gone);
    lists.push(probe(dB, B, A, false, check, first.weights.length, this.buffers[1], false));
    // rows that were in B before and changed: their old and new pairs may cancel in this
    // output, which is consolidated then, as before (see the header)
    return this.finishInner(lists, this.buffers[0].changedOld || lists.length > 2);
  }

  private finishInner(lists: PairList[], crossed: boolean): Batch {
    const cb = assemblePairs(this.types, this.nl, lists);
    this.buffers[0].release(lists[0].weights.length);
    this.buffers[1].release(lists.length > 1 ? lists[lists.length - 1].weights.length : 0);
    const res = this.spec.residual;
    let out = cb;
    if (res !== undefined) {
      const { sel, n } = this.residualHolds(cb, res);
      out = gather(cb, sel, n);
    }
    return crossed ? consolidate(out) : out;
  }
}

/** Pairs of ΔA's rows with ΔB's rows `gone` (rows that left B in this step), weighted as in B_old. */
function gonePairs(dA: Batch, A: Arrangement, dB: Batch, B: Arrangement, gone: readonly number[], check: PairCheck): PairList {
  const { left, right } = deltaPairs(dA, A, dB, B, check, gone);
  const weights = left.map((i, k) => -(dA.weights[i] * dB.weights[right[k]]));
  return { left: { batch: dA, idx: left }, right: { batch: dB, idx: right }, weights };
}

/**
 * Index pairs (i, j) of rows of the two deltas with equal (non-NULL) keys, via a hash of ΔB
 * (of its rows `only`, when given).
 */
function deltaPairs(dA: Batch, A: Arrangement, dB: Batch, B: Arrangement, check: PairCheck, only: readonly number[] | null = null): { left: number[]; right: number[] } {
  const left: number[] = [];
  const right: number[] = [];
  if (dA.length === 0 || dB.length === 0) return { left, right };
  const hash = new Map<unknown, number[]>();
  const n = only === null ? dB.length : only.length;
  for (let m = 0; m < n; m++) {
    const j = only === null ? m : only[m];
    if (B.nullKeyAt(dB, j)) continue;
    const k = B.keyOf(dB, j);
    const l = hash.get(k);
    if (l === undefined) hash.set(k, [j]);
    else l.push(j);
  }
  for (let i = 0; i < dA.length; i++) {
    if (A.nullKeyAt(dA, i)) continue;
    const js = hash.get(A.keyOf(dA, i));
    if (js === undefined) continue;
    for (const j of js) {
      left.push(i);
      right.push(j);
      if (check !== null && (left.length & (CHECK_EVERY - 1)) === 0) check(left.length);
    }
  }
  return { left, right };
}

/**
 * A join's buffers for listing pairs, kept from step to step: pushing three numbers per pair
 * onto arrays cost more than assembling the output, and fresh typed arrays are external
 * allocations, which V8 answers with full collections when there are many.
 */
class PairBuffers {
  idx = new Int32Array(1024);
  slots = new Int32Array(1024);
  weights = new Int32Array(1024);
  /** After a probe of B_old: whether it reached a slot of B that held its row before the step and changed. */
  changedOld = false;

  /** Give big buffers back after a step that used little of them (a view's join keeps its buffers for good). */
  release(used: number): void {
    if (this.idx.length <= CHECK_EVERY || 4 * used > this.idx.length) return;
    this.idx = new Int32Array(1024);
    this.slots = new Int32Array(1024);
    this.weights = new Int32Array(1024);
  }

  /** Room for `n` pairs, keeping the first `keep`. */
  ensure(n: number, keep: number): void {
    if (n <= this.idx.length) return;
    const cap = Math.max(n, 2 * this.idx.length);
    this.idx = grow(this.idx, cap, keep);
    this.slots = grow(this.slots, cap, keep);
    this.weights = grow(this.weights, cap, keep);
  }
}

function grow(a: Int32Array, cap: number, keep: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(cap);
  b.set(a.subarray(0, keep));
  return b;
}

/**
 * Pairs of each row of `delta` (on one side) with its partners in the other side's arrangement
 * (in `buf`, valid until its next use). `prior`: pairs with `other` as it was before its
 * last apply (its delta of this step).
 */
function probe(delta: Batch, own: Arrangement, other: Arrangement, deltaIsLeft: boolean, check: PairCheck, before: number, buf: PairBuffers, prior: boolean): PairList {
  let n = 0;
  let cap = buf.idx.length;
  let { idx, slots, weights } = buf;
  let changedOld = false;
  for (let i = 0; i < delta.length; i++) {
    const dw = delta.weights[i];
    for (let e = other.headFor(delta, i, own.keyOf, own.keyCols); e >= 0; e = other.nextOf(e)) {
      let ew: number;
      if (prior) {
        ew = other.weightBefore(e);
        if (!changedOld && other.changedOld(e)) changedOld = true;
      } else ew = other.weight(e);
      if (ew === 0) continue;
      if (n === cap) {
        if (check !== null) check(before + n);
        buf.ensure(2 * cap, n);
        ({ idx, slots, weights } = buf);
        cap = idx.length;
      }
      idx[n] = i;
      slots[n] = e;
      weights[n++] = dw * ew;
    }
  }
  if (check !== null) check(before + n);
  buf.changedOld = changedOld;
  const d = { batch: delta, idx: idx.subarray(0, n) };
  const o = { store: other.store, slots: slots.subarray(0, n) };
  const w = weights.subarray(0, n);
  return deltaIsLeft ? { left: d, right: o, weights: w } : { left: o, right: d, weights: w };
}

/** How many pairs deltaPairs() would list, without listing them. */
function countDeltaPairs(dA: Batch, A: Arrangement, dB: Batch, B: Arrangement): number {
  if (dA.length === 0 || dB.length === 0) return 0;
  const hash = new Map<unknown, number>();
  for (let j = 0; j < dB.length; j++) {
    if (B.nullKeyAt(dB, j)) continue;
    const k = B.keyOf(dB, j);
    hash.set(k, (hash.get(k) ?? 0) + 1);
  }
  let n = 0;
  for (let i = 0; i < dA.length; i++) if (!A.nullKeyAt(dA, i)) n += hash.get(A.keyOf(dA, i)) ?? 0;
  return n;
}

/** How many pairs probe() would list, without listing them. */
function countPairs(delta: Batch, own: Arrangement, other: Arrangement, cap: number): number {
  let n = 0;
  for (let i = 0; i < delta.length && n < cap; i++) {
    for (let e = other.headFor(delta, i, own.keyOf, own.keyCols); e >= 0; e = other.nextOf(e)) n++;
  }
  return n;
}

function setFromBatch(out: BatchBuilder, offset: number, b: Batch, i: number): void {
  const cols = b.columns;
  for (let c = 0; c < cols.length; c++) out.set(offset + c, getValue(cols[c], i));
}

function setFromRow(out: BatchBuilder, offset: number, row: readonly Value[]): void {
  for (let c = 0; c < row.length; c++) out.set(offset + c, row[c]);
}
