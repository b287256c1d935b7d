// CREATE TABLE / VIEW / MATERIALIZED VIEW and DROP.

import { emitOnCloseSpec, emitOption } from '../plan/emit_on_close.js';
import { DEFAULT_IDLE_MS, TableWatermark } from '../sources/watermark.js';
import { Interval } from '../expr/interval.js';
import type { CatalogEntry, ColumnDef, IndexEntry } from '../catalog/catalog.js';
import type { Transaction } from './transaction.js';
import type { Batch } from '../dataflow/batch.js';
import { inlineStaleViews } from './stale_views.js';
import { SqlError, SQLSTATE, unsupported } from '../errors.js';
import { type Expr, children } from '../expr/expr.js';
import { getFunctionImpl } from '../expr/functions/registry.js';
import type { Field, Plan } from '../plan/logical.js';
import { planChildren } from '../plan/logical.js';
import { optimize } from '../plan/optimizer.js';
import { mapPlanExprs } from '../plan/rules/walk.js';
import { CLOCK_FN, checkTemporalPlacement, markTemporalFilters, nowInViewError } from '../plan/temporal_filter.js';
import { bindExprIn, type BindEnv } from '../sql/bind_env.js';
import { bindTypeName } from '../sql/bind_expr.js';
import { isArrayType } from '../sql/types.js';
import { bindQuery } from '../sql/bind_select.js';
import { SYSTEM_RELATION_PREFIX } from '../sql/bind_from.js';
import { coerce, ParamTypes } from '../sql/coerce.js';
import { names, strVal } from '../sql/parser.js';
import { Scope } from '../sql/scope.js';
import { parseSql } from '../sql/parser.js';
import { keyText, type Engine } from './engine.js';
import type { StatementResult } from './statement.js';
import { runSync, type Work } from './work.js';
import { readTableOptions } from '../sources/options.js';
import { checkSourceOptions } from '../sources/attach.js';

export function createTable(engine: Engine, n: any, inTransaction = false): StatementResult {
  const rel = n.relation;
  const options = readTableOptions(n.options);
  checkSchema(rel);
  if (n.inhRelations?.length) throw unsupported('INHERITS');
  if (n.partspec) throw unsupported('partitioned tables');
  if (rel.relpersistence === 't') throw unsupported('temporary tables');
  const name: string = rel.relname;
  engine.catalog.checkLock(name);
  if (engine.catalog.has(name)) {
    if (n.if_not_exists) return { command: 'CREATE TABLE', notices: [`relation "${name}" already exists, skipping`] };
    throw new SqlError(SQLSTATE.DUPLICATE_TABLE, `relation "${name}" already exists`);
  }
  const columns: ColumnDef[] = [];
  let primaryKey: number[] | null = null;
  const setPk = (cols: number[]) => {
    if (primaryKey) throw new SqlError('42P16', `multiple primary keys for table "${name}" are not allowed`);
    primaryKey = cols;
  };
  const env: BindEnv = { catalog: engine.catalog, params: new ParamTypes(), ctes: new Map(), outer: null, dependencies: new Set() };
  const pendingPk: string[][] = [];
  const pendingUnique: { cols: string[]; name?: string }[] = [];
  for (const elt of n.tableElts ?? []) {
    if (elt.ColumnDef) {
      const cd = elt.ColumnDef;
      if (columns.some((c) => c.name === cd.colname)) {
        throw new SqlError(SQLSTATE.DUPLICATE_COLUMN, `column "${cd.colname}" specified more than once`);
      }
      const type = bindTypeName(cd.typeName);
      const col: ColumnDef = { name: cd.colname, type, notNull: false, default: null };
      for (const c of cd.constraints ?? []) {
        const con = c.Constraint;
        switch (con.contype) {
          case 'CONSTR_NOTNULL':
            col.notNull = true;
            break;
          case 'CONSTR_NULL':
            break;
          case 'CONSTR_PRIMARY':
            col.notNull = true;
            pendingPk.push([cd.colname]);
            break;
          case 'CONSTR_UNIQUE':
            pendingUnique.push({ cols: [cd.colname], name: con.conname });
            break;
          case 'CONSTR_DEFAULT': {
            const e = bindExprIn(con.raw_expr, Scope.empty(), env, 'DEFAULT expressions');
            col.default = coerce(e, type, 'assignment', env.params);
            break;
          }
          default:
            throw unsupported(`${String(con.contype).replace('CONSTR_', '')} constraints`);
        }
      }
      columns.push(col);
    } else if (elt.Constraint) {
      const con = elt.Constraint;
      if (con.contype === 'CONSTR_PRIMARY') pendingPk.push(names(con.keys));
      else if (con.contype === 'CONSTR_UNIQUE') pendingUnique.push({ cols: names(con.keys), name: con.conname });
      else throw unsupported(`${String(con.contype).replace('CONSTR_', '')} constraints`);
    } else {
      throw unsupported('this table element');
    }
  }
  for (const keyNames of pendingPk) {
    setPk(
      keyNames.map((k) => {
        const i = columns.findIndex((c) => c.name === k);
        if (i < 0) throw new SqlError(SQLSTATE.UNDEFINED_COLUMN, `column "${k}" named in key does not exist`);
        columns[i].notNull = true;
        return i;
      }),
    );
  }
  const colIndex = (k: string) => {
    const i = columns.findIndex((c) => c.name === k);
    if (i < 0) throw new SqlError(SQLSTATE.UNDEFINED_COLUMN, `column "${k}" named in key does not exist`);
    return i;
  };
  const uniques = pendingUnique.map((u) => ({ name: u.name ?? `${name}_${u.cols.join('_')}_key`, cols: u.cols.map(colIndex) }));
  if (options.appendOnly && (primaryKey || uniques.length > 0)) {
    throw new SqlError(SQLSTATE.FEATURE_NOT_SUPPORTED, `append-only table "${name}" cannot have a PRIMARY KEY or UNIQUE constraint`, {
      detail: 'It keeps no rows to check keys against.',
    });
  }
  let startSource = null;
  if (options.connector) {
    // a consumer cannot be rolled back, so a source is created on its own (as CREATE DATABASE is)
    if (inTransaction) throw new SqlError(SQLSTATE.ACTIVE_SQL_TRANSACTION, 'CREATE TABLE with a connector cannot run inside a transaction block');
    startSource = checkSourceOptions(name, columns, primaryKey, options);
  }
  let watermark: TableWatermark | undefined;
  if (options.watermark !== null) {
    if (!options.appendOnly) throw unsupported('a watermark on a table that is not append-only (add append_only = true)');
    const parsed = parseSql(`SELECT ${options.watermark}`);
    const select = parsed.length === 1 ? parsed[0].node.SelectStmt : undefined;
    const target = select?.targetList;
    if (!target || target.length !== 1 || select.fromClause) throw new SqlError(SQLSTATE.INVALID_PARAMETER_VALUE, `invalid watermark "${options.watermark}": it must be one expression`);
    const scope = new Scope(columns.map((c) => ({ qualifier: name, name: c.name, type: c.type, nullable: !c.notNull })));
    watermark = TableWatermark.of(bindExprIn(target[0].ResTarget.val, scope, env, 'a watermark'), columns, options.watermark, options.connector === 'kafka' ? idleTimeoutMs(options.watermarkIdleTimeout) : null);
  }
  if (options.watermarkIdleTimeout !== null && options.connector !== 'kafka') {
    throw new SqlError(SQLSTATE.INVALID_PARAMETER_VALUE, 'watermark_idle_timeout applies only to a table fed by a Kafka topic', { hint: 'Its partitions have watermarks of their own; other tables have one.' });
  }
  if (options.watermarkIdleTimeout !== null && options.watermark === null) throw new SqlError(SQLSTATE.INVALID_PARAMETER_VALUE, 'watermark_idle_timeout needs a watermark');
  const table = engine.addTable({ kind: 'table', name, columns, primaryKey, appendOnly: options.appendOnly, watermark }, !options.connector);
  for (const u of uniques) table.store.addUnique(u.name, u.cols);
  if (startSource) engine.startFeed(() => startSource(engine, table));
  return { command: 'CREATE TABLE' };
}

/** `watermark_idle_timeout`: an interval of days and time, above zero, in milliseconds (default DEFAULT_IDLE_MS). */
function idleTimeoutMs(text: string | null): number {
  if (text === null) return DEFAULT_IDLE_MS;
  let iv: Interval | null = null;
  try {
    iv = Interval.parse(text);
  } catch {
    // refused below
  }
  const ms = iv && iv.months === 0 ? iv.days * 86_400_000 + Number(iv.micros) / 1000 : NaN;
  if (!(ms > 0)) throw new SqlError(SQLSTATE.INVALID_PARAMETER_VALUE, `invalid value for option "watermark_idle_timeout": "${text}"`, { hint: "Give an interval above zero, such as '10 seconds'." });
  return ms;
}

function checkSchema(rel: any) {
  if (rel.schemaname && rel.schemaname !== 'public') {
    throw new SqlError(SQLSTATE.INVALID_SCHEMA_NAME, `schema "${rel.schemaname}" does not exist`);
  }
}

/** Bind a view's defining query: plan, output columns (with aliases) and dependencies. */
function bindViewQuery(engine: Engine, query: any, aliases: string[]): { plan: Plan; columns: Field[]; deps: string[] } {
  const env: BindEnv = { catalog: engine.catalog, params: new ParamTypes(), ctes: new Map(), outer: null, dependencies: new Set() };
  let plan = bindQuery(query, env);
  if ([...env.dependencies].some((d) => d.startsWith(SYSTEM_RELATION_PREFIX))) {
    throw unsupported('system catalogs in a view (they are not incremental inputs)');
  }
  if (env.params.types.length > 0) throw new SqlError(SQLSTATE.UNDEFINED_PARAMETER, 'there is no parameter $1');
  if (aliases.length > plan.schema.length) {
    throw new SqlError(SQLSTATE.SYNTAX_ERROR, 'CREATE VIEW specifies more column names than columns');
  }
  const columns = plan.schema.map((f, i) => ({ ...f, name: aliases[i] ?? f.name }));
  const seen = new Set<string>();
  for (const c of columns) {
    if (seen.has(c.name)) throw new SqlError(SQLSTATE.DUPLICATE_COLUMN, `column "${c.name}" specified more than once`);
    seen.add(c.name);
  }
  plan = { ...plan, schema: columns } as Plan;
  return { plan, columns, deps: [...env.dependencies] };
}

export function createView(engine: Engine, n: any, sql: string): StatementResult {
  checkSchema(n.view);
  const name: string = n.view.relname;
  engine.catalog.checkLock(name);
  if (n.replace) throw unsupported('CREATE OR REPLACE VIEW');
  if (n.view.relpersistence === 't') throw unsupported('temporary views');
  if (engine.catalog.has(name)) throw new SqlError(SQLSTATE.DUPLICATE_TABLE, `relation "${name}" already exists`);
  const { plan, columns, deps } = bindViewQuery(engine, n.query.SelectStmt, (n.aliases ?? []).map(strVal));
  engine.catalog.add({ kind: 'view', name, oid: engine.catalog.allocOid(), columns, plan, sql, dependsOn: deps });
  return { command: 'CREATE VIEW' };
}

/** CREATE TABLE … AS SELECT: a table with the query's columns, filled with its rows. */
export function createTableAs(engine: Engine, n: any, txn?: Transaction): StatementResult {
  return runSync(createTableAsWork(engine, n, false, txn));
}

/**
 * createTableAs as a Work; `chunked`: its query is read in chunks (the statement runs in
 * slices); `txn`: the transaction it is part of, whose view of the tables the query reads.
 */
export function* createTableAsWork(engine: Engine, n: any, chunked: boolean, txn?: Transaction): Work<StatementResult> {
  const into = n.into;
  checkSchema(into.rel);
  const name: string = into.rel.relname;
  engine.catalog.checkLock(name);
  if (into.rel.relpersistence === 't') throw unsupported('temporary tables');
  if (engine.catalog.has(name)) {
    if (n.if_not_exists) return { command: 'SELECT 0', notices: [`relation "${name}" already exists, skipping`] };
    throw new SqlError(SQLSTATE.DUPLICATE_TABLE, `relation "${name}" already exists`);
  }
  const { plan, columns } = bindViewQuery(engine, n.query.SelectStmt, (into.colNames ?? []).map(strVal));
  const query = optimize(txn ? inlineStaleViews(engine, plan, txn) : plan);
  const rows = into.skipData ? [] : (yield* engine.readWork(query, [], txn ?? { contents: (t) => t.store.scan() }, { chunked }))!;
  // another session may have taken the name while the query ran in slices
  if (engine.catalog.has(name)) throw new SqlError(SQLSTATE.DUPLICATE_TABLE, `relation "${name}" already exists`);
  const table = engine.addTable({
    kind: 'table',
    name,
    columns: columns.map((c) => ({ name: c.name, type: c.type, notNull: false, default: null })),
    primaryKey: null,
  });
  // the rows commit with the statement's transaction (and the log records them with the table)
  if (txn) for (const row of rows) txn.insert(table, row);
  else if (rows.length) engine.commit(new Map([[table, { deletes: [], inserts: rows }]]));
  return { command: `SELECT ${rows.length}`, rowCount: rows.length };
}

export function createMaterializedView(engine: Engine, n: any, sql: string, txn?: Transaction): StatementResult {
  return runSync(createMaterializedViewWork(engine, n, sql, false, txn));
}

/**
 * createMaterializedView as a Work; `sliced`: hydrate a view over big inputs in slices; `txn`:
 * the transaction it is part of (its command tag counts the rows that transaction sees).
 */
export function* createMaterializedViewWork(engine: Engine, n: any, sql: string, sliced: boolean, txn?: Transaction): Work<StatementResult> {
  const into = n.into;
  checkSchema(into.rel);
  const name: string = into.rel.relname;
  engine.catalog.checkLock(name);
  if (into.skipData) throw unsupported('WITH NO DATA');
  const emit = emitOption(into.options);
  if (engine.catalog.has(name)) {
    if (n.if_not_exists) return { command: 'SELECT 0', notices: [`relation "${name}" already exists, skipping`] };
    throw new SqlError(SQLSTATE.DUPLICATE_TABLE, `relation "${name}" already exists`);
  }
  const bound = bindViewQuery(engine, n.query.SelectStmt, (into.colNames ?? []).map(strVal));
  const { columns, deps } = bound;
  const plan = markTemporalFilters(bound.plan);
  checkMaintainable(plan);
  const optimized = optimizeView(plan, columns);
  const entry = { kind: 'materialized view' as const, name, columns, plan: optimized, sql, dependsOn: deps, emit: emit ? emitOnCloseSpec(plan, engine.catalog) : undefined };
  const mv = sliced ? yield* engine.addMaterializedViewWork(entry) : engine.addMaterializedView(entry);
  // the view holds committed data; a transaction with its own changes under it sees its query's rows
  const seen = txn && (txn.hasWrites || txn.snapshot !== null) ? engine.read(optimize(inlineStaleViews(engine, plan, txn)), [], txn).length : null;
  return { command: `SELECT ${seen ?? rowCount(mv.output.snapshot()!)}` };
}

/** Rows of a batch, duplicates counted (its weights). */
function rowCount(b: Batch): number {
  let n = 0;
  for (let i = 0; i < b.length; i++) n += b.weights[i];
  return n;
}

/**
 * The maintainable plan of a query that is kept up to date without being a catalog object
 * (SUBSCRIBE to a query): the same binding and checks as a materialized view.
 */
export function bindMaintainedQuery(engine: Engine, query: any): { plan: Plan; deps: string[] } {
  const bound = bindViewQuery(engine, query, []);
  const plan = markTemporalFilters(bound.plan);
  checkMaintainable(plan);
  return { plan: optimizeView(plan, bound.columns), deps: bound.deps };
}

/** Refuse what a view cannot maintain incrementally (yet), naming the construct. */
function checkMaintainable(p: Plan): void {
  // array values flowing through the dataflow (keys, ordering, accumulators) are untested; array
  // expressions that yield scalars (x = ANY(ARRAY[…])) are fine
  if (p.schema.some((f) => isArrayType(f.type))) throw unsupported('arrays in a materialized view');
  mapPlanExprs(p, (e) => {
    checkVolatile(e);
    return e;
  });
  for (const c of planChildren(p)) checkMaintainable(c);
}

/** A view's optimized plan, its temporal filters where a dataflow can follow the clock. */
function optimizeView(plan: Plan, columns: Field[]): Plan {
  const optimized = { ...optimize(plan), schema: columns } as Plan;
  checkTemporalPlacement(optimized);
  return optimized;
}

function checkVolatile(e: Expr): void {
  // mz_now(): a temporal filter's, checked once the plan is optimized
  if (e.kind === 'call' && (e.fn === 'now' || e.fn === 'localtimestamp')) throw nowInViewError(getFunctionImpl(e.fn).name);
  if (e.kind === 'call' && e.fn !== CLOCK_FN && getFunctionImpl(e.fn).volatile) {
    throw unsupported(`volatile function ${getFunctionImpl(e.fn).name}() in a materialized view`);
  }
  children(e).forEach(checkVolatile);
}

export function createIndex(engine: Engine, n: any): StatementResult {
  // An index changes no result. On plain columns it serves reads (index_read.ts); on
  // expressions it is only recorded, for catalogs and tools. UNIQUE is a constraint,
  // enforced by the table's store.
  checkSchema(n.relation);
  const rel = engine.catalog.resolve(n.relation.relname);
  if (n.unique && rel.kind !== 'table') throw unsupported('UNIQUE indexes on views');
  if (rel.kind === 'table' && rel.appendOnly) {
    throw new SqlError(SQLSTATE.FEATURE_NOT_SUPPORTED, `cannot create index on append-only table "${rel.name}"`, { detail: 'It keeps no rows to index.' });
  }
  if (n.unique && n.indexParams.some((p: any) => p.IndexElem?.name === undefined)) throw unsupported('UNIQUE indexes on expressions');
  if (n.whereClause) throw unsupported('partial indexes');
  if (rel.kind === 'view') throw new SqlError(SQLSTATE.WRONG_OBJECT_TYPE, `cannot create index on relation "${rel.name}"`, { detail: 'This operation is not supported for views.' });
  const columns = ((n.indexParams ?? []) as any[]).map((p) => {
    const name: string | undefined = p.IndexElem?.name;
    if (name !== undefined && !rel.columns.some((c) => c.name === name)) {
      throw new SqlError(SQLSTATE.UNDEFINED_COLUMN, `column "${name}" does not exist`);
    }
    return name ?? '(expression)';
  });
  let name: string = n.idxname ?? `${rel.name}_${columns.filter((c) => c !== '(expression)').join('_') || 'expr'}_idx`;
  if (!n.idxname) for (let k = 1; engine.catalog.has(name) || engine.catalog.indexes.has(name); k++) name = `${rel.name}_${columns.join('_')}_idx${k}`;
  engine.catalog.checkLock(name);
  if (engine.catalog.has(name) || engine.catalog.indexes.has(name)) {
    if (n.if_not_exists) return { command: 'CREATE INDEX', notices: [`relation "${name}" already exists, skipping`] };
    throw new SqlError(SQLSTATE.DUPLICATE_TABLE, `relation "${name}" already exists`);
  }
  if (n.unique && rel.kind === 'table') {
    const cols = columns.map((c) => rel.columns.findIndex((x) => x.name === c));
    const dup = rel.store.addUnique(name, cols);
    if (dup) {
      throw new SqlError(SQLSTATE.UNIQUE_VIOLATION, `could not create unique index "${name}"`, {
        detail: `Key (${keyText(rel, cols, dup.duplicate)}) is duplicated.`,
      });
    }
  }
  // plain column indexes serve reads: an ordered index on a table, an arrangement on a view
  const cols = columns.map((c) => rel.columns.findIndex((x) => x.name === c));
  if (!cols.includes(-1)) {
    if (rel.kind === 'table' && !n.unique) rel.store.addOrdered(name, cols);
    else if (rel.kind === 'materialized view') engine.addViewIndex(name, rel, cols);
  }
  engine.catalog.indexes.set(name, { name, oid: engine.catalog.allocOid(), relation: rel.name, columns, unique: !!n.unique });
  engine.catalog.changed(); // access paths may change
  return { command: 'CREATE INDEX' };
}

function dropIndexes(engine: Engine, n: any, onDropped?: (ix: IndexEntry) => void): StatementResult & { dropped: string[] } {
  const notices: string[] = [];
  for (const obj of n.objects as any[]) {
    const parts = names(obj.List?.items ?? []);
    const name = parts[parts.length - 1];
    engine.catalog.checkLock(name);
    const relation = engine.catalog.indexes.get(name)?.relation;
    if (relation !== undefined) engine.catalog.checkLock(relation);
    const ix = removeIndex(engine, name);
    if (ix) onDropped?.(ix);
    else {
      if (engine.catalog.has(name)) throw new SqlError(SQLSTATE.WRONG_OBJECT_TYPE, `"${name}" is not an index`, { hint: 'Use DROP TABLE to remove a table.' });
      if (n.missing_ok) notices.push(`index "${name}" does not exist, skipping`);
      else throw new SqlError(SQLSTATE.UNDEFINED_OBJECT, `index "${name}" does not exist`);
    }
  }
  return { command: 'DROP INDEX', notices, dropped: [] };
}

/** Remove an index (its entry and what serves reads through it); returns it, if it existed. */
export function removeIndex(engine: Engine, name: string): IndexEntry | undefined {
  const ix = engine.catalog.indexes.get(name);
  if (!ix) return undefined;
  const rel = engine.catalog.get(ix.relation);
  if (rel?.kind === 'table') {
    if (ix.unique) rel.store.dropUnique(name);
    else rel.store.dropOrdered(name);
  }
  engine.catalog.indexes.delete(name);
  engine.catalog.changed();
  engine.dropViewIndex(name);
  return ix;
}

/** Put a removed index back (a DROP INDEX rolled back; its table was held meanwhile). */
export function restoreIndex(engine: Engine, ix: IndexEntry): void {
  const rel = engine.catalog.get(ix.relation);
  if (!rel) return;
  const cols = ix.columns.map((c) => rel.columns.findIndex((x) => x.name === c));
  if (!cols.includes(-1)) {
    if (rel.kind === 'table') {
      if (ix.unique) rel.store.addUnique(ix.name, cols);
      else rel.store.addOrdered(ix.name, cols);
    } else if (rel.kind === 'materialized view') engine.addViewIndex(ix.name, rel, cols);
  }
  engine.catalog.indexes.set(ix.name, ix);
  engine.catalog.changed();
}

const DROP_KIND: Record<string, { kind: string; word: string }> = {
  OBJECT_TABLE: { kind: 'table', word: 'TABLE' },
  OBJECT_VIEW: { kind: 'view', word: 'VIEW' },
  OBJECT_MATVIEW: { kind: 'materialized view', word: 'MATERIALIZED VIEW' },
};

/** How DROP removes a relation (and its dependents): at once, or undoably inside a transaction. */
export interface Dropper {
  relation(name: string, cascade: boolean): CatalogEntry[];
  index?(ix: IndexEntry): void;
}

export function drop(engine: Engine, n: any, dropper: Dropper = { relation: (name, cascade) => engine.drop(name, cascade) }): StatementResult & { dropped: string[] } {
  if (n.removeType === 'OBJECT_INDEX') return dropIndexes(engine, n, dropper.index);
  const k = DROP_KIND[n.removeType];
  if (!k) throw unsupported(`DROP ${String(n.removeType).replace('OBJECT_', '')}`);
  const notices: string[] = [];
  const dropped: string[] = [];
  // every name is checked before anything is dropped: a DROP that fails drops nothing
  const present: string[] = [];
  for (const obj of n.objects as any[]) {
    const parts = names(obj.List?.items ?? []);
    const name = parts[parts.length - 1];
    if (parts.length > 1 && parts[0] !== 'public') throw new SqlError(SQLSTATE.INVALID_SCHEMA_NAME, `schema "${parts[0]}" does not exist`);
    engine.catalog.checkLock(name);
    for (const d of engine.catalog.get(name) ? engine.catalog.dropOrder(name) : []) engine.catalog.checkLock(d.name);
    const e = engine.catalog.get(name);
    if (!e) {
      if (n.missing_ok) {
        notices.push(`${k.kind} "${name}" does not exist, skipping`);
        continue;
      }
      throw new SqlError(SQLSTATE.UNDEFINED_TABLE, `${k.kind} "${name}" does not exist`);
    }
    if (e.kind !== k.kind) {
      const hint = e.kind === 'table' ? 'DROP TABLE' : e.kind === 'view' ? 'DROP VIEW' : 'DROP MATERIALIZED VIEW';
      throw new SqlError(SQLSTATE.WRONG_OBJECT_TYPE, `"${name}" is not a ${k.kind}`, { hint: `Use ${hint} to remove a ${e.kind}.` });
    }
    present.push(name);
  }
  for (const name of present) {
    // dropped already, as a dependent of an earlier name (CASCADE)
    if (!engine.catalog.get(name)) continue;
    const gone = dropper.relation(name, n.behavior === 'DROP_CASCADE');
    for (const g of gone.slice(0, -1)) notices.push(`drop cascades to ${g.kind} ${g.name}`);
    dropped.push(...gone.map((g) => g.name));
  }
  return { command: `DROP ${k.word}`, notices, dropped };
}
