// Which column of a view closes its windows, for `WITH (emit = 'on_window_close')`: an output
// column that is, unchanged, the window_start or window_end of a TUMBLE/HOP over an append-only
// table with a watermark, which must be the only relation the view reads, without joins. Then every row a
// window's group produces is final once the watermark passes the window's end (late rows are
// dropped, and nothing else can change the group). Anything else is refused.

import { SqlError, SQLSTATE, unsupported } from '../errors.js';
import type { Catalog } from '../catalog/catalog.js';
import type { Plan, WindowTag } from './logical.js';

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
  for (let c = 0; c < plan.schema.length; c++) {
    const w = trace(plan, c);
    if (w && w.tag.table === table.name) return { col: c, endOffset: w.end ? 0n : w.tag.size, table: table.name };
  }
  throw unsupported("emit = 'on_window_close' on a view without the window_start or window_end of a TUMBLE or HOP (grouped by) among its columns,");
}

/** The relations p scans, into out; true if it joins (a join could change a closed window). */
function collectScans(p: Plan, out: Set<string>): boolean {
  if (p.kind === 'scan') out.add(p.relation);
  let joins = p.kind === 'join';
  for (const child of children(p)) joins = collectScans(child, out) || joins;
  return joins;
}

function children(p: Plan): Plan[] {
  const x = p as unknown as Record<string, unknown>;
  const out: Plan[] = [];
  for (const key of ['input', 'left', 'right']) if (x[key] && typeof x[key] === 'object') out.push(x[key] as Plan);
  if (Array.isArray(x.inputs)) out.push(...(x.inputs as Plan[]));
  return out;
}

/** Where output column c comes from, if it is a window column passed on unchanged. */
function trace(p: Plan, c: number): { tag: WindowTag; end: boolean } | null {
  switch (p.kind) {
    case 'project': {
      if (p.window && (c === p.window.startCol || c === p.window.endCol)) return { tag: p.window, end: c === p.window.endCol };
      const e = p.exprs[c];
      return e?.kind === 'column' ? trace(p.input, e.index) : null;
    }
    case 'filter':
    case 'distinct':
      return trace(p.input, c);
    case 'aggregate': {
      const e = c < p.groupBy.length ? p.groupBy[c] : undefined;
      return e?.kind === 'column' ? trace(p.input, e.index) : null;
    }
    case 'union': {
      const all = p.inputs.map((i) => trace(i, c));
      const first = all[0];
      return first && all.every((w) => w && w.tag.table === first.tag.table && w.tag.size === first.tag.size && w.end === first.end) ? first : null;
    }
    default:
      return null;
  }
}
