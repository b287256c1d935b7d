// The emulated system relations (pg_catalog.* and information_schema.*): columns with
// PostgreSQL 15's names and types, rows computed from the live catalog when a query is
// bound. The binder turns a reference into a constant VALUES plan (bind_from.ts), so they are
// read-only snapshots: views and materialized views over them are refused (not incremental).

import { T, TYPE_INFO, formatType, isOpaqueType, type SqlType, type TypeId } from '../../sql/types.js';
import type { Value } from '../../expr/value.js';
import { findTributaryRelation, TRIBUTARY_CATALOG } from './tributary.js';
import { byName } from '../../expr/functions/core.js';
import { SERVER_VERSION, settingInBaseUnit } from '../../engine/settings.js';
import { activeSessionInfo } from '../../expr/functions/session_info.js';
import {
  ARRAY_OID, AM_BTREE, AM_HEAP, COLLATION_DEFAULT, CatalogInfo, databaseName, DATABASE_OID, NAMESPACES, NS_INFORMATION_SCHEMA,
  NS_PG_CATALOG, NS_PUBLIC, keyColumnList, ownerName, quoteIdent, ROLES, ROLE_OWNER, systemDefs, typCollation, typStorage, type RelationInfo,
} from './info.js';

type Col = [string, SqlType];
type Rows = (info: CatalogInfo) => Value[][];

const O = T.oid;
const N = T.name;
const C = T.char;
const B = T.bool;
const I2 = T.int2;
const I4 = T.int4;
const TX = T.text;

const builders = new Map<string, Rows>();
let nextSystemOid = 12000;

function rel(schema: 'pg_catalog' | 'information_schema', name: string, oid: number | null, kind: 'r' | 'v', columns: Col[], rows: Rows): void {
  systemDefs.push({ schema, name, oid: oid ?? nextSystemOid++, kind, columns });
  builders.set(`${schema}.${name}`, rows);
}
const pg = (name: string, oid: number | null, columns: Col[], rows: Rows, kind: 'r' | 'v' = 'r') => rel('pg_catalog', name, oid, kind, columns, rows);
const empty: Rows = () => [];

const nsName = (oid: number) => NAMESPACES.find((n) => n.oid === oid)?.name ?? null;
const relkindOf = (r: RelationInfo) => r.kind;
const userRelations = (info: CatalogInfo) => info.relations.filter((r) => r.namespace === NS_PUBLIC);

// --- pg_catalog -----------------------------------------------------------------------------

pg('pg_namespace', 2615, [['oid', O], ['nspname', N], ['nspowner', O], ['nspacl', T._aclitem]], () =>
  NAMESPACES.map((n) => [n.oid, n.name, n.owner, null]),
);

pg(
  'pg_class',
  1259,
  [
    ['oid', O], ['relname', N], ['relnamespace', O], ['reltype', O], ['reloftype', O], ['relowner', O], ['relam', O],
    ['relfilenode', O], ['reltablespace', O], ['relpages', I4], ['reltuples', T.float4], ['relallvisible', I4],
    ['reltoastrelid', O], ['relhasindex', B], ['relisshared', B], ['relpersistence', C], ['relkind', C], ['relnatts', I2],
    ['relchecks', I2], ['relhasrules', B], ['relhastriggers', B], ['relhassubclass', B], ['relrowsecurity', B],
    ['relforcerowsecurity', B], ['relispopulated', B], ['relreplident', C], ['relispartition', B], ['relrewrite', O],
    ['relacl', T._aclitem], ['reloptions', T._text], ['relpartbound', T.pg_node_tree],
  ],
  (info) =>
    info.relations.map((r) => [
      r.oid, r.name, r.namespace, 0, 0, ROLE_OWNER, r.kind === 'r' || r.kind === 'm' ? AM_HEAP : r.kind === 'i' ? AM_BTREE : 0,
      r.kind === 'v' ? 0 : r.oid, 0, 0, r.kind === 'v' ? 0 : -1, 0,
      0, info.indexes.some((ix) => ix.table === r), false, 'p', relkindOf(r), r.columns.length,
      0, r.kind === 'v', false, false, false,
      false, true, r.kind === 'r' ? 'd' : 'n', false, 0,
      null, null, null,
    ]),
);

pg(
  'pg_attribute',
  1249,
  [
    ['attrelid', O], ['attname', N], ['atttypid', O], ['attstattarget', I4], ['attlen', I2], ['attnum', I2], ['attndims', I4],
    ['attcacheoff', I4], ['atttypmod', I4], ['attbyval', B], ['attalign', C], ['attstorage', C], ['attcompression', C],
    ['attnotnull', B], ['atthasdef', B], ['atthasmissing', B], ['attidentity', C], ['attgenerated', C], ['attisdropped', B],
    ['attislocal', B], ['attinhcount', I4], ['attcollation', O], ['attacl', T._aclitem], ['attoptions', T._text],
    ['attfdwoptions', T._text],
  ],
  (info) => {
    const rows: Value[][] = [];
    for (const r of info.relations) {
      r.columns.forEach((c, i) => {
        const ti = TYPE_INFO[c.type.id];
        rows.push([
          r.oid, c.name, ti.oid, -1, ti.len, i + 1, 0,
          -1, pgTypmod(c.type), ti.len > 0 && ti.len <= 8, align(c.type.id), typStorage(c.type.id), '',
          c.notNull, c.default !== null, false, '', '', false,
          true, 0, typCollation(c.type.id), null, null,
          null,
        ]);
      });
    }
    return rows;
  },
);

/** atttypmod as PostgreSQL stores it: varchar/char/numeric modifiers include VARHDRSZ (4). */
export function pgTypmod(t: SqlType): number {
  if (t.typmod < 0) return -1;
  return t.id === 'varchar' || t.id === 'bpchar' || t.id === 'numeric' ? t.typmod + 4 : t.typmod;
}

function align(id: TypeId): string {
  const len = TYPE_INFO[id].len;
  return len === 8 || id === 'numeric' || id === 'interval' ? 'd' : len === 2 ? 's' : len === 1 ? 'c' : 'i';
}

/** Our types, then the array types PostgreSQL pairs with them. */

/**
 * Each type's input/output/receive/send functions with PostgreSQL's oids (`typinput` and
 * friends; pgJDBC's getTypeInfo compares typinput with 'pg_catalog.array_in'::regproc).
 */
const TYPE_IO: Record<string, [number, number, number, number]> = {
  array: [750, 751, 2400, 2401],
  bool: [1242, 1243, 2436, 2437],
  bpchar: [1044, 1045, 2430, 2431],
  char: [1245, 33, 2434, 2435],
  date: [1084, 1085, 2468, 2469],
  float4: [200, 201, 2424, 2425],
  float8: [214, 215, 2426, 2427],
  int2: [38, 39, 2404, 2405],
  int2vector: [40, 41, 2410, 2411],
  int4: [42, 43, 2406, 2407],
  int8: [460, 461, 2408, 2409],
  interval: [1160, 1161, 2478, 2479],
  jsonb: [3806, 3804, 3805, 3803],
  name: [34, 35, 2422, 2423],
  numeric: [1701, 1702, 2460, 2461],
  oid: [1798, 1799, 2418, 2419],
  oidvector: [54, 55, 2420, 2421],
  pg_node_tree: [195, 196, 197, 198],
  record: [2290, 2291, 2402, 2403],
  regclass: [2218, 2219, 2452, 2453],
  regnamespace: [4084, 4085, 4087, 4088],
  regproc: [44, 45, 2444, 2445],
  regrole: [4098, 4092, 4094, 4095],
  regtype: [2220, 2221, 2454, 2455],
  text: [46, 47, 2414, 2415],
  timestamp: [1312, 1313, 2474, 2475],
  timestamptz: [1150, 1151, 2476, 2477],
  unknown: [109, 110, 2416, 2417],
  varchar: [1046, 1047, 2432, 2433],
};
/** The type I/O functions as pg_proc rows: PostgreSQL's oids and names. */
export const IO_PROCS: [number, string][] = [[750, 'array_in'], [751, 'array_out'], [2400, 'array_recv'], [2401, 'array_send'], [1242, 'boolin'], [1243, 'boolout'], [2436, 'boolrecv'], [2437, 'boolsend'], [1044, 'bpcharin'], [1045, 'bpcharout'], [2430, 'bpcharrecv'], [2431, 'bpcharsend'], [1245, 'charin'], [33, 'charout'], [2434, 'charrecv'], [2435, 'charsend'], [1084, 'date_in'], [1085, 'date_out'], [2468, 'date_recv'], [2469, 'date_send'], [200, 'float4in'], [201, 'float4out'], [2424, 'float4recv'], [2425, 'float4send'], [214, 'float8in'], [215, 'float8out'], [2426, 'float8recv'], [2427, 'float8send'], [38, 'int2in'], [39, 'int2out'], [2404, 'int2recv'], [2405, 'int2send'], [40, 'int2vectorin'], [41, 'int2vectorout'], [2410, 'int2vectorrecv'], [2411, 'int2vectorsend'], [42, 'int4in'], [43, 'int4out'], [2406, 'int4recv'], [2407, 'int4send'], [460, 'int8in'], [461, 'int8out'], [2408, 'int8recv'], [2409, 'int8send'], [1160, 'interval_in'], [1161, 'interval_out'], [2478, 'interval_recv'], [2479, 'interval_send'], [3806, 'jsonb_in'], [3804, 'jsonb_out'], [3805, 'jsonb_recv'], [3803, 'jsonb_send'], [34, 'namein'], [35, 'nameout'], [2422, 'namerecv'], [2423, 'namesend'], [1701, 'numeric_in'], [1702, 'numeric_out'], [2460, 'numeric_recv'], [2461, 'numeric_send'], [1798, 'oidin'], [1799, 'oidout'], [2418, 'oidrecv'], [2419, 'oidsend'], [54, 'oidvectorin'], [55, 'oidvectorout'], [2420, 'oidvectorrecv'], [2421, 'oidvectorsend'], [195, 'pg_node_tree_in'], [196, 'pg_node_tree_out'], [197, 'pg_node_tree_recv'], [198, 'pg_node_tree_send'], [2290, 'record_in'], [2291, 'record_out'], [2402, 'record_recv'], [2403, 'record_send'], [2218, 'regclassin'], [2219, 'regclassout'], [2452, 'regclassrecv'], [2453, 'regclasssend'], [4084, 'regnamespacein'], [4085, 'regnamespaceout'], [4087, 'regnamespacerecv'], [4088, 'regnamespacesend'], [44, 'regprocin'], [45, 'regprocout'], [2444, 'regprocrecv'], [2445, 'regprocsend'], [4098, 'regrolein'], [4092, 'regroleout'], [4094, 'regrolerecv'], [4095, 'regrolesend'], [2220, 'regtypein'], [2221, 'regtypeout'], [2454, 'regtyperecv'], [2455, 'regtypesend'], [46, 'textin'], [47, 'textout'], [2414, 'textrecv'], [2415, 'textsend'], [1312, 'timestamp_in'], [1313, 'timestamp_out'], [2474, 'timestamp_recv'], [2475, 'timestamp_send'], [1150, 'timestamptz_in'], [1151, 'timestamptz_out'], [2476, 'timestamptz_recv'], [2477, 'timestamptz_send'], [109, 'unknownin'], [110, 'unknownout'], [2416, 'unknownrecv'], [2417, 'unknownsend'], [1046, 'varcharin'], [1047, 'varcharout'], [2432, 'varcharrecv'], [2433, 'varcharsend']];

function typeIo(id: string): Value[] {
  return TYPE_IO[id] ?? [0, 0, 0, 0];
}

function typeRows(): Value[][] {
  const rows: Value[][] = [];
  const byOid = new Map<number, TypeId>();
  for (const id of Object.keys(TYPE_INFO) as TypeId[]) byOid.set(TYPE_INFO[id].oid, id);
  for (const id of Object.keys(TYPE_INFO) as TypeId[]) {
    const ti = TYPE_INFO[id];
    if (id === 'unknown' || id === 'record' || id.startsWith('_')) continue;
    const vector = id === 'int2vector' || id === 'oidvector';
    rows.push(typeRow(ti.oid, id === 'char' ? 'char' : id, ti.len, vector ? 'A' : ti.category, ti.preferred, vector ? (id === 'int2vector' ? 21 : 26) : 0, ARRAY_OID[id] ?? 0, typStorage(id), typCollation(id), id === 'pg_node_tree' ? 'Z' : null, 'b', typeIo(id)));
    const arr = ARRAY_OID[id];
    if (arr !== undefined) rows.push(typeRow(arr, '_' + (id === 'char' ? 'char' : id), -1, 'A', false, ti.oid, 0, 'x', typCollation(id), null, 'b', typeIo('array')));
  }
  // unknown and record are pseudo-types in PostgreSQL
  rows.push(typeRow(705, 'unknown', -2, 'X', false, 0, 0, 'p', 0, null, 'p', typeIo('unknown')));
  rows.push(typeRow(2249, 'record', -1, 'P', false, 0, 2287, 'x', 0, null, 'p', typeIo('record')));
  return rows;
}

function typeRow(oid: number, name: string, len: number, cat: string, preferred: boolean, elem: number, array: number, storage: string, coll: number, _z: string | null, typtype = 'b', io: Value[] = [0, 0, 0, 0]): Value[] {
  return [
    oid, name, NS_PG_CATALOG, ROLE_OWNER, len, len > 0 && len <= 8, typtype, cat, preferred, true, ',', 0, elem, array,
    ...io, len === 8 ? 'd' : len === 2 ? 's' : len === 1 ? 'c' : 'i', storage, false, 0, -1, 0, coll, null,
  ];
}

pg(
  'pg_type',
  1247,
  [
    ['oid', O], ['typname', N], ['typnamespace', O], ['typowner', O], ['typlen', I2], ['typbyval', B], ['typtype', C],
    ['typcategory', C], ['typispreferred', B], ['typisdefined', B], ['typdelim', C], ['typrelid', O], ['typelem', O],
    ['typarray', O], ['typinput', T.regproc], ['typoutput', T.regproc], ['typreceive', T.regproc], ['typsend', T.regproc],
    ['typalign', C], ['typstorage', C], ['typnotnull', B], ['typbasetype', O], ['typtypmod', I4], ['typndims', I4],
    ['typcollation', O], ['typdefault', TX],
  ],
  typeRows,
);

pg(
  'pg_database',
  1262,
  [
    ['oid', O], ['datname', N], ['datdba', O], ['encoding', I4], ['datlocprovider', C], ['datistemplate', B],
    ['datallowconn', B], ['datconnlimit', I4], ['dattablespace', O], ['datcollate', TX], ['datctype', TX],
    ['daticulocale', TX], ['datcollversion', TX], ['datacl', T._aclitem],
  ],
  () => [[DATABASE_OID, databaseName(), ROLE_OWNER, 6, 'c', false, true, -1, 1663, 'C', 'C.UTF-8', null, null, null]],
);

pg(
  'pg_index',
  2610,
  [
    ['indexrelid', O], ['indrelid', O], ['indnatts', I2], ['indnkeyatts', I2], ['indisunique', B], ['indnullsnotdistinct', B],
    ['indisprimary', B], ['indisexclusion', B], ['indimmediate', B], ['indisclustered', B], ['indisvalid', B],
    ['indcheckxmin', B], ['indisready', B], ['indislive', B], ['indisreplident', B], ['indkey', T.int2vector],
    ['indcollation', T.oidvector], ['indclass', T.oidvector], ['indoption', T.int2vector], ['indexprs', T.pg_node_tree],
    ['indpred', T.pg_node_tree],
  ],
  (info) =>
    info.indexes.map((ix) => [
      ix.oid, ix.table.oid, ix.keys.length, ix.keys.length, ix.unique, false,
      ix.primary, false, true, false, true,
      false, true, true, false, ix.keys.join(' '),
      ix.keys.map((k) => typCollation(ix.table.columns[k - 1]?.type.id ?? 'int4')).join(' '), ix.keys.map(() => '0').join(' '), ix.keys.map(() => '0').join(' '), null,
      null,
    ]),
);

pg(
  'pg_constraint',
  2606,
  [
    ['oid', O], ['conname', N], ['connamespace', O], ['contype', C], ['condeferrable', B], ['condeferred', B],
    ['convalidated', B], ['conrelid', O], ['contypid', O], ['conindid', O], ['conparentid', O], ['confrelid', O],
    ['confupdtype', C], ['confdeltype', C], ['confmatchtype', C], ['conislocal', B], ['coninhcount', I4],
    ['connoinherit', B], ['conkey', T._int2], ['confkey', T._int2], ['conbin', T.pg_node_tree],
  ],
  (info) =>
    info.indexes
      .filter((ix) => ix.constraint)
      .map((ix) => [
        ix.constraint!.oid, ix.name, ix.table.namespace, ix.constraint!.type, false, false,
        true, ix.table.oid, 0, ix.oid, 0, 0,
        ' ', ' ', ' ', true, 0,
        true, `{${ix.keys.join(',')}}`, null, null,
      ]),
);

const procCols: Col[] = [
  ['oid', O], ['proname', N], ['pronamespace', O], ['proowner', O], ['prolang', O], ['procost', T.float4], ['prorows', T.float4],
  ['provariadic', O], ['prosupport', T.regproc], ['prokind', C], ['prosecdef', B], ['proleakproof', B], ['proisstrict', B],
  ['proretset', B], ['provolatile', C], ['proparallel', C], ['pronargs', I2], ['pronargdefaults', I2], ['prorettype', O],
  ['proargtypes', T.oidvector], ['proallargtypes', T._oid], ['proargmodes', T._char], ['proargnames', T._text],
  ['proargdefaults', T.pg_node_tree], ['protrftypes', T._oid], ['prosrc', TX], ['probin', TX], ['prosqlbody', T.pg_node_tree],
  ['proconfig', T._text], ['proacl', T._aclitem],
];

/** One row per built-in function implementation we have (oids are ours, not PostgreSQL's). */
export function procRows(): { oid: number; name: string; args: readonly SqlType[]; returns: SqlType | null; strict: boolean; volatile: boolean; agg: boolean }[] {
  const out: ReturnType<typeof procRows> = [];
  let oid = 9000;
  const names = [...byName.keys()].filter((k) => !k.startsWith('op:')).sort();
  for (const name of names) {
    for (const f of byName.get(name)!) {
      const ret = typeof f.returns === 'function' ? null : f.returns;
      out.push({ oid: oid++, name, args: f.argTypes, returns: ret, strict: f.strict, volatile: !!f.volatile, agg: false });
    }
  }
  for (const a of ['count', 'sum', 'avg', 'min', 'max', 'bool_and', 'bool_or', 'every']) {
    out.push({ oid: oid++, name: a, args: [], returns: null, strict: false, volatile: false, agg: true });
  }
  // type input/output functions (not callable from SQL here), for typinput & co and regproc
  for (const [o, name] of IO_PROCS) out.push({ oid: o, name, args: [], returns: null, strict: true, volatile: false, agg: false });
  return out;
}

pg('pg_proc', 1255, procCols, () =>
  procRows().map((p) => [
    p.oid, p.name, NS_PG_CATALOG, ROLE_OWNER, 12, 1, 0, 0, 0, p.agg ? 'a' : 'f', false, false, p.strict,
    false, p.volatile ? 'v' : 'i', 's', p.args.length, 0, p.returns && p.returns.typmod !== -2 ? TYPE_INFO[p.returns.id].oid : 2283,
    p.args.map((a) => (a.typmod === -2 ? 2276 : TYPE_INFO[a.id].oid)).join(' '), null, null, null,
    null, null, p.name, null, null, null, null,
  ]),
);

pg('pg_auth_members', 1261, [['roleid', O], ['member', O], ['grantor', O], ['admin_option', B]], empty);
pg('pg_language', 2612, [['oid', O], ['lanname', N], ['lanowner', O], ['lanispl', B], ['lanpltrusted', B], ['lanplcallfoid', O], ['laninline', O], ['lanvalidator', O], ['lanacl', T._aclitem]], () => [
  [12, 'internal', ROLE_OWNER, false, false, 0, 0, 2246, null],
  [13, 'c', ROLE_OWNER, false, false, 0, 0, 2247, null],
  [14, 'sql', ROLE_OWNER, false, true, 0, 0, 2248, null],
]);
pg('pg_description', 2609, [['objoid', O], ['classoid', O], ['objsubid', I4], ['description', TX]], empty);
pg('pg_shdescription', 2396, [['objoid', O], ['classoid', O], ['description', TX]], empty);
pg('pg_am', 2601, [['oid', O], ['amname', N], ['amhandler', T.regproc], ['amtype', C]], () => [
  [AM_HEAP, 'heap', 0, 't'],
  [AM_BTREE, 'btree', 0, 'i'],
  [405, 'hash', 0, 'i'],
]);

const roleCols: Col[] = [
  ['rolname', N], ['rolsuper', B], ['rolinherit', B], ['rolcreaterole', B], ['rolcreatedb', B], ['rolcanlogin', B],
  ['rolreplication', B], ['rolconnlimit', I4], ['rolpassword', TX], ['rolvaliduntil', T.timestamptz], ['rolbypassrls', B],
  ['rolconfig', T._text], ['oid', O],
];
const roleRows: Rows = () => ROLES.map((r) => [r.oid === ROLE_OWNER ? ownerName() : r.name, r.superuser, true, r.superuser, r.superuser, r.login, r.superuser, -1, '********', null, r.superuser, null, r.oid]);
pg('pg_roles', null, roleCols, roleRows, 'v');
pg(
  'pg_user',
  null,
  [['usename', N], ['usesysid', O], ['usecreatedb', B], ['usesuper', B], ['userepl', B], ['usebypassrls', B], ['passwd', TX], ['valuntil', T.timestamptz], ['useconfig', T._text]],
  () => ROLES.filter((r) => r.login).map((r) => [ownerName(), r.oid, r.superuser, r.superuser, r.superuser, r.superuser, '********', null, null]),
  'v',
);

pg(
  'pg_views',
  null,
  [['schemaname', N], ['viewname', N], ['viewowner', N], ['definition', TX]],
  (info) => userRelations(info).filter((r) => r.kind === 'v').map((r) => ['public', r.name, ownerName(), r.definition]),
  'v',
);
pg(
  'pg_matviews',
  null,
  [['schemaname', N], ['matviewname', N], ['matviewowner', N], ['tablespace', N], ['hasindexes', B], ['ispopulated', B], ['definition', TX]],
  (info) =>
    userRelations(info)
      .filter((r) => r.kind === 'm')
      .map((r) => ['public', r.name, ownerName(), null, info.indexes.some((ix) => ix.table === r), true, r.definition]),
  'v',
);
pg(
  'pg_tables',
  null,
  [['schemaname', N], ['tablename', N], ['tableowner', N], ['tablespace', N], ['hasindexes', B], ['hasrules', B], ['hastriggers', B], ['rowsecurity', B]],
  (info) =>
    info.relations
      .filter((r) => r.kind === 'r')
      .map((r) => [nsName(r.namespace), r.name, ownerName(), null, info.indexes.some((ix) => ix.table === r), false, false, false]),
  'v',
);
pg(
  'pg_indexes',
  null,
  [['schemaname', N], ['tablename', N], ['indexname', N], ['tablespace', N], ['indexdef', TX]],
  (info) => info.indexes.map((ix) => ['public', ix.table.name, ix.name, null, indexDef(ix.oid, info)]),
  'v',
);
pg('pg_attrdef', 2604, [['oid', O], ['adrelid', O], ['adnum', I2], ['adbin', T.pg_node_tree]], (info) => {
  const rows: Value[][] = [];
  for (const r of info.relations) {
    r.columns.forEach((c, i) => {
      if (c.default !== null) rows.push([info.catalog.derivedOid(`${r.oid}:attrdef:${i + 1}`), r.oid, i + 1, c.default]);
    });
  }
  return rows;
});
pg('pg_inherits', 2611, [['inhrelid', O], ['inhparent', O], ['inhseqno', I4], ['inhdetachpending', B]], empty);
pg(
  'pg_collation',
  3456,
  [['oid', O], ['collname', N], ['collnamespace', O], ['collowner', O], ['collprovider', C], ['collisdeterministic', B], ['collencoding', I4], ['collcollate', TX], ['collctype', TX], ['colliculocale', TX], ['collversion', TX]],
  () => [
    [COLLATION_DEFAULT, 'default', NS_PG_CATALOG, ROLE_OWNER, 'd', true, -1, null, null, null, null],
    [950, 'C', NS_PG_CATALOG, ROLE_OWNER, 'c', true, -1, 'C', 'C', null, null],
    [951, 'POSIX', NS_PG_CATALOG, ROLE_OWNER, 'c', true, -1, 'POSIX', 'POSIX', null, null],
  ],
);
pg('pg_enum', 3501, [['oid', O], ['enumtypid', O], ['enumsortorder', T.float4], ['enumlabel', N]], empty);
pg('pg_range', 3541, [['rngtypid', O], ['rngsubtype', O], ['rngmultitypid', O], ['rngcollation', O], ['rngsubopc', O], ['rngcanonical', T.regproc], ['rngsubdiff', T.regproc]], empty);
pg(
  'pg_extension',
  3079,
  [['oid', O], ['extname', N], ['extowner', O], ['extnamespace', O], ['extrelocatable', B], ['extversion', TX], ['extconfig', T._oid], ['extcondition', T._text]],
  empty,
);
// Statistics views: one row per user table and materialized view, every counter 0 (we keep no
// access statistics; n_live_tup is PostgreSQL's estimate, not an exact count, anyway).
pg(
  'pg_stat_user_tables',
  null,
  [
    ['relid', O], ['schemaname', N], ['relname', N], ['seq_scan', T.int8], ['seq_tup_read', T.int8], ['idx_scan', T.int8],
    ['idx_tup_fetch', T.int8], ['n_tup_ins', T.int8], ['n_tup_upd', T.int8], ['n_tup_del', T.int8], ['n_tup_hot_upd', T.int8],
    ['n_live_tup', T.int8], ['n_dead_tup', T.int8], ['n_mod_since_analyze', T.int8], ['n_ins_since_vacuum', T.int8],
    ['last_vacuum', T.timestamptz], ['last_autovacuum', T.timestamptz], ['last_analyze', T.timestamptz], ['last_autoanalyze', T.timestamptz],
    ['vacuum_count', T.int8], ['autovacuum_count', T.int8], ['analyze_count', T.int8], ['autoanalyze_count', T.int8],
  ],
  (info) =>
    info.relations
      .filter((r) => (r.kind === 'r' || r.kind === 'm') && r.namespace === NS_PUBLIC)
      .map((r) => [r.oid, nsName(r.namespace), r.name, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, null, null, null, null, 0n, 0n, 0n, 0n]),
  'v',
);
pg('pg_tablespace', 1213, [['oid', O], ['spcname', N], ['spcowner', O], ['spcacl', T._aclitem], ['spcoptions', T._text]], () => [
  [1663, 'pg_default', ROLE_OWNER, null, null],
  [1664, 'pg_global', ROLE_OWNER, null, null],
]);
pg(
  'pg_settings',
  null,
  [['name', TX], ['setting', TX], ['unit', TX], ['category', TX], ['short_desc', TX], ['extra_desc', TX], ['context', TX], ['vartype', TX], ['source', TX], ['min_val', TX], ['max_val', TX], ['enumvals', T._text], ['boot_val', TX], ['reset_val', TX], ['sourcefile', TX], ['sourceline', I4], ['pending_restart', B]],
  () => {
    // the executing session's values (SET), else the defaults
    const cur = activeSessionInfo().settings;
    return SETTINGS.map(([name, v, type, context]) => {
      let value = v;
      let source = 'default';
      if (cur) {
        try {
          value = cur.get(name);
          source = cur.source?.(name) ?? (cur.isSet(name) ? 'session' : 'default');
        } catch {
          // not a setting the session knows: the fixed value
        }
      }
      // millisecond settings show their number of milliseconds, with the unit apart
      const unit = settingInBaseUnit(name, '1s') !== '1s' ? 'ms' : null;
      return [name, settingInBaseUnit(name, value), unit, 'Tributary', null, null, context ?? 'user', type, source, null, null, null, v, v, null, null, false];
    });
  },
  'v',
);
const SETTINGS: [string, string, string, string?][] = [
  ['application_name', '', 'string'], ['search_path', '"$user", public', 'string'], ['extra_float_digits', '1', 'integer'],
  ['statement_timeout', '0', 'integer'], ['idle_in_transaction_session_timeout', '0', 'integer'], ['idle_session_timeout', '0', 'integer'],
  ['transaction_isolation', 'read committed', 'enum'],
  ['max_index_keys', '32', 'integer', 'internal'], ['block_size', '8192', 'integer', 'internal'], ['max_connections', '100', 'integer', 'postmaster'],
  ['server_version', SERVER_VERSION, 'string'], ['server_version_num', '150000', 'integer'], ['server_encoding', 'UTF8', 'string'],
  ['client_encoding', 'UTF8', 'string'], ['DateStyle', 'ISO, MDY', 'string'], ['IntervalStyle', 'postgres', 'enum'],
  ['TimeZone', 'UTC', 'string'], ['integer_datetimes', 'on', 'bool'], ['standard_conforming_strings', 'on', 'bool'],
  ['max_identifier_length', '63', 'integer'], ['lc_collate', 'C', 'string'], ['lc_ctype', 'C.UTF-8', 'string'],
  ['default_transaction_isolation', 'read committed', 'enum'], ['default_transaction_read_only', 'off', 'bool'],
  ['transaction_read_only', 'off', 'bool'], ['default_transaction_deferrable', 'off', 'bool'], ['transaction_deferrable', 'off', 'bool'],
];

// Always empty here: no row-level security, extended statistics, publications, rules,
// triggers, sequences or dependencies recorded in PostgreSQL's form.
pg('pg_policy', 3256, [['oid', O], ['polname', N], ['polrelid', O], ['polcmd', C], ['polpermissive', B], ['polroles', T._oid], ['polqual', T.pg_node_tree], ['polwithcheck', T.pg_node_tree]], empty);
pg('pg_statistic_ext', 3381, [['oid', O], ['stxrelid', O], ['stxname', N], ['stxnamespace', O], ['stxowner', O], ['stxstattarget', I4], ['stxkeys', T.int2vector], ['stxkind', T._char], ['stxexprs', T.pg_node_tree]], empty);
pg('pg_publication', 6104, [['oid', O], ['pubname', N], ['pubowner', O], ['puballtables', B], ['pubinsert', B], ['pubupdate', B], ['pubdelete', B], ['pubtruncate', B], ['pubviaroot', B]], empty);
pg('pg_publication_namespace', 6237, [['oid', O], ['pnpubid', O], ['pnnspid', O]], empty);
pg('pg_publication_rel', 6106, [['oid', O], ['prpubid', O], ['prrelid', O], ['prqual', T.pg_node_tree], ['prattrs', T.int2vector]], empty);
pg('pg_rewrite', 2618, [['oid', O], ['rulename', N], ['ev_class', O], ['ev_type', C], ['ev_enabled', C], ['is_instead', B], ['ev_qual', T.pg_node_tree], ['ev_action', T.pg_node_tree]], empty);
pg('pg_trigger', 2620, [['oid', O], ['tgrelid', O], ['tgparentid', O], ['tgname', N], ['tgfoid', O], ['tgtype', I2], ['tgenabled', C], ['tgisinternal', B], ['tgconstrrelid', O], ['tgconstrindid', O], ['tgconstraint', O], ['tgdeferrable', B], ['tginitdeferred', B], ['tgnargs', I2], ['tgattr', T.int2vector], ['tgqual', T.pg_node_tree]], empty);
pg('pg_depend', 2608, [['classid', O], ['objid', O], ['objsubid', I4], ['refclassid', O], ['refobjid', O], ['refobjsubid', I4], ['deptype', C]], empty);
pg('pg_sequence', 2224, [['seqrelid', O], ['seqtypid', O], ['seqstart', T.int8], ['seqincrement', T.int8], ['seqmax', T.int8], ['seqmin', T.int8], ['seqcache', T.int8], ['seqcycle', B]], empty);
pg('pg_foreign_table', 3118, [['ftrelid', O], ['ftserver', O], ['ftoptions', T._text]], empty);
pg('pg_partitioned_table', 3350, [['partrelid', O], ['partstrat', C], ['partnatts', I2], ['partdefid', O], ['partattrs', T.int2vector], ['partclass', T.oidvector], ['partcollation', T.oidvector], ['partexprs', T.pg_node_tree]], empty);

// --- information_schema ---------------------------------------------------------------------

const SQLID = T.name; // sql_identifier is a domain over name
const CDATA = T.varchar; // character_data
const CARD = T.int4; // cardinal_number
const YESNO = T.varchar; // yes_or_no (varchar(3))
const is = (name: string, columns: Col[], rows: Rows) => rel('information_schema', name, null, 'v', columns, rows);
const yn = (b: boolean) => (b ? 'YES' : 'NO');

is(
  'schemata',
  [['catalog_name', SQLID], ['schema_name', SQLID], ['schema_owner', SQLID], ['default_character_set_catalog', SQLID], ['default_character_set_schema', SQLID], ['default_character_set_name', SQLID], ['sql_path', CDATA]],
  () => NAMESPACES.filter((n) => n.oid !== 99).map((n) => [databaseName(), n.name, n.owner === ROLE_OWNER ? ownerName() : ROLES.find((r) => r.oid === n.owner)!.name, null, null, null, null]),
);

is(
  'tables',
  [
    ['table_catalog', SQLID], ['table_schema', SQLID], ['table_name', SQLID], ['table_type', CDATA], ['self_referencing_column_name', SQLID],
    ['reference_generation', CDATA], ['user_defined_type_catalog', SQLID], ['user_defined_type_schema', SQLID], ['user_defined_type_name', SQLID],
    ['is_insertable_into', YESNO], ['is_typed', YESNO], ['commit_action', CDATA],
  ],
  (info) =>
    info.relations
      .filter((r) => r.kind === 'r' || r.kind === 'v')
      .map((r) => [databaseName(), nsName(r.namespace), r.name, r.kind === 'r' ? 'BASE TABLE' : 'VIEW', null, null, null, null, null, yn(r.kind === 'r' && r.namespace === NS_PUBLIC), 'NO', null]),
);

is(
  'columns',
  [
    ['table_catalog', SQLID], ['table_schema', SQLID], ['table_name', SQLID], ['column_name', SQLID], ['ordinal_position', CARD],
    ['column_default', CDATA], ['is_nullable', YESNO], ['data_type', CDATA], ['character_maximum_length', CARD],
    ['character_octet_length', CARD], ['numeric_precision', CARD], ['numeric_precision_radix', CARD], ['numeric_scale', CARD],
    ['datetime_precision', CARD], ['interval_type', CDATA], ['interval_precision', CARD], ['character_set_catalog', SQLID],
    ['character_set_schema', SQLID], ['character_set_name', SQLID], ['collation_catalog', SQLID], ['collation_schema', SQLID],
    ['collation_name', SQLID], ['domain_catalog', SQLID], ['domain_schema', SQLID], ['domain_name', SQLID], ['udt_catalog', SQLID],
    ['udt_schema', SQLID], ['udt_name', SQLID], ['scope_catalog', SQLID], ['scope_schema', SQLID], ['scope_name', SQLID],
    ['maximum_cardinality', CARD], ['dtd_identifier', SQLID], ['is_self_referencing', YESNO], ['is_identity', YESNO],
    ['identity_generation', CDATA], ['identity_start', CDATA], ['identity_increment', CDATA], ['identity_maximum', CDATA],
    ['identity_minimum', CDATA], ['identity_cycle', YESNO], ['is_generated', CDATA], ['generation_expression', CDATA],
    ['is_updatable', YESNO],
  ],
  (info) => {
    const rows: Value[][] = [];
    for (const r of info.relations) {
      if (r.kind !== 'r' && r.kind !== 'v') continue;
      r.columns.forEach((c, i) => {
        const t = c.type;
        const id = t.id;
        const str = id === 'varchar' || id === 'bpchar';
        const intPrec = id === 'int2' ? 16 : id === 'int4' ? 32 : id === 'int8' ? 64 : id === 'float4' ? 24 : id === 'float8' ? 53 : null;
        const numPrec = id === 'numeric' && t.typmod >= 0 ? t.typmod >> 16 : intPrec;
        const numScale = id === 'numeric' && t.typmod >= 0 ? t.typmod & 0xffff : id === 'int2' || id === 'int4' || id === 'int8' ? 0 : null;
        const dt = id === 'date' ? 0 : id === 'timestamp' || id === 'timestamptz' || id === 'interval' ? 6 : null;
        rows.push([
          databaseName(), nsName(r.namespace), r.name, c.name, i + 1,
          c.default, c.notNull ? 'NO' : 'YES', dataType(t), str && t.typmod >= 0 ? t.typmod : null,
          str || id === 'text' ? (str && t.typmod >= 0 ? t.typmod * 4 : 1073741824) : null, numPrec, numPrec === null ? null : id === 'numeric' ? 10 : 2, numScale,
          dt, null, null, null,
          null, null, null, null,
          null, null, null, null, databaseName(),
          'pg_catalog', id === 'char' ? 'char' : id, null, null, null,
          null, String(i + 1), 'NO', 'NO',
          null, null, null, null,
          null, 'NO', 'NEVER', null,
          yn(r.kind === 'r' && r.namespace === NS_PUBLIC),
        ]);
      });
    }
    return rows;
  },
);

/** information_schema's data_type: the SQL name, or ARRAY / USER-DEFINED. */
function dataType(t: SqlType): string {
  if (isOpaqueType(t)) return 'ARRAY';
  if (t.id === 'jsonb') return 'jsonb';
  return formatType({ id: t.id, typmod: -1 });
}

is(
  'views',
  [['table_catalog', SQLID], ['table_schema', SQLID], ['table_name', SQLID], ['view_definition', CDATA], ['check_option', CDATA], ['is_updatable', YESNO], ['is_insertable_into', YESNO], ['is_trigger_updatable', YESNO], ['is_trigger_deletable', YESNO], ['is_trigger_insertable_into', YESNO]],
  (info) => userRelations(info).filter((r) => r.kind === 'v').map((r) => [databaseName(), 'public', r.name, r.definition, 'NONE', 'NO', 'NO', 'NO', 'NO', 'NO']),
);

is(
  'table_constraints',
  [['constraint_catalog', SQLID], ['constraint_schema', SQLID], ['constraint_name', SQLID], ['table_catalog', SQLID], ['table_schema', SQLID], ['table_name', SQLID], ['constraint_type', CDATA], ['is_deferrable', YESNO], ['initially_deferred', YESNO], ['enforced', YESNO], ['nulls_distinct', YESNO]],
  (info) => {
    const rows: Value[][] = [];
    for (const ix of info.indexes) {
      if (!ix.constraint) continue;
      rows.push([databaseName(), 'public', ix.name, databaseName(), 'public', ix.table.name, ix.constraint.type === 'p' ? 'PRIMARY KEY' : 'UNIQUE', 'NO', 'NO', 'YES', ix.constraint.type === 'u' ? 'YES' : null]);
    }
    for (const r of userRelations(info)) {
      if (r.kind !== 'r') continue;
      r.columns.forEach((c, i) => {
        if (c.notNull) rows.push([databaseName(), 'public', `${NS_PUBLIC}_${r.oid}_${i + 1}_not_null`, databaseName(), 'public', r.name, 'CHECK', 'NO', 'NO', 'YES', null]);
      });
    }
    return rows;
  },
);

is(
  'key_column_usage',
  [['constraint_catalog', SQLID], ['constraint_schema', SQLID], ['constraint_name', SQLID], ['table_catalog', SQLID], ['table_schema', SQLID], ['table_name', SQLID], ['column_name', SQLID], ['ordinal_position', CARD], ['position_in_unique_constraint', CARD]],
  (info) => {
    const rows: Value[][] = [];
    for (const ix of info.indexes) {
      if (!ix.constraint) continue;
      ix.keys.forEach((k, i) => rows.push([databaseName(), 'public', ix.name, databaseName(), 'public', ix.table.name, ix.table.columns[k - 1].name, i + 1, null]));
    }
    return rows;
  },
);

void NS_INFORMATION_SCHEMA;

// --- lookup -----------------------------------------------------------------------------------

export interface SystemRelation {
  schema: 'pg_catalog' | 'information_schema' | typeof TRIBUTARY_CATALOG;
  name: string;
  columns: Col[];
  rows: Rows;
}

/**
 * The system relation a FROM reference names: pg_catalog is searched first for unqualified
 * names (it is implicitly first on the search path); information_schema only when qualified.
 */
export function findSystemRelation(name: string, schema?: string): SystemRelation | undefined {
  if (schema === TRIBUTARY_CATALOG) return findTributaryRelation(name);
  if (schema && schema !== 'pg_catalog' && schema !== 'information_schema') return undefined;
  const s = schema ?? 'pg_catalog';
  const d = systemDefs.find((x) => x.schema === s && x.name === name);
  if (!d) return undefined;
  return { schema: d.schema, name: d.name, columns: d.columns, rows: builders.get(`${s}.${name}`)! };
}

/** pg_get_indexdef(oid): `CREATE [UNIQUE] INDEX name ON public.t USING btree (a, b)`. */
export function indexDef(oid: number, info: CatalogInfo): string | null {
  const ix = info.index(oid);
  if (!ix) return null;
  return `CREATE ${ix.unique ? 'UNIQUE ' : ''}INDEX ${quoteIdent(ix.name)} ON public.${quoteIdent(ix.table.name)} USING btree (${keyColumnList(ix)})`;
}
