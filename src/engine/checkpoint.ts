// A checkpoint of the engine: what a restart needs so that it does not replay the log from
// its beginning. It is taken between commits (synchronously, so it is consistent) and holds:
// the DDL committed so far (run again on restore to build the same catalog and dataflows,
// without hydrating them), every table's rows, every stateful operator's state, the sources'
// positions, and the log position it covers. Restoring loads the state into the rebuilt
// dataflows; the log after that position is then replayed as usual.
//
// Operators are matched by a signature that does not depend on operator ids or creation
// order: a table's or view's name for what a catalog entry owns, an arrangement of a table or
// view by what it arranges and on which key (any view may share it, and its contents are a
// function of the collection), anything else by its path from the view that reaches it first.

import type { TableEntry } from '../catalog/catalog.js';
import type { Batch } from '../dataflow/batch.js';
import { ArrangeOp } from '../dataflow/operators/arrange.js';
import { IntegrateOp } from '../dataflow/operators/integrate.js';
import { OrderedArrangeOp } from '../dataflow/operators/ordered_arrange.js';
import { AggregateOp } from '../dataflow/operators/aggregate.js';
import { DistinctOp } from '../dataflow/operators/distinct.js';
import { SetOpOp } from '../dataflow/operators/set_op.js';
import { JoinOp } from '../dataflow/operators/join.js';
import { WindowCloseOp } from '../dataflow/operators/window_close.js';
import type { Operator } from '../dataflow/operator.js';
import { SourceOp } from '../dataflow/source.js';
import { checkpointParts, isCheckpointable, StateReader, StateWriter, type Checkpointable } from '../dataflow/state_io.js';
import type { DeferredLoad } from '../dataflow/deferred_state.js';
import { SqlError } from '../errors.js';
import type { DdlEntry } from '../storage/wal_records.js';
import type { Engine } from './engine.js';
import { Session } from './session.js';
import { replayDdl } from './recovery.js';

/** Operators that keep state across steps: each must be Checkpointable for a checkpoint to be taken. */
const STATEFUL: (abstract new (...args: never[]) => Operator)[] = [IntegrateOp, ArrangeOp, OrderedArrangeOp, AggregateOp, DistinctOp, SetOpOp, JoinOp, WindowCloseOp];

export interface EngineCheckpoint {
  /** The log position the state reflects (every record before it, none after). */
  lsn: number;
  time: number;
  ddl: readonly DdlEntry[];
  sources: { table: string; positions: [number, number][] }[];
  /** Each watermark's value (microseconds, as text for JSON; null before the first row), and per partition of a source's. */
  watermarks: { table: string; value: string | null; partitions?: [number, string | null][] }[];
  tables: { name: string; rows: Batch }[];
  operators: { sig: string; kind: string; state: Uint8Array }[];
}

/** Why a checkpoint cannot be taken now (a commit or view creation under way, DDL not yet committed), or null. */
export function checkpointBlocked(engine: Engine): string | null {
  if (engine.pendingCommit || engine.circuit.stepUnderWay || engine.circuit.failedStep) return 'a commit is under way';
  if (engine.buildingViews) return 'a materialized view is being created';
  if (engine.catalog.locks.size > 0) return 'a transaction holds uncommitted DDL';
  return null;
}

/** Take the engine's state (synchronously: nothing runs in between). */
export function takeCheckpoint(engine: Engine, lsn: number): EngineCheckpoint {
  engine.circuit.loadDeferred();
  const tables: EngineCheckpoint['tables'] = [];
  const sources: EngineCheckpoint['sources'] = [];
  const watermarks: EngineCheckpoint['watermarks'] = [];
  for (const e of engine.catalog.all()) {
    if (e.kind !== 'table') continue;
    if (e.watermark) {
      const m = e.watermark.logged(e.name, e.watermark.saved);
      const text = (v: bigint | null) => (v === null ? null : String(v));
      watermarks.push({ table: e.name, value: text(m.value), partitions: m.partitions.map(([p, v]) => [p, text(v)]) });
    }
    if (e.store.keepsRows) tables.push({ name: e.name, rows: e.store.scan() });
    const p = engine.sourcePositions.get(e);
    if (p) sources.push({ table: e.name, positions: [...p] });
  }
  const operators: EngineCheckpoint['operators'] = [];
  for (const [op, sig] of signatures(engine)) {
    // a stateful operator that cannot save its state: no checkpoint (the log keeps everything)
    if (!isCheckpointable(op) && STATEFUL.some((C) => op instanceof C)) throw new Error(`operator ${op.name} (${sig}) cannot be checkpointed`);
    const parts = checkpointParts(op);
    if (parts.length === 0) continue;
    const w = new StateWriter();
    w.u32(parts.length);
    for (const part of parts) part.saveState(w);
    operators.push({ sig, kind: op.name, state: new Uint8Array(w.bytes()) });
  }
  return { lsn, time: engine.timestamp, ddl: [...engine.ddlHistory], sources, watermarks, tables, operators };
}

/**
 * Restore a checkpoint into a fresh engine: its DDL again (dataflows built, not hydrated),
 * then the tables' rows, then each operator's state. Throws if the rebuilt dataflows do not
 * match the checkpoint (the caller then tries an older checkpoint, or the whole log). The
 * sources' positions go to engine.sourcePositions.
 */
export function restoreCheckpoint(engine: Engine, cp: EngineCheckpoint): void {
  const session = new Session(engine);
  engine.restoring = true;
  try {
    for (const d of cp.ddl) replayDdl(engine, session, d, cp.lsn);
  } finally {
    engine.restoring = false;
  }
  engine.ddlHistory.push(...cp.ddl);
  for (const t of cp.tables) {
    const e = engine.catalog.get(t.name);
    if (!e || e.kind !== 'table') throw mismatch(`table "${t.name}" is not in its catalog`);
    if (t.rows.length > 0) e.store.insertBatch(t.rows);
  }
  // signatures are unique (arrangements of one collection and key are numbered)
  const bySig = new Map<string, Operator>([...signatures(engine)].map(([op, sig]) => [sig, op]));
  // What reads read (views' contents, views' indexes) is loaded now; the rest may wait for
  // the background or the next step (deferred_state.ts).
  const read = new Set<Operator>(engine.viewIndexOperators().map(([, op]) => op));
  for (const e of engine.catalog.all()) if (e.kind === 'materialized view') read.add(e.output);
  const deferred = engine.circuit.deferred;
  const defer = (what: string, load: DeferredLoad) => deferred.add(what, load);
  const loaded = new Set<Operator>();
  for (const o of cp.operators) {
    const op = bySig.get(o.sig);
    if (!op) throw mismatch(`no operator has the signature ${o.sig}`);
    if (op.name !== o.kind) throw mismatch(`operator ${o.sig} is a ${op.name}, the checkpoint has a ${o.kind}`);
    const r = new StateReader(Buffer.from(o.state.buffer, o.state.byteOffset, o.state.byteLength), defer);
    const parts = checkpointParts(op);
    if (r.u32() !== parts.length) throw mismatch(`operator ${o.sig} (${op.name}) has other parts of state than the checkpoint`);
    // so are temporal filters' schedules: the clock moves by what they hold
    if (read.has(op) || op.nextEvent) for (const part of parts) part.loadState(r);
    else deferred.add(`operator ${o.sig} (${op.name})`, loadParts(parts, r));
    loaded.add(op);
  }
  for (const [sig, op] of bySig) {
    if (checkpointParts(op).length > 0 && !loaded.has(op)) throw mismatch(`the state of operator ${sig} (${op.name}) is missing`);
  }
  engine.timestamp = Math.max(engine.timestamp, cp.time);
  for (const s of cp.sources) {
    const t = engine.catalog.get(s.table) as TableEntry | undefined;
    if (t?.kind === 'table') engine.sourcePositions.set(t, new Map(s.positions));
  }
  for (const w of cp.watermarks) {
    const t = engine.catalog.get(w.table) as TableEntry | undefined;
    if (t?.kind !== 'table' || !t.watermark) throw mismatch(`table "${w.table}" has no watermark`);
    const big = (v: string | null) => (v === null ? null : BigInt(v));
    t.watermark.restore(big(w.value), (w.partitions ?? []).map(([p, v]) => [p, big(v)] as const));
  }
}

function* loadParts(parts: readonly Checkpointable[], r: StateReader): Generator<void, void> {
  for (const part of parts) {
    if (part.loadSlices) yield* part.loadSlices(r);
    else part.loadState(r);
    yield;
  }
}

function mismatch(what: string): SqlError {
  return new SqlError('XX001', `the checkpoint does not match the dataflows its DDL builds: ${what}`);
}

/** Each operator the catalog's views and indexes reach, with its signature (see the file's head). */
function signatures(engine: Engine): Map<Operator, string> {
  const sigs = new Map<Operator, string>();
  const canonical = new Map<Operator, string>();
  for (const e of engine.catalog.all()) {
    if (e.kind === 'table') canonical.set(e.source, `table:${e.name}`);
    else if (e.kind === 'materialized view') canonical.set(e.output, `view:${e.name}`);
  }
  const canon = (op: Operator): string | undefined => {
    const c = canonical.get(op);
    if (c !== undefined) return c;
    if (op instanceof ArrangeOp) {
      const input = op.inputs[0];
      const of = canonical.get(input);
      // an arrangement of an integrated collection holds exactly its contents: any view may share it
      if (of !== undefined && ((input instanceof SourceOp && input.keepsRows) || input instanceof IntegrateOp)) return `arrange(${of};${op.keyCols.join(',')})`;
    }
    return undefined;
  };
  const taken = new Map<string, number>();
  const visit = (op: Operator, path: string) => {
    if (sigs.has(op)) return;
    let sig = canon(op) ?? path;
    // two arrangements of one collection on one key (views built in slices have their own):
    // numbered in the order the views reach them, which a restore reproduces
    const n = taken.get(sig) ?? 0;
    taken.set(sig, n + 1);
    if (n > 0) sig = `${sig}#${n}`;
    sigs.set(op, sig);
    op.inputs.forEach((input, i) => visit(input, `${sig}/${i}`));
  };
  for (const e of engine.catalog.all()) if (e.kind === 'materialized view') visit(e.output, `view:${e.name}`);
  for (const [name, op] of engine.viewIndexOperators()) visit(op, `index:${name}`);
  return sigs;
}
