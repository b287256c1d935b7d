// Which column of a view closes its windows, for `WITH (emit = 'on_window_close')`: an output
// column that is, unchanged, the window_start or window_end of a TUMBLE/HOP, or a date_bin or
// date_trunc (of a unit of fixed length), of the watermark's column of an append-only table,
// which must be the only relation the view reads, without joins. Then every row a window's
// group produces is final once the watermark passes the window's end (late rows are dropped,
// and nothing else can change the group). Anything else is refused.

import { SqlError, SQLSTATE, unsupported } from '../errors.js';
import type { Catalog } from '../catalog/catalog.js';
import { planChildren, type Plan } from './logical.js';
import type { Expr } from '../expr/expr.js';
import type { Interval } from '../expr/interval.js';

export interface EmitOnClose {
  /** The output column holding the window's start or end. */
  col: number;
  /** Added to that column's value: the window's end (0 for window_end, the size for window_start). */
  endOffset: bigint;
  /** The table whose watermark closes the windows. */
  table: string;
}

/** The `emit` option of CREATE MATERIALIZED VIEW … WITH (…); null when absent. */
export function emitOption(options: readonly any[] | undefined): 'on_window_close' | null {
  let emit: 'on_window_close' | null = null;
  for (const node of options ?? []) {
    const d = node.DefElem;
    const name = d.defnamespace ? `${d.defnamespace}.${d.defname}` : String(d.defname);
    if (name !== 'emit') throw unsupported(`the option "${name}" on materialized views`);
    const value = d.arg?.String?.sval ?? d.arg?.TypeName?.names?.map((n: any) => n.String.sval).join('.');
    if (value !== 'on_window_close' && value !== 'on_update') {
      throw new SqlError(SQLSTATE.INVALID_PARAMETER_VALUE, `invalid value for option "emit": "${value ?? ''}"`, { hint: 'Valid values are "on_update" (the default) and "on_window_close".' });
    }
    emit = value === 'on_window_close' ? value : null;
  }
  return emit;
}

export function emitOnCloseSpec(plan: Plan, catalog: Catalog): EmitOnClose {
  const scans = new Set<string>();
  const joins = collectScans(plan, scans);
  const table = scans.size === 1 ? catalog.get([...scans][0]) : undefined;
  if (joins || !table || table.kind !== 'table' || !table.watermark) {
    throw unsupported("emit = 'on_window_close' over anything but one append-only table with a watermark, without joins,");
  }
  const timeCol = table.watermark.col;
  for (let c = 0; c < plan.schema.length; c++) {
    const w = trace(plan, c);
    // windows of the column the watermark is on (another column's windows would close at random)
    if (w?.kind === 'window' && w.table === table.name && w.timeCol === timeCol) return { col: c, endOffset: w.endOffset, table: table.name };
  }
  for (let c = 0; c < plan.schema.length; c++) {
    const w = trace(plan, c, true);
    if (w?.kind === 'window' && w.table === table.name && w.timeCol === timeCol) {
      throw unsupported(
        "emit = 'on_window_close' on a view whose LIMIT or window function spans windows (rows of a later window could still push out or change a closed window's rows; a ranking partitioned by the window column is accepted),",
      );
    }
  }
  throw unsupported(
    "emit = 'on_window_close' on a view without a window of the watermark's column among its columns (the window_start or window_end of a TUMBLE or HOP, or a date_bin or date_trunc of it),",
  );
}

/**
 * An expression over p's output as a window of an append-only table's watermark column: its end (the
 * value plus `endOffset`) is closed once that table's watermark passes it. Null otherwise.
 */
export function windowOfExpr(p: Plan, e: Expr, catalog: Catalog): { endOffset: bigint; table: string } | null {
  const w = e.kind === 'column' ? trace(p, e.index) : binOf(e, (x) => (x.kind === 'column' ? trace(p, x.index) : null));
  if (w?.kind !== 'window') return null;
  const t = catalog.get(w.table);
  if (t?.kind !== 'table' || !t.appendOnly || !t.watermark || t.watermark.col !== w.timeCol) return null;
  return { endOffset: w.endOffset, table: w.table };
}

/**
 * The group column of an aggregate (or DISTINCT) that is a window closed by a watermark: it reads
 * one append-only table with a watermark, without joins (which could bring a row for a closed
 * window from elsewhere), and groups by a window of the watermark's column. Null otherwise.
 */
export function closingGroupColumn(p: Extract<Plan, { kind: 'aggregate' | 'distinct' }>, catalog: Catalog): { col: number; endOffset: bigint; table: string } | null {
  // DISTINCT groups by every column
  const groupBy: Expr[] = p.kind === 'aggregate' ? p.groupBy : p.schema.map((f, i) => ({ kind: 'column', index: i, type: f.type }));
  const k = closingKey(p.input, groupBy, catalog);
  return k && { col: k.key, endOffset: k.endOffset, table: k.table };
}

/**
 * The same for a top-k: a partition key that is a column of its rows (so of its output too) and
 * a window closed by a watermark, under the same conditions. Null otherwise.
 */
export function closingPartitionColumn(input: Plan, partitionBy: readonly Expr[], catalog: Catalog): { col: number; endOffset: bigint; table: string } | null {
  const columns = partitionBy.filter((e): e is Extract<Expr, { kind: 'column' }> => e.kind === 'column');
  const k = closingKey(input, columns, catalog);
  return k && { col: columns[k.key].index, endOffset: k.endOffset, table: k.table };
}

/** The first of keys (over input) that is a window of a watermark's column, when input reads only that table, without joins. */
function closingKey(input: Plan, keys: readonly Expr[], catalog: Catalog): { key: number; endOffset: bigint; table: string } | null {
  const scans = new Set<string>();
  if (collectScans(input, scans) || scans.size !== 1) return null;
  const [table] = scans;
  for (let k = 0; k < keys.length; k++) {
    const w = windowOfExpr(input, keys[k], catalog);
    if (w?.table === table) return { key: k, endOffset: w.endOffset, table };
  }
  return null;
}

/** The relations p scans, into out; true if it joins (a join could change a closed window). */
function collectScans(p: Plan, out: Set<string>): boolean {
  if (p.kind === 'scan') out.add(p.relation);
  let joins = p.kind === 'join';
  for (const child of planChildren(p)) joins = collectScans(child, out) || joins;
  return joins;
}

/** What an output column is: a table's column, or a window (its end at value + endOffset) of one. */
type Lineage = { kind: 'column'; table: string; col: number } | { kind: 'window'; table: string; timeCol: number; endOffset: bigint };

const SECOND = 1_000_000n;
/** date_trunc units whose bins have one length in absolute time (for timestamptz: in every time zone). */
const TRUNC_UNITS: Record<string, { usecs: bigint; tz: boolean }> = {
  microseconds: { usecs: 1n, tz: true },
  milliseconds: { usecs: 1000n, tz: true },
  second: { usecs: SECOND, tz: true },
  minute: { usecs: 60n * SECOND, tz: true },
  hour: { usecs: 3600n * SECOND, tz: false },
  day: { usecs: 86400n * SECOND, tz: false },
  week: { usecs: 7n * 86400n * SECOND, tz: false },
};

/** acrossRanks: look through a LIMIT or a window function that spans windows too (to name them in a refusal). */
function trace(p: Plan, c: number, acrossRanks = false): Lineage | null {
  switch (p.kind) {
    case 'scan':
      return { kind: 'column', table: p.relation, col: c };
    case 'project': {
      if (p.window?.table && (c === p.window.startCol || c === p.window.endCol)) {
        return { kind: 'window', table: p.window.table, timeCol: p.window.timeCol, endOffset: c === p.window.endCol ? 0n : p.window.size };
      }
      const e = p.exprs[c];
      if (e?.kind === 'column') return trace(p.input, e.index, acrossRanks);
      return e ? binOf(e, (x) => (x.kind === 'column' ? trace(p.input, x.index, acrossRanks) : null)) : null;
    }
    case 'limit':
      return acrossRanks ? trace(p.input, c, true) : null;
    case 'filter':
    case 'distinct':
    case 'sort': // the order DISTINCT ON needs; no LIMIT here (a limit traces to nothing)
      return trace(p.input, c, acrossRanks);
    case 'window':
      // a top-k's rows are final once their window closes only when the window is a partition
      // key of every window function (rows of other windows never push them out)
      if (c >= p.input.schema.length) return null;
      if (!acrossRanks && !p.calls.every((w) => w.partitionBy.some((e) => e.kind === 'column' && e.index === c))) return null;
      return trace(p.input, c, acrossRanks);
    case 'aggregate': {
      const e = c < p.groupBy.length ? p.groupBy[c] : undefined;
      if (e?.kind === 'column') return trace(p.input, e.index, acrossRanks);
      return e ? binOf(e, (x) => (x.kind === 'column' ? trace(p.input, x.index, acrossRanks) : null)) : null;
    }
    case 'union': {
      const all = p.inputs.map((i) => trace(i, c, acrossRanks));
      const first = all[0];
      return first && all.every((w) => w !== null && JSON.stringify(w, big) === JSON.stringify(first, big)) ? first : null;
    }
    default:
      return null;
  }
}

const big = (_: string, v: unknown) => (typeof v === 'bigint' ? String(v) : v);

/** date_bin(constant stride, time, constant origin) or date_trunc(constant unit, time) of a table's column: a window of it. */
function binOf(e: Expr, traceArg: (x: Expr) => Lineage | null): Lineage | null {
  if (e.kind !== 'call') return null;
  const [a, x, origin] = e.args;
  const source = x ? traceArg(x) : null;
  if (source?.kind !== 'column' || a.kind !== 'literal' || a.value === null) return null;
  if ((e.fn === 'timestamp_bin' || e.fn === 'timestamptz_bin') && origin?.kind === 'literal' && origin.value !== null) {
    const stride = a.value as Interval;
    const usecs = BigInt(stride.days) * 86_400_000_000n + stride.micros;
    if (stride.months !== 0 || usecs <= 0n) return null;
    return { kind: 'window', table: source.table, timeCol: source.col, endOffset: usecs };
  }
  if (e.fn === 'timestamp_trunc' || e.fn === 'timestamptz_trunc') {
    const unit = TRUNC_UNITS[String(a.value).toLowerCase()];
    if (!unit || (e.fn === 'timestamptz_trunc' && !unit.tz)) return null;
    return { kind: 'window', table: source.table, timeCol: source.col, endOffset: unit.usecs };
  }
  return null;
}
