// How a stateful operator writes its state into a checkpoint and reads it back. A checkpoint
// restores each operator into a freshly built dataflow of the same shape (the same DDL run
// again, with no hydration): the fresh operator already has its configuration (types, key
// functions, factories), so only the data that steps accumulated is written: rows as Arrow IPC
// (dataflow/arrow.ts), everything else as typed values (storage/value_codec.ts).
//
// Operators implement Checkpointable. `loadState` is called once, on an operator that has not
// run any step, and must leave it exactly as `saveState` saw it, as far as any later step,
// rollback or read can tell (row slots may differ; representations may not).
//
// What the orchestrator does:
// - Save between steps only: never while an undoable step is under way or failed and not yet
//   rolled back (Circuit.stepUnderWay / failedStep); an operator holding such a step's undo
//   information raises an internal error from saveState.
// - Save every part checkpointParts(op) lists, for every operator: the operator itself when it
//   is Checkpointable, and its gatedErrors when it has one (errors recorded by a gated filter,
//   projection or join residual stay until their rows leave: they are state even in a
//   stateless operator). Load the same parts, in the same order, into the rebuilt operator.
// - Operators may be loaded in any order: no load reads another operator. A join's outer-side
//   match counts are keyed by the slots of the arrangements it reads (ArrangeOps, possibly
//   shared with other views, saved and loaded as operators of their own): row stores keep
//   their slot numbers and generations across a checkpoint, so those counts need no fixing
//   up, provided each such ArrangeOp is restored from the same checkpoint by loadState (not
//   rebuilt by hydration). No hook runs after loading.
// - Operators that keep nothing between steps (filter, map, project, union, negate,
//   consolidate, sources, snapshots) are not Checkpointable: table contents are the tables'
//   own, SourceOp reads them.

import type { Value } from '../expr/value.js';
import { ByteReader, ByteWriter } from '../storage/value_codec.js';
import { batchFromIPC, batchToIPC } from './arrow.js';
import type { Batch } from './batch.js';
import type { Operator } from './operator.js';
import { drain, type DeferredLoad } from './deferred_state.js';

export interface Checkpointable {
  saveState(w: StateWriter): void;
  loadState(r: StateReader): void;
  /** loadState in slices (big stores), for a load deferred to the background (deferred_state.ts). */
  loadSlices?(r: StateReader): Generator<void, void>;
}

export function isCheckpointable(x: object): x is Checkpointable {
  return typeof (x as Partial<Checkpointable>).saveState === 'function' && typeof (x as Partial<Checkpointable>).loadState === 'function';
}

/** The parts of an operator's state a checkpoint saves, in this order (none: stateless). */
export function checkpointParts(op: Operator): Checkpointable[] {
  const parts: Checkpointable[] = [];
  if (isCheckpointable(op)) parts.push(op);
  if (op.gatedErrors !== null) parts.push(op.gatedErrors);
  return parts;
}

export class StateWriter {
  constructor(private readonly w: ByteWriter = new ByteWriter()) {}

  bytes(): Buffer {
    return this.w.bytes();
  }

  bool(x: boolean): void {
    this.w.u8(x ? 1 : 0);
  }
  u32(x: number): void {
    this.w.u32(x);
  }
  i32(x: number): void {
    this.w.i32(x);
  }
  f64(x: number): void {
    this.w.f64(x);
  }
  i64(x: bigint): void {
    this.w.i64(x);
  }
  string(s: string): void {
    this.w.string(s);
  }
  /** Any value (its representation exactly: numeric scale, -0, int8 past 2^53, …). */
  value(v: Value): void {
    this.w.value(v);
  }
  /** A batch (rows, types and weights) as Arrow IPC. */
  batch(b: Batch): void {
    this.w.blob(batchToIPC(b));
  }
  /** What `write` writes, after its length: a reader can skip it, to read it later (StateReader.section). */
  section(write: (w: StateWriter) => void): void {
    const inner = new StateWriter();
    write(inner);
    this.w.blob(inner.bytes());
  }
  /** The first n numbers of a typed array. */
  f64s(a: Float64Array | readonly number[], n = a.length): void {
    this.w.u32(n);
    for (let i = 0; i < n; i++) this.w.f64(a[i]);
  }
  i32s(a: Int32Array | readonly number[], n = a.length): void {
    this.w.u32(n);
    for (let i = 0; i < n; i++) this.w.i32(a[i]);
  }
}

export class StateReader {
  private readonly r: ByteReader;

  /** `defer`: where loads that may wait go (a restore's DeferredState); without it they run at once. */
  constructor(bytes: Buffer, private readonly defer: ((what: string, load: DeferredLoad) => void) | null = null) {
    this.r = new ByteReader(bytes);
  }

  /** A section StateWriter.section wrote, as a reader of its own (with the same place for deferred loads). */
  section(): StateReader {
    return new StateReader(this.r.blobView(), this.defer);
  }

  /**
   * Part of the state that no read needs, only the next step: loaded later when the reader
   * allows it (a restore), else now. The load must read only its own section.
   */
  later(what: string, load: () => DeferredLoad): void {
    if (this.defer) this.defer(what, load());
    else drain(load());
  }

  get done(): boolean {
    return this.r.done;
  }

  bool(): boolean {
    return this.r.u8() === 1;
  }
  u32(): number {
    return this.r.u32();
  }
  i32(): number {
    return this.r.i32();
  }
  f64(): number {
    return this.r.f64();
  }
  i64(): bigint {
    return this.r.i64();
  }
  string(): string {
    return this.r.string();
  }
  value(): Value {
    return this.r.value();
  }
  batch(): Batch {
    return batchFromIPC(this.r.blob());
  }
  f64s(): Float64Array {
    const n = this.r.u32();
    const a = new Float64Array(n);
    for (let i = 0; i < n; i++) a[i] = this.r.f64();
    return a;
  }
  i32s(): Int32Array {
    const n = this.r.u32();
    const a = new Int32Array(n);
    for (let i = 0; i < n; i++) a[i] = this.r.i32();
    return a;
  }
}
