// INSERT, UPDATE and DELETE against a session's transaction. Each is a Work (work.ts): the
// wire server runs it in slices (its read of INSERT … SELECT or UPDATE … FROM in chunks, its
// row loops yielding every few thousand rows); `insert`, `update`, `del` run it at once.

import { refuseIfFed, type TableEntry } from '../catalog/catalog.js';
import { SqlError, SQLSTATE, unsupported } from '../errors.js';
import { type Expr, columnsUsed, conjuncts } from '../expr/expr.js';
import { resolveOperator } from '../expr/functions/registry.js';
import type { Row, Value } from '../expr/value.js';
import { compileExpr, compileQual, evalConstant } from '../expr/compile.js';
import { foldConstants } from '../plan/rules/fold_constants.js';
import { ordered } from '../plan/rules/order_quals.js';
import { formatValue } from '../expr/format.js';
import { BatchBuilder, batchFromRows, type Batch } from '../dataflow/batch.js';
import { optimize } from '../plan/optimizer.js';
import { bindExprIn, type BindEnv } from '../sql/bind_env.js';
import { bindQuery, figureName } from '../sql/bind_select.js';
import { bindFromList } from '../sql/bind_from.js';
import type { Plan } from '../plan/logical.js';
import { T, type SqlType } from '../sql/types.js';
import { fieldInfo } from './result.js';
import { coerceBoolean, resolveUnknown, tryCoerce, type ParamTypes } from '../sql/coerce.js';
import { nodeTag } from '../sql/parser.js';
import { Scope } from '../sql/scope.js';
import { plainLiteral } from '../sql/plain_literal.js';
import { formatType } from '../sql/types.js';
import type { Engine } from './engine.js';
import type { Transaction } from './transaction.js';
import type { StatementResult } from './statement.js';
import { parseValue } from '../expr/cast.js';
import type { CopyRecord } from './copy_format.js';
import { fillCopyColumns, type CopyColumns } from './copy_columns.js';
import { runSync, ticker, type Work } from './work.js';
import { inlineStaleViews } from './stale_views.js';

export interface DmlContext {
  engine: Engine;
  txn: Transaction;
  params: ParamTypes;
  /** Parameter values, converted to the parameter types inferred so far. */
  values: () => readonly Value[];
  /** Describe (Parse) only: bind everything, read and evaluate nothing (txn then sees no rows). */
  describeOnly?: boolean;
  /** Read in chunks (the statement runs sliced: engine.readChunked). */
  chunked?: boolean;
}

/** A read the statement makes, as a Work (in chunks when the statement runs sliced). */
function* readRows(cx: DmlContext, plan: Plan, extra?: Map<string, Batch>): Work<Row[]> {
  return (yield* cx.engine.readWork(optimize(inlineStaleViews(cx.engine, plan, cx.txn)), cx.values(), cx.txn, { extra, chunked: cx.chunked }))!;
}

function targetTable(cx: DmlContext, rel: any, verb: 'INSERT' | 'UPDATE' | 'DELETE' | 'TRUNCATE' | 'COPY FROM' = 'INSERT'): TableEntry {
  if (rel.schemaname && rel.schemaname !== 'public') {
    throw new SqlError(SQLSTATE.UNDEFINED_TABLE, `relation "${rel.schemaname}.${rel.relname}" does not exist`);
  }
  const e = cx.engine.catalog.resolve(rel.relname);
  if (e.kind !== 'table') {
    throw new SqlError(SQLSTATE.WRONG_OBJECT_TYPE, `cannot change ${e.kind} "${e.name}"`);
  }
  refuseIfFed(e);
  if (e.appendOnly && verb !== 'INSERT' && verb !== 'COPY FROM') {
    throw new SqlError(SQLSTATE.FEATURE_NOT_SUPPORTED, `${verb} of append-only table "${e.name}" is not supported`, {
      detail: 'An append-only table keeps no rows: it takes INSERT and COPY FROM only.',
    });
  }
  return e;
}

function env(cx: DmlContext): BindEnv {
  return { catalog: cx.engine.catalog, params: cx.params, ctes: new Map(), outer: null, dependencies: new Set() };
}

/** Coerce a value expression to a column's type in assignment context (INSERT, UPDATE SET). */
function assign(e: Expr, t: TableEntry, col: number, params: ParamTypes): Expr {
  const c = t.columns[col];
  const r = tryCoerce(e, c.type, 'assignment', params);
  if (r) return r;
  throw new SqlError(
    SQLSTATE.DATATYPE_MISMATCH,
    `column "${c.name}" is of type ${formatType(c.type)} but expression is of type ${formatType(e.type)}`,
    { hint: 'You will need to rewrite or cast the expression.' },
  );
}

export function checkNotNull(t: TableEntry, row: Row): void {
  for (let i = 0; i < t.columns.length; i++) {
    if (row[i] === null && t.columns[i].notNull) {
      throw new SqlError(SQLSTATE.NOT_NULL_VIOLATION, `null value in column "${t.columns[i].name}" of relation "${t.name}" violates not-null constraint`, {
        detail: `Failing row contains (${row.map((v, k) => (v === null ? 'null' : formatValue(v, t.columns[k].type))).join(', ')}).`,
      });
    }
  }
}

/**
 * COPY … FROM: records of raw text fields (from copy_format.ts) become rows through each
 * column's input function; unlisted columns take their defaults. `rel` is the statement's
 * RangeVar.
 */
/** COPY FROM's target: records are converted and inserted into the transaction as they come. */
export interface CopyTarget {
  add(records: readonly CopyRecord[]): void;
  /** Rows inserted so far. */
  readonly count: number;
}

export function copyTarget(cx: Pick<DmlContext, 'engine' | 'txn'>, rel: any, columns: readonly string[] | null): CopyTarget {
  const t = targetTable(cx as DmlContext, rel, 'COPY FROM');
  const cols = columns === null ? t.columns.map((_, i) => i) : columns.map((name) => {
    const i = t.columns.findIndex((c) => c.name === name);
    if (i < 0) throw new SqlError(SQLSTATE.UNDEFINED_COLUMN, `column "${name}" of relation "${t.name}" does not exist`);
    return i;
  });
  const defaults = t.columns.map((c) => (c.default ? evalConstant(c.default) : null));
  let count = 0;
  const given = t.columns.map((_, c) => cols.indexOf(c));
  const missing = given.flatMap((k, c) => (k < 0 ? [c] : []));
  const types = t.columns.map((c) => c.type);
  const notNull = t.columns.map((c) => c.notNull === true);
  const shape: CopyColumns = { cols, types, notNull, missing, defaults };
  const add = (records: readonly CopyRecord[]) => {
    // the records' rows go in as one batch, which a table without keys keeps whole
    // (Transaction.insertBatch), written column by column as they are read
    let batch = new BatchBuilder(t.store.types, records.length);
    batch.reserve(records.length);
    if (!fillCopyColumns(batch, records, shape)) {
      batch = new BatchBuilder(t.store.types, records.length);
      batch.reserve(records.length);
      rowByRow(batch, records);
    }
    batch.advance(records.length, 1);
    cx.txn.insertBatch(t, batch.finish());
    count += records.length;
  };
  /** The records in order, field by field: the first error raised is the one PostgreSQL reports. */
  const rowByRow = (batch: BatchBuilder, records: readonly CopyRecord[]) => {
    for (let i = 0; i < records.length; i++) {
      const r = records[i];
      const where = () => `COPY ${t.name}, line ${r.line}`;
      if (r.fields.length > cols.length) throw new SqlError(SQLSTATE.BAD_COPY_FILE_FORMAT, 'extra data after last expected column', { where: where() });
      if (r.fields.length < cols.length) {
        throw new SqlError(SQLSTATE.BAD_COPY_FILE_FORMAT, `missing data for column "${t.columns[cols[r.fields.length]].name}"`, { where: where() });
      }
      let nullInNotNull = false;
      // the fields in the line's order (which field's error comes first), then the defaults
      for (let k = 0; k < cols.length; k++) {
        const c = cols[k];
        const text = r.fields[k];
        let v: Value = null;
        if (text !== null) {
          try {
            v = parseValue(text, types[c]);
          } catch (e) {
            if (e instanceof SqlError) e.where ??= `${where()}, column ${t.columns[c].name}: "${text}"`;
            throw e;
          }
        }
        if (v === null && notNull[c]) nullInNotNull = true;
        batch.setAt(c, i, v);
      }
      for (const c of missing) {
        if (defaults[c] === null && notNull[c]) nullInNotNull = true;
        batch.setAt(c, i, defaults[c]);
      }
      if (nullInNotNull) {
        try {
          checkNotNull(t, given.map((k, c) => (k < 0 ? defaults[c] : r.fields[k] === null ? null : parseValue(r.fields[k]!, types[c]))));
        } catch (e) {
          if (e instanceof SqlError) e.where ??= where();
          throw e;
        }
      }
    }
  };
  return {
    add,
    get count() {
      return count;
    },
  };
}

export function insert(cx: DmlContext, n: any): StatementResult {
  return runSync(insertWork(cx, n));
}

export function* insertWork(cx: DmlContext, n: any): Work<StatementResult> {
  if (n.withClause) throw unsupported('WITH in INSERT');
  const t = targetTable(cx, n.relation);
  const cols: number[] = n.cols?.length
    ? n.cols.map((c: any) => {
        const name = c.ResTarget.name;
        const i = t.columns.findIndex((x) => x.name === name);
        if (i < 0) throw new SqlError(SQLSTATE.UNDEFINED_COLUMN, `column "${name}" of relation "${t.name}" does not exist`, { position: at(c.ResTarget) });
        return i;
      })
    : t.columns.map((_, i) => i);
  if (new Set(cols).size !== cols.length) {
    throw new SqlError(SQLSTATE.DUPLICATE_COLUMN, `column "${t.columns[cols.find((c, i) => cols.indexOf(c) !== i)!].name}" specified more than once`);
  }
  const defaults = t.columns.map((c) => (c.default ? evalConstant(c.default) : null));
  const sel = n.selectStmt?.SelectStmt;
  let sourceRows: Row[];
  if (!sel) {
    // INSERT … DEFAULT VALUES
    sourceRows = [[]];
    cols.length = 0;
  } else if (sel.valuesLists && !sel.sortClause && !sel.limitCount) {
    const scope = Scope.empty();
    const lists = (sel.valuesLists as any[]).map((l) => l.List.items as any[]);
    // without a column list the values fill the leading columns; the rest take defaults
    if (!n.cols?.length) {
      if (lists.some((l) => l.length !== lists[0].length)) throw new SqlError(SQLSTATE.SYNTAX_ERROR, 'VALUES lists must all be the same length');
      if (lists[0].length < cols.length) cols.length = lists[0].length;
    }
    const width = cols.length;
    const bound = lists.map((items) => {
      if (items.length > width) throw new SqlError(SQLSTATE.SYNTAX_ERROR, 'INSERT has more expressions than target columns');
      if (items.length < width) throw new SqlError(SQLSTATE.SYNTAX_ERROR, 'INSERT has more target columns than expressions');
      return items.map((it, k) =>
        nodeTag(it) === 'SetToDefault' ? null : plainLiteral(it, t.columns[cols[k]].type) ?? assign(bindExprIn(it, scope, env(cx), 'VALUES'), t, cols[k], cx.params),
      );
    });
    const vals = cx.values();
    sourceRows = cx.describeOnly ? [] : bound.map((r) => r.map((e, k) => (e === null ? defaults[cols[k]] : evalConstant(e, vals))));
  } else {
    const plan = bindQuery(sel, { ...env(cx), keepUnknown: true });
    if (plan.schema.length > cols.length) throw new SqlError(SQLSTATE.SYNTAX_ERROR, 'INSERT has more expressions than target columns');
    if (!n.cols?.length && plan.schema.length < cols.length) cols.length = plan.schema.length;
    if (plan.schema.length < cols.length) throw new SqlError(SQLSTATE.SYNTAX_ERROR, 'INSERT has more target columns than expressions');
    const exprs = plan.schema.map((f, k) => assign({ kind: 'column', index: k, type: f.type }, t, cols[k], cx.params));
    const rows = cx.describeOnly ? [] : yield* readRows(cx, plan);
    const batch = batchFromRows(plan.schema.map((f) => f.type), rows);
    const fns = exprs.map((e) => compileExpr(e, cx.values()));
    sourceRows = new Array(rows.length);
    const tick = ticker();
    for (let i = 0; i < rows.length; i++) {
      sourceRows[i] = fns.map((f) => f(batch, i));
      if (tick()) yield;
    }
  }
  const conflict = n.onConflictClause ? onConflict(cx, t, n.onConflictClause) : null;
  if (!conflict && !n.returningList?.length && t.store.uniques.length === 0) {
    // nothing asks for the rows one by one (no key to check in row order): one batch, as db.insert makes
    yield* insertAsBatch(cx, t, cols, defaults, sourceRows);
    return { command: `INSERT 0 ${sourceRows.length}`, rowCount: sourceRows.length };
  }
  const inserted: Row[] = [];
  const tick = ticker();
  for (const src of sourceRows) {
    if (tick()) yield;
    const row: Row = defaults.slice();
    cols.forEach((c, k) => (row[c] = src[k]));
    checkNotNull(t, row);
    if (conflict) {
      const done = conflict.handle(row);
      if (done !== undefined) {
        if (done !== null) inserted.push(done);
        continue;
      }
      conflict.inserted(cx.txn.insert(t, row));
    } else cx.txn.insert(t, row);
    inserted.push(row);
  }
  return yield* withReturning(cx, t, n, inserted, { command: `INSERT 0 ${inserted.length}`, rowCount: inserted.length });
}

/** The statement's rows (`src[k]` for column cols[k], defaults elsewhere) as one batch of the transaction. */
function* insertAsBatch(cx: DmlContext, t: TableEntry, cols: number[], defaults: Value[], sourceRows: Row[]): Work<void> {
  const b = new BatchBuilder(t.store.types, sourceRows.length);
  b.reserve(sourceRows.length);
  const given = t.columns.map((_, c) => cols.indexOf(c));
  const notNull = t.columns.map((c) => c.notNull === true);
  const tick = ticker();
  for (let i = 0; i < sourceRows.length; i++) {
    if (tick()) yield;
    const src = sourceRows[i];
    for (let c = 0; c < given.length; c++) {
      const v = given[c] >= 0 ? src[given[c]] : defaults[c];
      // the first row breaking a NOT NULL raises, as the row-by-row insert would
      if (v === null && notNull[c]) checkNotNull(t, given.map((k, j) => (k >= 0 ? src[k] : defaults[j])));
      b.setAt(c, i, v);
    }
  }
  b.advance(sourceRows.length, 1);
  cx.txn.insertBatch(t, b.finish());
}

/**
 * ON CONFLICT: returns a handler that, for a proposed row, returns undefined (no conflict:
 * insert it), null (DO NOTHING, or an update its WHERE skipped) or the updated row.
 */
interface ConflictHandler {
  handle(row: Row): Row | null | undefined;
  /** A row this statement inserted (DO UPDATE may not then update it). */
  inserted(id: number): void;
}

function onConflict(cx: DmlContext, t: TableEntry, c: any): ConflictHandler {
  const infer = c.infer;
  if (infer?.conname) throw unsupported('ON CONFLICT ON CONSTRAINT');
  if (infer?.whereClause) throw unsupported('ON CONFLICT … WHERE on the conflict target');
  let uniques = t.store.uniques;
  if (infer?.indexElems?.length) {
    const cols = (infer.indexElems as any[]).map((e) => {
      const name = e.IndexElem?.name;
      const i = t.columns.findIndex((col) => col.name === name);
      if (i < 0) throw new SqlError(SQLSTATE.UNDEFINED_COLUMN, `column "${name}" does not exist`);
      return i;
    });
    uniques = uniques.filter((u) => u.cols.length === cols.length && u.cols.every((x) => cols.includes(x)));
    if (uniques.length === 0) {
      throw new SqlError(SQLSTATE.INVALID_COLUMN_REFERENCE, 'there is no unique or exclusion constraint matching the ON CONFLICT specification');
    }
  } else if (c.action === 'ONCONFLICT_UPDATE') {
    throw new SqlError(SQLSTATE.SYNTAX_ERROR, 'ON CONFLICT DO UPDATE requires inference specification or constraint name', {
      hint: 'For example, ON CONFLICT (column_name).',
    });
  }
  const existing = (row: Row) => {
    for (const u of uniques) {
      const key = u.keyOf(row);
      if (key === undefined) continue;
      const hit = cx.txn.rowsWithUniqueKey(t, u, key);
      if (hit.length) return hit[0];
    }
    return undefined;
  };
  if (c.action === 'ONCONFLICT_NOTHING') return { handle: (row) => (existing(row) ? null : undefined), inserted: () => {} };

  // DO UPDATE SET … [WHERE …]: expressions see the existing row and the proposed one as EXCLUDED
  const q: string = t.name;
  const cols = t.columns.map((col) => ({ name: col.name, type: col.type, nullable: !col.notNull }));
  const scope = new Scope([...cols.map((col) => ({ ...col, qualifier: q })), ...cols.map((col) => ({ ...col, qualifier: 'excluded', hidden: true }))]);
  const sets = (c.targetList as any[]).map((rt) => {
    const r = rt.ResTarget;
    if (r.indirection?.length || nodeTag(r.val) === 'MultiAssignRef') throw unsupported('this form of ON CONFLICT DO UPDATE SET');
    const col = t.columns.findIndex((x) => x.name === r.name);
    if (col < 0) throw new SqlError(SQLSTATE.UNDEFINED_COLUMN, `column "${r.name}" of relation "${t.name}" does not exist`);
    const e = nodeTag(r.val) === 'SetToDefault' ? t.columns[col].default ?? { kind: 'literal' as const, value: null, type: t.columns[col].type } : bindExprIn(r.val, scope, env(cx), 'ON CONFLICT DO UPDATE');
    return { col, fn: compileExpr(assign(e, t, col, cx.params), cx.values()) };
  });
  const where = c.whereClause ? compileQual(ordered(coerceBoolean(bindExprIn(c.whereClause, scope, env(cx), 'WHERE'), 'WHERE', cx.params)), cx.values()) : null;
  const types = [...t.store.types, ...t.store.types];
  const touched = new Set<number>();
  const handle = (row: Row): Row | null | undefined => {
    const old = existing(row);
    if (!old) return undefined;
    if (touched.has(old.id)) {
      throw new SqlError(SQLSTATE.CARDINALITY_VIOLATION, 'ON CONFLICT DO UPDATE command cannot affect row a second time', {
        hint: 'Ensure that no rows proposed for insertion within the same command have duplicate constrained values.',
      });
    }
    const pair = batchFromRows(types, [[...old.row, ...row]]);
    if (where && where(pair, 0) !== true) return null;
    const next = old.row.slice();
    for (const s of sets) next[s.col] = s.fn(pair, 0);
    checkNotNull(t, next);
    cx.txn.delete(t, old.id);
    cx.txn.insert(t, next);
    // the new version is what a later proposed row would conflict with
    const again = existing(next);
    if (again) touched.add(again.id);
    return next;
  };
  return { handle, inserted: (id) => touched.add(id) };
}

/**
 * Scope and candidate rows of the target table as the transaction sees them, for UPDATE and
 * DELETE. `WHERE pk = constant` reads the primary-key index instead of the whole table.
 */
function* targetRows(cx: DmlContext, t: TableEntry, n: any) {
  const q: string = n.relation.alias?.aliasname ?? t.name;
  const scope = new Scope(t.columns.map((c) => ({ qualifier: q, name: c.name, type: c.type, nullable: !c.notNull })));
  const pred = n.whereClause ? coerceBoolean(bindExprIn(n.whereClause, scope, env(cx), 'WHERE'), 'WHERE', cx.params) : null;
  const key = pred ? primaryKeyLookup(t, pred, cx.values()) : undefined;
  const visible = key === undefined ? yield* cx.txn.visibleRowsSteps(t) : cx.txn.rowsWithKey(t, key);
  const batch = batchFromRows(t.store.types, visible.map((v) => v.row));
  let where: ((i: number) => boolean) | null = null;
  if (pred) {
    // folded (errors included) and ordered as PostgreSQL plans a scan's quals
    const f = compileQual(ordered(foldConstants(pred)), cx.values());
    where = (i) => f(batch, i) === true;
  }
  return { scope, visible, batch, where };
}

/** The key value when the predicate includes `pk = <expression without columns>` (single-column keys). */
function primaryKeyLookup(t: TableEntry, pred: Expr, params: readonly Value[]): unknown {
  if (!t.primaryKey || t.primaryKey.length !== 1) return undefined;
  const pk = t.primaryKey[0];
  for (const c of conjuncts(pred)) {
    if (c.kind !== 'call' || c.args.length !== 2) continue;
    const [a, b] = c.args;
    const other = a.kind === 'column' && a.index === pk ? b : b.kind === 'column' && b.index === pk ? a : null;
    if (!other || columnsUsed(other).size > 0 || other.type.id !== t.columns[pk].type.id) continue;
    if (resolveOperator('=', a.type, b.type).impl.name !== c.fn) continue;
    const v = evalConstant(other, params);
    if (v === null) continue;
    const row: Value[] = t.columns.map(() => null);
    row[pk] = v;
    return t.store.pkOf(row);
  }
  return undefined;
}

export function update(cx: DmlContext, n: any): StatementResult {
  return runSync(updateWork(cx, n));
}

export function* updateWork(cx: DmlContext, n: any): Work<StatementResult> {
  if (n.withClause) throw unsupported('WITH in UPDATE');
  const t = targetTable(cx, n.relation, 'UPDATE');
  if (n.fromClause?.length) return yield* updateFrom(cx, t, n);
  const { scope, visible, batch, where } = yield* targetRows(cx, t, n);
  const sets = bindSets(cx, t, n, scope).map((s) => ({ col: s.col, fn: compileExpr(foldConstants(s.expr), cx.values()) }));
  const updated: Row[] = [];
  const tick = ticker();
  for (let i = 0; i < visible.length; i++) {
    if (tick()) yield;
    if (where && !where(i)) continue;
    const row = visible[i].row.slice();
    for (const s of sets) row[s.col] = s.fn(batch, i);
    updated.push(replaceRow(cx, t, visible[i].id, row));
  }
  return yield* withReturning(cx, t, n, updated, { command: `UPDATE ${updated.length}`, rowCount: updated.length });
}

/**
 * Replace one row by its new version, as PostgreSQL's UPDATE does row by row in scan order:
 * the new version is checked against the unique indexes when it is inserted, while the rows
 * not updated yet still hold their old keys (`UPDATE r SET id = id + 1` fails on rows 1, 2, 3
 * stored in that order, and succeeds on 3, 2, 1). The old version's own key is free.
 */
function replaceRow(cx: DmlContext, t: TableEntry, id: number, row: Row): Row {
  checkNotNull(t, row);
  cx.txn.delete(t, id);
  cx.txn.insert(t, row);
  return row;
}

/** UPDATE … FROM: each target row with a partner satisfying WHERE, updated from its first one. */
function* updateFrom(cx: DmlContext, t: TableEntry, n: any): Work<StatementResult> {
  const visible = yield* cx.txn.visibleRowsSteps(t);
  const hits = yield* joinedTargets(cx, t, n, n.fromClause, visible, (scope) => bindSets(cx, t, n, scope).map((s) => s.expr));
  const sets = bindSetColumns(t, n);
  const updated: Row[] = [];
  const tick = ticker();
  // in the target's scan order (PostgreSQL's follows its join plan; with the target scanned
  // first, as for small tables, it is the same)
  for (const [i, vals] of [...hits].sort((a, b) => a[0] - b[0])) {
    if (tick()) yield;
    const row = visible[i].row.slice();
    sets.forEach((col, k) => (row[col] = vals[k]));
    updated.push(replaceRow(cx, t, visible[i].id, row));
  }
  return yield* withReturning(cx, t, n, updated, { command: `UPDATE ${updated.length}`, rowCount: updated.length });
}

function bindSetColumns(t: TableEntry, n: any): number[] {
  return (n.targetList as any[]).map((rt) => {
    const r = rt.ResTarget;
    const col = t.columns.findIndex((c) => c.name === r.name);
    if (col < 0) throw new SqlError(SQLSTATE.UNDEFINED_COLUMN, `column "${r.name}" of relation "${t.name}" does not exist`, { position: at(r) });
    return col;
  });
}

/** The SET list: target column and the (assignment-coerced) expression for it. */
function bindSets(cx: DmlContext, t: TableEntry, n: any, scope: Scope): { col: number; expr: Expr }[] {
  const cols = bindSetColumns(t, n);
  return (n.targetList as any[]).map((rt, k) => {
    const r = rt.ResTarget;
    if (r.indirection?.length) throw unsupported('assignment to a subfield or array element');
    if (nodeTag(r.val) === 'MultiAssignRef') throw unsupported('multiple-column UPDATE');
    const col = cols[k];
    const e = nodeTag(r.val) === 'SetToDefault' ? t.columns[col].default ?? { kind: 'literal' as const, value: null, type: t.columns[col].type } : bindExprIn(r.val, scope, env(cx), 'UPDATE');
    return { col, expr: assign(e, t, col, cx.params) };
  });
}

/**
 * Target rows (by index into `visible`) that have a partner in the FROM/USING items with
 * WHERE true, each with `exprs` evaluated over the target row and its first partner.
 */
function* joinedTargets(cx: DmlContext, t: TableEntry, n: any, items: any[], visible: { id: number; row: Row }[], exprsOf: (scope: Scope) => Expr[]): Work<Map<number, Value[]>> {
  const q: string = n.relation.alias?.aliasname ?? t.name;
  const idType = T.int4;
  const targetTypes = [...t.store.types, idType];
  const target = batchFromRows(targetTypes, visible.map((v, i) => [...v.row, i]));
  const targetCols = [
    ...t.columns.map((c) => ({ qualifier: q, name: c.name, type: c.type, nullable: !c.notNull })),
    { qualifier: q, name: '?row', type: idType, nullable: false, hidden: true },
  ];
  const from = bindFromList(items, env(cx));
  if (from.columns.some((c) => c.qualifier === q)) throw new SqlError(SQLSTATE.DUPLICATE_ALIAS, `table name "${q}" specified more than once`);
  const scope = new Scope([...targetCols, ...from.columns]);
  const pred = n.whereClause ? coerceBoolean(bindExprIn(n.whereClause, scope, env(cx), 'WHERE'), 'WHERE', cx.params) : null;
  const exprs = exprsOf(scope);
  const fields = (cols: { name: string; type: SqlType; nullable: boolean }[]) => cols.map((c) => ({ name: c.name, type: c.type, nullable: c.nullable }));
  let plan: Plan = {
    kind: 'join',
    type: 'inner',
    left: { kind: 'scan', relation: '?target', relKind: 'table', schema: fields(targetCols) },
    right: from.plan,
    on: null,
    leftKeys: [],
    rightKeys: [],
    schema: fields([...targetCols, ...from.columns]),
  };
  if (pred) plan = { kind: 'filter', input: plan, predicate: pred, schema: plan.schema };
  const out: Expr[] = [{ kind: 'column', index: t.columns.length, type: idType }, ...exprs];
  plan = { kind: 'project', input: plan, exprs: out, schema: out.map((e, i) => ({ name: `c${i}`, type: e.type, nullable: true })) };
  const rows = cx.describeOnly ? [] : yield* readRows(cx, plan, new Map([['?target', target]]));
  const hits = new Map<number, Value[]>();
  for (const r of rows) if (!hits.has(r[0] as number)) hits.set(r[0] as number, r.slice(1));
  return hits;
}


export function del(cx: DmlContext, n: any): StatementResult {
  return runSync(deleteWork(cx, n));
}

export function* deleteWork(cx: DmlContext, n: any): Work<StatementResult> {
  if (n.withClause) throw unsupported('WITH in DELETE');
  const t = targetTable(cx, n.relation, 'DELETE');
  const tick = ticker();
  if (n.usingClause?.length) {
    // DELETE … USING: the target rows that have a partner with WHERE true
    const visible = yield* cx.txn.visibleRowsSteps(t);
    const hits = yield* joinedTargets(cx, t, n, n.usingClause, visible, () => []);
    const gone = [...hits.keys()].sort((a, b) => a - b).map((i) => visible[i]);
    for (const v of gone) {
      cx.txn.delete(t, v.id);
      if (tick()) yield;
    }
    return yield* withReturning(cx, t, n, gone.map((v) => v.row), { command: `DELETE ${gone.length}`, rowCount: gone.length });
  }
  const { visible, where } = yield* targetRows(cx, t, n);
  const deleted: Row[] = [];
  for (let i = 0; i < visible.length; i++) {
    if (tick()) yield;
    if (where && !where(i)) continue;
    cx.txn.delete(t, visible[i].id);
    deleted.push(visible[i].row);
  }
  return yield* withReturning(cx, t, n, deleted, { command: `DELETE ${deleted.length}`, rowCount: deleted.length });
}

/** RETURNING: the target list evaluated over the rows the statement inserted, updated or deleted. */
function* withReturning(cx: DmlContext, t: TableEntry, n: any, rows: Row[], result: StatementResult): Work<StatementResult> {
  const list: any[] = n.returningList ?? [];
  if (list.length === 0) return result;
  const q: string = n.relation.alias?.aliasname ?? t.name;
  const scope = new Scope(t.columns.map((c) => ({ qualifier: q, name: c.name, type: c.type, nullable: !c.notNull })));
  const exprs: Expr[] = [];
  const names: string[] = [];
  for (const item of list) {
    const rt = item.ResTarget;
    const cr = rt.val.ColumnRef;
    if (cr && nodeTag(cr.fields[cr.fields.length - 1]) === 'A_Star') {
      t.columns.forEach((c, i) => {
        exprs.push({ kind: 'column', index: i, type: c.type });
        names.push(c.name);
      });
      continue;
    }
    exprs.push(resolveUnknown(bindExprIn(rt.val, scope, env(cx), 'RETURNING'), cx.params));
    names.push(rt.name ?? figureName(rt.val));
  }
  const batch = batchFromRows(t.store.types, rows);
  const fns = exprs.map((e) => compileExpr(e, cx.values()));
  const out: Row[] = new Array(rows.length);
  const tick = ticker();
  for (let i = 0; i < rows.length; i++) {
    out[i] = fns.map((f) => f(batch, i));
    if (tick()) yield;
  }
  return { ...result, fields: exprs.map((e, i) => fieldInfo(names[i], e.type)), rows: out };
}

/** TRUNCATE: every row of the named tables goes, in this transaction. */
export function truncate(cx: DmlContext, n: any): StatementResult {
  for (const rel of n.relations as any[]) {
    const t = targetTable(cx, rel.RangeVar, 'TRUNCATE');
    for (const v of cx.txn.visibleRows(t)) cx.txn.delete(t, v.id);
  }
  return { command: 'TRUNCATE TABLE' };
}

/** 1-based position of a parse node in the query text, for errors. */
function at(node: { location?: number }): number | undefined {
  return node.location !== undefined && node.location >= 0 ? node.location + 1 : undefined;
}
