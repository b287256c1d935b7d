// tributary_catalog: Tributary's own system relations (not PostgreSQL's). They are reached only
// by their qualified names and, like pg_catalog's, are read as a snapshot when a query is
// bound. They are not listed in pg_class/pg_namespace, so psql's and BI tools' catalog
// queries see exactly what PostgreSQL would show.

import { T, type SqlType } from '../../sql/types.js';
import type { Value } from '../../expr/value.js';
import type { CatalogInfo } from './info.js';

export const TRIBUTARY_CATALOG = 'tributary_catalog';

type Col = [string, SqlType];

/** One row per source and partition (a generator has partition 0; a Kafka source before it learns its partitions, NULL). */
export const SOURCE_COLUMNS: Col[] = [
  ['name', T.text], ['connector', T.text], ['topic', T.text], ['partition', T.int4], ['state', T.text],
  ['next_offset', T.int8], ['high_watermark', T.int8], ['lag', T.int8], ['messages', T.int8],
  ['messages_per_second', T.float8], ['errors', T.int8], ['last_error', T.text], ['updated_at', T.timestamptz],
];

/** Every message a source could not use, with where it was and why (the newest ones; see docs/sources.md). */
export const SOURCE_ERROR_COLUMNS: Col[] = [
  ['name', T.text], ['topic', T.text], ['partition', T.int4], ['message_offset', T.int8], ['reason', T.text],
  ['key', T.text], ['recorded_at', T.timestamptz],
];

/**
 * One row per table with a watermark: where event time stands and the late rows dropped since
 * the server started; for a Kafka source's table, each partition's own watermark (or idle).
 */
export const LATE_EVENT_COLUMNS: Col[] = [
  ['table_name', T.text], ['time_column', T.text], ['watermark_expression', T.text], ['watermark', T.text], ['late_rows', T.int8], ['last_late_time', T.text],
  ['partitions', T.text],
];

export interface TributaryRelation {
  schema: typeof TRIBUTARY_CATALOG;
  name: string;
  columns: Col[];
  rows: (info: CatalogInfo) => Value[][];
}

function fedTables(info: CatalogInfo) {
  return info.catalog.all().filter((e) => e.kind === 'table' && e.feed).sort((a, b) => (a.name < b.name ? -1 : 1));
}

const RELATIONS: TributaryRelation[] = [
  { schema: TRIBUTARY_CATALOG, name: 'sources', columns: SOURCE_COLUMNS, rows: (info) => fedTables(info).flatMap((t) => (t.kind === 'table' ? t.feed!.statusRows() : [])) },
  {
    schema: TRIBUTARY_CATALOG,
    name: 'late_events',
    columns: LATE_EVENT_COLUMNS,
    rows: (info) => info.catalog.all().flatMap((t) => (t.kind === 'table' && t.watermark ? [t.watermark.statusRow(t.name)] : [])).sort((a, b) => (String(a[0]) < String(b[0]) ? -1 : 1)),
  },
  { schema: TRIBUTARY_CATALOG, name: 'source_errors', columns: SOURCE_ERROR_COLUMNS, rows: (info) => fedTables(info).flatMap((t) => (t.kind === 'table' ? t.feed!.errorRows() : [])) },
];

export function findTributaryRelation(name: string): TributaryRelation | undefined {
  return RELATIONS.find((r) => r.name === name);
}
