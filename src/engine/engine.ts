// The engine: catalog + circuit + committed state, shared by all sessions. It applies committed
// transactions as circuit steps, creates and drops materialized views (hydrating new ones from
// current data), and evaluates ad-hoc reads against one consistent timestamp.

import { Catalog, type CatalogEntry, type MaterializedViewEntry, type TableEntry } from '../catalog/catalog.js';
import { Circuit, hydrate } from '../dataflow/circuit.js';
import { BatchBuilder, batchFromRows, concatBatches, emptyBatch, rowAt, sliceBatch, type Batch } from '../dataflow/batch.js';
import type { Operator } from '../dataflow/operator.js';
import { SourceOp } from '../dataflow/source.js';
import { ArrangeOp } from '../dataflow/operators/arrange.js';
import { IntegrateOp } from '../dataflow/operators/integrate.js';
import { AggregateOp } from '../dataflow/operators/aggregate.js';
import { DistinctOp } from '../dataflow/operators/distinct.js';
import { SetOpOp } from '../dataflow/operators/set_op.js';
import type { Row, Value } from '../expr/value.js';
import { lower, type LowerContext } from '../plan/lower.js';
import type { Plan } from '../plan/logical.js';
import type { SqlType } from '../sql/types.js';
import { consolidate } from '../dataflow/consolidate.js';
import { formatValue } from '../expr/format.js';
import { TableStore, type UniqueIndex } from '../storage/table_store.js';
import { SqlError, SQLSTATE, internalError } from '../errors.js';
import { finishRead, splitRead } from './read.js';
import { materializeReadOnly } from './window.js';
import { MemoryBudget, MemoryLimitError, sampledRowBytes } from '../dataflow/memory.js';

/** Changes of one table in one transaction: committed row ids to delete, rows to insert. */
export interface TableChanges {
  deletes: number[];
  /** Rows to insert, or a ready batch of them (weights 1) from a bulk path. */
  inserts: Row[] | Batch;
}

function insertRows(ins: Row[] | Batch): Row[] {
  if (Array.isArray(ins)) return ins;
  const rows: Row[] = [];
  for (let i = 0; i < ins.length; i++) rows.push(rowAt(ins, i));
  return rows;
}

export interface Change {
  row: Row;
  diff: number;
  timestamp: number;
}

export type ChangeListener = (changes: Change[], timestamp: number) => void;

/** The changes of a relation or of a query's own dataflow, from the next commit on. */
export interface Watch {
  /** Column types of the changes. */
  readonly types: readonly SqlType[];
  /** Current contents (weights ≥ 1), consistent with the changes that follow. */
  snapshot(): Batch;
  stop(): void;
}

interface ReadLeaf {
  op: SourceOp;
  /** The leaf's whole input, captured when the read was prepared. */
  data: Batch;
  /** What the leaf gives at hydration: all of data (one-shot reads) or nothing (chunked). */
  hydrateWith: Batch | null;
}

interface PreparedRead {
  /** The plan lowered (window and set-returning nodes already computed). */
  body: Plan;
  created: Operator[];
  root: Operator;
  finish: ReturnType<typeof splitRead>['finish'];
  leaves: ReadLeaf[];
}

interface QueryWatch {
  output: Operator;
  deps: ReadonlySet<string>;
  onChanges: ChangeListener;
  onEnd: (reason: SqlError) => void;
}

export class Engine {
  readonly catalog = new Catalog();
  readonly circuit = new Circuit();
  private arrangements = new Map<string, ArrangeOp>();
  private listeners = new Map<string, Set<ChangeListener>>();
  /** Dataflows built for a query (not a catalog view) that someone is watching. */
  private queryWatches = new Set<QueryWatch>();
  private commitListeners = new Set<(timestamp: number) => void>();
  /** Input rows per chunk of a chunked (yielding) read. */
  readChunkRows = 16384;
  /** What one operation may allocate (tributary.memory_limit), checked before big allocations. */
  readonly memory = new MemoryBudget();
  /** Logical time of the last committed transaction (milliseconds since the epoch, strictly increasing). */
  timestamp = 0;

  private nextTimestamp(): number {
    this.timestamp = Math.max(this.timestamp + 1, Date.now());
    return this.timestamp;
  }

  // ---- tables ---------------------------------------------------------------------------

  addTable(entry: Omit<TableEntry, 'store' | 'source' | 'oid'>): TableEntry {
    const types = entry.columns.map((c) => c.type);
    const store = new TableStore(types, entry.primaryKey ? { name: `${entry.name}_pkey`, cols: entry.primaryKey } : null);
    const source = new SourceOp(types, () => store.scan(), entry.name);
    const full: TableEntry = { ...entry, oid: this.catalog.allocOid(), store, source };
    this.catalog.add(full);
    this.circuit.add([source]);
    return full;
  }

  /**
   * Apply one transaction's changes atomically at a new timestamp: tables first, then one
   * circuit step. If a view cannot be maintained (an error in one of its expressions), the
   * transaction is undone and every view rebuilt from the restored tables.
   */
  commit(changes: Map<TableEntry, TableChanges>): number {
    if (changes.size === 0) return this.timestamp;
    // what was applied to each table, to undo it: deleted ids, inserted ids, one range of ids
    const applied: { table: TableEntry; deleted: number[]; inserted: number[]; first: number; count: number }[] = [];
    try {
      for (const [table, ch] of changes) {
        for (const id of ch.deletes) {
          if (!table.store.isLive(id)) {
            throw new SqlError(SQLSTATE.SERIALIZATION_FAILURE, 'could not serialize access due to concurrent update');
          }
        }
        const b = new BatchBuilder(table.store.types, ch.deletes.length + (table.store.uniques.length ? ch.inserts.length : 0));
        const rec = { table, deleted: [] as number[], inserted: [] as number[], first: 0, count: 0 };
        applied.push(rec);
        for (const id of ch.deletes) {
          b.push(table.store.delete(id), -1);
          rec.deleted.push(id);
        }
        let delta: Batch;
        if (table.store.uniques.length === 0) {
          // no key to check row by row: append the inserts to the table column by column
          const ins = Array.isArray(ch.inserts) ? batchFromRows(table.store.types, ch.inserts) : ch.inserts;
          rec.first = table.store.insertBatch(ins);
          rec.count = ins.length;
          delta = b.length === 0 ? ins : concatBatches(table.store.types, [b.finish(), ins]);
        } else {
          for (const row of insertRows(ch.inserts)) {
            // another session may have committed the same key since this transaction checked it
            for (const u of table.store.uniques) {
              const key = u.keyOf(row);
              if (key !== undefined && u.map.has(key)) throw duplicateKey(table, u, row);
            }
            rec.inserted.push(table.store.insert(row));
            b.push(row, 1);
          }
          delta = b.finish();
        }
        (table.source as SourceOp).push(delta);
      }
      const time = this.nextTimestamp();
      const out = this.circuit.step(time, this.memory);
      this.notify(out, time);
      for (const l of this.commitListeners) l(time);
      for (const rec of applied) rec.table.store.maybeCompact();
      return time;
    } catch (e) {
      for (const rec of applied.reverse()) {
        for (const id of rec.inserted) rec.table.store.delete(id);
        for (let k = 0; k < rec.count; k++) rec.table.store.delete(rec.first + k);
        for (const id of rec.deleted) rec.table.store.undelete(id);
      }
      for (const src of changes.keys()) (src.source as SourceOp).push(emptyBatch(src.store.types));
      if (applied.length > 0) this.rebuildViews();
      throw e;
    }
  }

  // ---- materialized views ------------------------------------------------------------------

  /** Build, hydrate and register a materialized view's dataflow. Nothing changes if it fails. */
  addMaterializedView(entry: Omit<MaterializedViewEntry, 'output' | 'operators' | 'oid'>): MaterializedViewEntry {
    const built = this.buildView(entry.plan);
    const full: MaterializedViewEntry = { ...entry, oid: this.catalog.allocOid(), output: built.output, operators: built.created };
    this.catalog.add(full);
    return full;
  }

  private buildView(plan: Plan, memory: MemoryBudget | undefined = this.memory): { output: Operator; created: Operator[] } {
    const created: Operator[] = [];
    const shared: ArrangeOp[] = [];
    const cx: LowerContext = {
      leaf: (rel) => this.leafOperator(rel),
      findArrangement: (input, keys) => this.arrangements.get(arrangementKey(input, keys)),
      params: [],
      created,
      sharedArrangements: shared,
    };
    const root = lower(plan, cx);
    // A view needs its contents integrated somewhere. Operators that keep their whole output
    // (aggregates, table sources, other views) serve as the view's state themselves; anything
    // else gets an IntegrateOp.
    let output: Operator = root;
    if (root.snapshot() === undefined || !keepsWholeOutput(root)) {
      output = new IntegrateOp(root);
      created.push(output);
    }
    hydrate(created, this.timestamp, memory);
    this.circuit.add(created);
    for (const a of shared) {
      // only arrangements of integrated collections (tables, views) can be shared safely
      if (a.inputs[0] instanceof SourceOp || a.inputs[0] instanceof IntegrateOp) {
        this.arrangements.set(arrangementKey(a.inputs[0], a.keyCols), a);
      }
    }
    return { output, created };
  }

  private leafOperator(relation: string): Operator {
    const e = this.catalog.resolve(relation);
    if (e.kind === 'table') return e.source;
    if (e.kind === 'materialized view') return e.output;
    throw internalError(`view ${relation} was not inlined`);
  }

  /** Drop a relation (and, with cascade, its dependents); raise 2BP01 otherwise. */
  drop(name: string, cascade: boolean): CatalogEntry[] {
    const order = this.catalog.dropOrder(name);
    if (order.length > 1 && !cascade) {
      const target = order[order.length - 1];
      const deps = order.slice(0, -1);
      throw new SqlError(
        SQLSTATE.DEPENDENT_OBJECTS_STILL_EXIST,
        `cannot drop ${target.kind} ${name} because other objects depend on it`,
        {
          detail: deps.map((d) => `${d.kind} ${d.name} depends on ${dependencyTarget(d, order)}`).join('\n'),
          hint: 'Use DROP ... CASCADE to drop the dependent objects too.',
        },
      );
    }
    for (const e of order) {
      this.catalog.remove(e.name);
      this.listeners.delete(e.name);
    }
    const dropped = new Set(order.map((e) => e.name));
    for (const w of [...this.queryWatches]) {
      const gone = [...w.deps].find((d) => dropped.has(d));
      if (gone !== undefined) this.endQueryWatch(w, new SqlError(SQLSTATE.UNDEFINED_TABLE, `subscription ended: relation "${gone}" was dropped`));
    }
    this.collectGarbage();
    return order;
  }

  private collectGarbage(): void {
    const roots: Operator[] = [...this.queryWatches].map((w) => w.output);
    for (const e of this.catalog.all()) {
      if (e.kind === 'table') roots.push(e.source);
      else if (e.kind === 'materialized view') roots.push(e.output);
    }
    const dead = new Set(this.circuit.collectGarbage(roots));
    for (const [k, a] of this.arrangements) if (dead.has(a)) this.arrangements.delete(k);
  }

  /** Recreate every view's dataflow from the tables (after a failed step left state torn). */
  private rebuildViews(): void {
    const views = this.catalog.all().filter((e): e is MaterializedViewEntry => e.kind === 'materialized view');
    for (const v of views) this.catalog.remove(v.name);
    // query dataflows saw part of the failed step: their state cannot be trusted any more
    for (const w of [...this.queryWatches]) {
      this.endQueryWatch(w, new SqlError(SQLSTATE.QUERY_CANCELED, 'subscription ended: a failed transaction forced the dataflows to be rebuilt; subscribe again'));
    }
    this.arrangements.clear();
    this.collectGarbage();
    for (const v of views) {
      // Views are re-added in creation order, so a view's inputs exist before it. They held
      // this data before the failed step, so no memory check may stop them now.
      const built = this.buildView(v.plan, undefined);
      v.output = built.output;
      v.operators = built.created;
      this.catalog.add(v);
    }
  }

  // ---- reads and subscriptions --------------------------------------------------------------

  /**
   * Evaluate a query plan once over the current state (tables as `tableContents` gives them,
   * so a session sees its own uncommitted writes; views as of the last commit). `extra` names
   * batches that scans of those (non-catalog) names read.
   */
  read(plan: Plan, params: readonly Value[], tableContents: (t: TableEntry) => Batch, extra?: Map<string, Batch>): Row[] {
    return this.runPrepared(this.prepareRead(plan, params, tableContents, extra), params);
  }

  /** A prepared read in one go: every leaf's whole input at hydration. */
  private runPrepared(r: PreparedRead, params: readonly Value[]): Row[] {
    for (const l of r.leaves) l.hydrateWith = l.data;
    const outputs = hydrate(r.created, this.timestamp, this.memory);
    const result = r.created.length === 0 ? emptyBatch(r.root.types) : outputs.get(r.root)!;
    return this.finishRead(r, result, params);
  }

  /**
   * read(), for long queries: the inputs (captured now, so the result is of this timestamp
   * whatever commits meanwhile) are fed through the read's dataflow in chunks, awaiting
   * `pause()` between chunks so other clients are served. The dataflow is incremental, so the
   * sum of its outputs over the chunks is the result of the whole input.
   */
  async readChunked(plan: Plan, params: readonly Value[], tableContents: (t: TableEntry) => Batch, pause: () => Promise<void>): Promise<Row[]> {
    let chunkRows = this.readChunkRows;
    let r = this.prepareRead(plan, params, tableContents);
    const total = Math.max(0, ...r.leaves.map((l) => l.data.length));
    // A join whose output for a chunk would not fit the memory budget fails the step before
    // allocating it; the read then starts over on the same inputs in smaller chunks (the
    // failed step left its operators' state torn), down to one row per chunk, and one input
    // at a time: then no step joins two new chunks, whose pairs a join must consolidate.
    let oneAtATime = false;
    for (;;) {
      try {
        if (total <= chunkRows) return this.runPrepared(r, params);
        return await this.runChunks(r, params, pause, chunkRows, oneAtATime);
      } catch (e) {
        if (!(e instanceof MemoryLimitError) || !e.perStep || Math.min(chunkRows, total) <= 1) throw e;
        const from = Math.min(chunkRows, total);
        chunkRows = Math.max(1, Math.floor((from * e.allowed) / e.needed / 2));
        oneAtATime = true;
        r = this.lowerRead(r.body, r.finish, params, r.leaves.map((l) => l.data));
      }
    }
  }

  private async runChunks(r: PreparedRead, params: readonly Value[], pause: () => Promise<void>, chunkRows: number, oneAtATime: boolean): Promise<Row[]> {
    const time = this.timestamp;
    // the sum of the outputs, copied at once: an operator may reuse its output buffer next step
    let sum = new BatchBuilder(r.root.types, 64);
    let compactAt = 65536;
    const addOutput = (out: Batch) => {
      sum.appendBatch(out, null);
      // an aggregate's output is retracted and replaced every chunk: keep the sum consolidated
      if (sum.length >= compactAt) {
        const c = consolidate(sum.finish());
        sum = new BatchBuilder(r.root.types, c.length + 64);
        sum.appendBatch(c, null);
        compactAt = Math.max(2 * c.length, 65536);
        this.memory.check(c.length, sampledRowBytes(c), "The query's result");
      }
    };
    addOutput(hydrate(r.created, time, this.memory).get(r.root)!); // empty inputs: e.g. a global aggregate's row
    const circuit = new Circuit();
    circuit.add(r.created);
    // all inputs' chunks together, or (oneAtATime) each input's chunks in turn
    for (const leaves of oneAtATime ? r.leaves.map((l) => [l]) : [r.leaves]) {
      const rows = Math.max(0, ...leaves.map((l) => l.data.length));
      for (let from = 0; from < rows; from += chunkRows) {
        await pause();
        for (const l of leaves) if (from < l.data.length) l.op.push(sliceBatch(l.data, from, Math.min(l.data.length, from + chunkRows)));
        const out = circuit.step(time, this.memory).get(r.root);
        if (out) addOutput(out);
      }
    }
    return this.finishRead(r, consolidate(sum.finish()), params);
  }

  /** A read's dataflow, with each leaf's input captured now. */
  private prepareRead(plan: Plan, params: readonly Value[], tableContents: (t: TableEntry) => Batch, extra?: Map<string, Batch>): PreparedRead {
    // window functions and SELECT-list set-returning functions: computed over their input's rows
    plan = materializeReadOnly(plan, params, (p) => this.read(p, params, tableContents, extra));
    const { body, finish } = splitRead(plan);
    return this.lowerRead(body, finish, params, (rel) => {
      const given = extra?.get(rel);
      if (given) return given;
      const e = this.catalog.resolve(rel);
      if (e.kind === 'table') return tableContents(e);
      if (e.kind === 'materialized view') return e.output.snapshot()!;
      throw internalError(`view ${rel} was not inlined`);
    });
  }

  /**
   * Lower a read's body with fresh leaves, each reading the batch `data` gives for its relation
   * (or, given the batches of an earlier lowering of the same body, the same ones in order).
   */
  private lowerRead(body: Plan, finish: PreparedRead['finish'], params: readonly Value[], data: ((rel: string) => Batch) | readonly Batch[]): PreparedRead {
    const created: Operator[] = [];
    const leaves: ReadLeaf[] = [];
    const cx: LowerContext = {
      leaf: (rel) => {
        const d = Array.isArray(data) ? data[leaves.length] : (data as (rel: string) => Batch)(rel);
        const leaf: ReadLeaf = { op: new SourceOp(d.types, () => leaf.hydrateWith ?? emptyBatch(d.types), 'read'), data: d, hydrateWith: null };
        leaves.push(leaf);
        created.push(leaf.op);
        return leaf.op;
      },
      params,
      created,
    };
    const root = lower(body, cx);
    return { body, created, root, finish, leaves };
  }

  private finishRead(r: PreparedRead, result: Batch, params: readonly Value[]): Row[] {
    // Consolidate only when needed: without retractions the rows keep their scan order, as a
    // PostgreSQL sequential scan returns them (INSERT … SELECT reports errors in that order).
    let positive = true;
    let rows = 0;
    for (let i = 0; i < result.length; i++) {
      positive &&= result.weights[i] > 0;
      rows += Math.abs(result.weights[i]);
    }
    // the result is expanded into row arrays (and sorted): that must fit
    this.memory.check(rows, sampledRowBytes(result) + (r.finish.sort ? 48 : 0), "The query's result");
    return finishRead(expand(positive ? result : consolidate(result)), r.finish, params, r.root.types);
  }

  /** Materialized views whose contents depend on a table (to know when a read must inline them). */
  viewsReading(table: string): Set<string> {
    const out = new Set<string>();
    for (const e of this.catalog.dropOrder(table)) if (e.kind === 'materialized view') out.add(e.name);
    return out;
  }

  /**
   * Watch a table or materialized view (by name) or a maintainable query plan (with the
   * relations it reads). A query gets a dataflow of its own, built now from current data and
   * dropped by stop(); `onEnd` is called if the watch cannot go on (a relation it reads was
   * dropped). Everything is synchronous, so the snapshot and the changes after it never
   * overlap or leave a gap.
   */
  watch(target: { relation: string } | { plan: Plan; deps: readonly string[] }, onChanges: ChangeListener, onEnd: (reason: SqlError) => void): Watch {
    if ('relation' in target) {
      const e = this.catalog.resolve(target.relation);
      if (e.kind === 'view') return this.watch({ plan: e.plan, deps: [e.name, ...e.dependsOn] }, onChanges, onEnd);
      const op = e.kind === 'table' ? e.source : e.output;
      const stop = this.listen(e.name, onChanges);
      return { types: op.types, snapshot: () => (e.kind === 'table' ? e.store.scan() : e.output.snapshot()!), stop };
    }
    const built = this.buildView(target.plan);
    const w: QueryWatch = { output: built.output, deps: new Set(target.deps), onChanges, onEnd };
    this.queryWatches.add(w);
    return {
      types: built.output.types,
      snapshot: () => built.output.snapshot()!,
      stop: () => {
        if (this.queryWatches.delete(w)) this.collectGarbage();
      },
    };
  }

  private endQueryWatch(w: QueryWatch, reason: SqlError): void {
    this.queryWatches.delete(w);
    w.onEnd(reason);
  }

  /** Called after every commit with its timestamp (SUBSCRIBE's progress messages). */
  onCommit(l: (timestamp: number) => void): () => void {
    this.commitListeners.add(l);
    return () => this.commitListeners.delete(l);
  }

  listen(view: string, l: ChangeListener): () => void {
    let set = this.listeners.get(view);
    if (!set) this.listeners.set(view, (set = new Set()));
    set.add(l);
    return () => set!.delete(l);
  }

  private notify(out: Map<Operator, Batch>, time: number): void {
    for (const [name, set] of this.listeners) {
      if (set.size === 0) continue;
      const e = this.catalog.get(name);
      if (!e || (e.kind !== 'materialized view' && e.kind !== 'table')) continue;
      const changes = changesOf(out.get(e.kind === 'table' ? e.source : e.output), time);
      if (changes !== null) for (const l of set) l(changes, time);
    }
    for (const w of this.queryWatches) {
      const changes = changesOf(out.get(w.output), time);
      if (changes !== null) w.onChanges(changes, time);
    }
  }
}

/** A delta as change rows (consolidated: a step's delta may cancel out), or null when empty. */
function changesOf(delta: Batch | undefined, time: number): Change[] | null {
  if (!delta || delta.length === 0) return null;
  const c = consolidate(delta);
  if (c.length === 0) return null;
  const changes: Change[] = [];
  for (let i = 0; i < c.length; i++) changes.push({ row: rowAt(c, i), diff: c.weights[i], timestamp: time });
  return changes;
}

function keepsWholeOutput(op: Operator): boolean {
  return op instanceof AggregateOp || op instanceof DistinctOp || op instanceof SetOpOp || op instanceof SourceOp || op instanceof IntegrateOp;
}

function arrangementKey(input: Operator, keys: readonly number[]): string {
  return `${input.id}:${keys.join(',')}`;
}

function dependencyTarget(d: CatalogEntry, order: CatalogEntry[]): string {
  if (d.kind === 'table') return '';
  const on = order.find((o) => d.dependsOn.includes(o.name));
  return on ? `${on.kind} ${on.name}` : '';
}

/** Rows of a batch repeated by weight (a read's result must have no negative weights). */
function expand(b: Batch): Row[] {
  const rows: Row[] = [];
  for (let i = 0; i < b.length; i++) {
    const w = b.weights[i];
    if (w < 0) throw internalError('negative multiplicity in a query result');
    const r = rowAt(b, i);
    for (let k = 0; k < w; k++) rows.push(k === 0 ? r : r.slice());
  }
  return rows;
}

export function duplicateKey(table: TableEntry, u: UniqueIndex, row: readonly Value[]): SqlError {
  return new SqlError(SQLSTATE.UNIQUE_VIOLATION, `duplicate key value violates unique constraint "${u.name}"`, {
    detail: `Key (${keyText(table, u.cols, row)}) already exists.`,
  });
}

/** "(a, b)=(1, x)" as PostgreSQL words a key in constraint errors. */
export function keyText(table: TableEntry, cols: readonly number[], row: readonly Value[]): string {
  return `${cols.map((c) => table.columns[c].name).join(', ')})=(${cols.map((c) => formatValue(row[c], table.columns[c].type)).join(', ')}`;
}
