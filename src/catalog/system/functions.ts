// The catalog functions tools call (format_type, pg_get_indexdef, pg_table_is_visible, …)
// and the reg* input/output lookups. They read the catalog of the statement being bound and
// run (setActiveCatalog, called by the binder; everything runs synchronously).

import type { Catalog } from '../catalog.js';
import { T, TYPE_INFO, formatType, typeIdFromName, type SqlType, type TypeId } from '../../sql/types.js';
import { unsupported } from '../../errors.js';
import { pg15TypeNameAny } from '../../expr/functions/pg15_names.js';
import { ANY, fn, SqlError, SQLSTATE } from '../../expr/functions/core.js';
import { setRegLookup } from '../../expr/reg.js';
import { PgArray } from '../../expr/array.js';
import { formatValue } from '../../expr/format.js';
import type { Value } from '../../expr/value.js';
import { CatalogInfo, NAMESPACES, NS_PG_CATALOG, NS_PUBLIC, ROLES, ROLE_OWNER, keyColumnList, ownerName, quoteIdent } from './info.js';
import { indexDef, procRows } from './relations.js';

let activeCatalog: Catalog | null = null;
let cachedInfo: CatalogInfo | null = null;

/** Make `catalog` the one catalog functions and reg* casts read (until the next call). */
export function setActiveCatalog(catalog: Catalog): void {
  if (activeCatalog === catalog && cachedInfo) {
    cachedInfo = null; // the catalog may have changed since the last statement
  }
  activeCatalog = catalog;
  cachedInfo = null;
}

/** A closed database's catalog stops being the active one (it would keep all its state alive). */
export function forgetActiveCatalog(catalog: Catalog): void {
  if (activeCatalog !== catalog) return;
  activeCatalog = null;
  cachedInfo = null;
}

export function activeInfo(): CatalogInfo {
  if (!activeCatalog) throw new SqlError(SQLSTATE.INTERNAL_ERROR, 'no active catalog');
  cachedInfo ??= new CatalogInfo(activeCatalog);
  return cachedInfo;
}


export function roleName(oid: number): string | null {
  if (oid === ROLE_OWNER) return ownerName();
  return ROLES.find((r) => r.oid === oid)?.name ?? null;
}

// --- reg* types ---------------------------------------------------------------------------

function typeByOid(oid: number): TypeId | undefined {
  for (const id of Object.keys(TYPE_INFO) as TypeId[]) if (TYPE_INFO[id].oid === oid) return id;
  return undefined;
}

/** Split `schema.name` / `"Quoted"` as regclassin does. */
function parseQualified(text: string): string[] {
  const parts: string[] = [];
  const re = /\s*(?:"((?:[^"]|"")*)"|([^."\s]+))\s*(\.|$)/y;
  let m: RegExpExecArray | null;
  let pos = 0;
  while (pos < text.length && (m = re.exec(text))) {
    parts.push(m[1] !== undefined ? m[1].replace(/""/g, '"') : m[2].toLowerCase());
    pos = re.lastIndex;
    if (m[3] === '') break;
  }
  if (pos < text.trim().length || parts.length === 0) throw new SqlError('42602', 'invalid name syntax');
  return parts;
}

setRegLookup({
  out(type, oid) {
    if (oid === 0) return '-';
    const info = activeCatalog ? activeInfo() : null;
    switch (type) {
      case 'regclass': {
        const r = info?.relation(oid);
        if (!r) return null;
        // qualified when not visible on the search path
        return r.namespace === NS_PUBLIC || r.namespace === NS_PG_CATALOG ? quoteIdent(r.name) : `information_schema.${quoteIdent(r.name)}`;
      }
      case 'regtype': {
        const id = typeByOid(oid);
        if (id) return formatType({ id, typmod: -1 });
        const arr = arrayTypeName(oid);
        return arr;
      }
      case 'regnamespace':
        return NAMESPACES.find((n) => n.oid === oid)?.name ?? null;
      case 'regrole':
        return roleName(oid);
      case 'regproc':
        return procRows().find((p) => p.oid === oid)?.name ?? null;
      default:
        return null;
    }
  },
  in(type, text) {
    switch (type) {
      case 'regclass': {
        const parts = parseQualified(text);
        const r = activeInfo().findRelation(parts[parts.length - 1], parts.length > 1 ? parts[parts.length - 2] : undefined);
        if (!r) throw new SqlError(SQLSTATE.UNDEFINED_TABLE, `relation "${parts.join('.')}" does not exist`);
        return r.oid;
      }
      case 'regtype': {
        const name = text.trim().replace(/^pg_catalog\./, '').toLowerCase();
        for (const id of Object.keys(TYPE_INFO) as TypeId[]) {
          if (id !== 'unknown' && (TYPE_INFO[id].name === name || id === name)) return TYPE_INFO[id].oid;
        }
        const alias = typeIdFromName(name);
        if (alias && alias !== 'unknown') return TYPE_INFO[alias].oid;
        // a type PostgreSQL 15 has but Tributary does not: refused, not unknown
        const known = pg15TypeNameAny(name);
        if (known) throw unsupported(`type ${known}`);
        throw new SqlError(SQLSTATE.UNDEFINED_OBJECT, `type "${text.trim()}" does not exist`);
      }
      case 'regnamespace': {
        const [name] = parseQualified(text);
        const ns = NAMESPACES.find((n) => n.name === name);
        if (!ns) throw new SqlError('3F000', `schema "${name}" does not exist`);
        return ns.oid;
      }
      case 'regrole': {
        const [name] = parseQualified(text);
        if (name === ownerName()) return ROLE_OWNER;
        const r = ROLES.find((x) => x.name === name);
        if (!r) throw new SqlError(SQLSTATE.UNDEFINED_OBJECT, `role "${name}" does not exist`);
        return r.oid;
      }
      case 'regproc': {
        const parts = parseQualified(text);
        const matches = procRows().filter((p) => p.name === parts[parts.length - 1]);
        if (matches.length === 0) throw new SqlError(SQLSTATE.UNDEFINED_FUNCTION, `function "${text.trim()}" does not exist`);
        if (matches.length > 1) throw new SqlError(SQLSTATE.AMBIGUOUS_FUNCTION, `more than one function named "${text.trim()}"`);
        return matches[0].oid;
      }
      default:
        throw new SqlError(SQLSTATE.FEATURE_NOT_SUPPORTED, `input of type ${type} is not supported`);
    }
  },
});

function arrayTypeName(oid: number): string | null {
  for (const id of Object.keys(TYPE_INFO) as TypeId[]) {
    if (TYPE_INFO[id].category === 'A' && TYPE_INFO[id].oid === oid) return TYPE_INFO[id].name;
  }
  return null;
}

// --- functions ------------------------------------------------------------------------------

const O = T.oid;
const TX = T.text;
const B = T.bool;
const num = (v: Value) => v as number;

fn('format_type', {
  name: 'format_type',
  args: [O, T.int4],
  returns: TX,
  strict: false,
  eval: (v) => {
    if (v[0] === null) return null;
    const id = typeByOid(num(v[0]));
    if (!id) return arrayTypeName(num(v[0])) ?? '???';
    const raw = v[1] === null ? -1 : num(v[1]);
    const typmod = (id === 'varchar' || id === 'bpchar' || id === 'numeric') && raw >= 4 ? raw - 4 : (id === 'varchar' || id === 'bpchar' || id === 'numeric') ? -1 : raw;
    // format_type with a typmod prints it for varchar/bpchar/numeric; character without one is "bpchar"
    if (id === 'bpchar' && typmod < 0 && v[1] !== null) return 'bpchar';
    return formatType({ id, typmod } as SqlType);
  },
});

fn('pg_get_userbyid', { name: 'pg_get_userbyid', args: [O], returns: T.name, eval: (v) => roleName(num(v[0])) ?? `unknown (OID=${v[0]})` });
fn('pg_encoding_to_char', { name: 'pg_encoding_to_char', args: [T.int4], returns: T.name, eval: (v) => (v[0] === 6 ? 'UTF8' : v[0] === 0 ? 'SQL_ASCII' : '') });
fn('pg_char_to_encoding', { name: 'pg_char_to_encoding', args: [T.name], returns: T.int4, eval: (v) => (/^utf-?8$/i.test(v[0] as string) ? 6 : /^sql_ascii$/i.test(v[0] as string) ? 0 : -1) });
fn('getdatabaseencoding', { name: 'getdatabaseencoding', args: [], returns: T.name, eval: () => 'UTF8' });
// the default tablespaces live in the data directory: PostgreSQL reports ''
fn('pg_tablespace_location', { name: 'pg_tablespace_location', args: [O], returns: TX, eval: () => '' });
// there are no extended statistics objects
fn('pg_statistics_obj_is_visible', { name: 'pg_statistics_obj_is_visible', args: [O], returns: B, eval: () => null });
fn('pg_tablespace_size', { name: 'pg_tablespace_size_oid', args: [O], returns: T.int8, volatile: true, eval: () => 0n });
fn('pg_tablespace_size', { name: 'pg_tablespace_size_name', args: [T.name], returns: T.int8, volatile: true, eval: () => 0n });
// default, C and POSIX: all in pg_catalog
fn('pg_collation_is_visible', { name: 'pg_collation_is_visible', args: [O], returns: B, eval: (v) => ([100, 950, 951].includes(num(v[0])) ? true : null) });

fn('pg_table_is_visible', {
  name: 'pg_table_is_visible',
  args: [O],
  returns: B,
  eval: (v) => {
    const info = activeInfo();
    const r = info.relation(num(v[0]));
    if (!r) return null;
    if (r.namespace === NS_PG_CATALOG) return true;
    // a public relation is hidden by a pg_catalog relation of the same name
    return r.namespace === NS_PUBLIC && !info.relations.some((x) => x.namespace === NS_PG_CATALOG && x.name === r.name);
  },
});
fn('pg_type_is_visible', { name: 'pg_type_is_visible', args: [O], returns: B, eval: (v) => (typeByOid(num(v[0])) || arrayTypeName(num(v[0])) ? true : null) });
fn('pg_function_is_visible', { name: 'pg_function_is_visible', args: [O], returns: B, eval: (v) => (procRows().some((p) => p.oid === v[0]) ? true : null) });

const nullText = () => null;
fn('obj_description', { name: 'obj_description', args: [O, T.name], returns: TX, eval: nullText });
fn('obj_description', { name: 'obj_description_1', args: [O], returns: TX, eval: nullText });
fn('col_description', { name: 'col_description', args: [O, T.int4], returns: TX, eval: nullText });
fn('shobj_description', { name: 'shobj_description', args: [O, T.name], returns: TX, eval: nullText });

// Privileges: there is one user, who owns everything; an object named by text must exist.
function checkRelation(v: Value, type: SqlType): void {
  if (type.id === 'oid') return;
  const parts = parseQualified(v as string);
  if (!activeInfo().findRelation(parts[parts.length - 1], parts.length > 1 ? parts[parts.length - 2] : undefined)) {
    throw new SqlError(SQLSTATE.UNDEFINED_TABLE, `relation "${parts.join('.')}" does not exist`);
  }
}
function checkSchema(v: Value, type: SqlType): void {
  if (type.id === 'oid') return;
  if (!NAMESPACES.some((n) => n.name === v)) throw new SqlError('3F000', `schema "${v}" does not exist`);
}
for (const [name, check] of [
  ['has_table_privilege', checkRelation],
  ['has_schema_privilege', checkSchema],
  ['has_database_privilege', () => undefined],
  ['has_any_column_privilege', checkRelation],
] as const) {
  for (const objType of [TX, O]) {
    const suffix = objType.id === 'oid' ? '_id' : '_name';
    fn(name, { name: `${name}${suffix}`, args: [objType, TX], returns: B, eval: (v) => (check(v[0], objType), true) });
    fn(name, { name: `${name}_name${suffix}`, args: [T.name, objType, TX], returns: B, eval: (v) => (check(v[1], objType), true) });
  }
}

// pg_has_role([user,] role, privilege), which psql 15.20's \l+ calls. The session's user is a
// superuser and so has every role, existing or not; another role has itself and the roles
// PostgreSQL makes it a member of. A role named by text must exist.
const ROLE_MEMBERSHIPS: Record<string, string[]> = { pg_monitor: ['pg_read_all_settings', 'pg_read_all_stats', 'pg_stat_scan_tables'] };
const ROLE_PRIVILEGES = ['usage', 'member', 'usage with grant option', 'usage with admin option', 'member with grant option', 'member with admin option'];
function roleOid(v: Value, type: SqlType): number {
  if (type.id === 'oid') return num(v);
  if (v === ownerName()) return ROLE_OWNER;
  const r = ROLES.find((x) => x.name === v);
  if (!r) throw new SqlError(SQLSTATE.UNDEFINED_OBJECT, `role "${v}" does not exist`);
  return r.oid;
}
function checkRolePrivilege(list: string): void {
  for (const part of list.split(',')) {
    const p = part.trim();
    if (!ROLE_PRIVILEGES.includes(p.toLowerCase())) throw new SqlError(SQLSTATE.INVALID_PARAMETER_VALUE, `unrecognized privilege type: "${p}"`);
  }
}
function hasRole(user: number, role: number): boolean {
  if (user === ROLE_OWNER || user === role) return true;
  const member = roleName(role);
  return member !== null && (ROLE_MEMBERSHIPS[roleName(user) ?? ''] ?? []).includes(member);
}
for (const roleType of [T.name, O]) {
  const r = roleType.id === 'oid' ? 'id' : 'name';
  fn('pg_has_role', {
    name: `pg_has_role_${r}`,
    args: [roleType, TX],
    returns: B,
    eval: (v) => {
      const role = roleOid(v[0], roleType);
      checkRolePrivilege(v[1] as string);
      return hasRole(ROLE_OWNER, role);
    },
  });
  for (const userType of [T.name, O]) {
    fn('pg_has_role', {
      name: `pg_has_role_${userType.id === 'oid' ? 'id' : 'name'}_${r}`,
      args: [userType, roleType, TX],
      returns: B,
      eval: (v) => {
        const user = roleOid(v[0], userType);
        const role = roleOid(v[1], roleType);
        checkRolePrivilege(v[2] as string);
        return hasRole(user, role);
      },
    });
  }
}

fn('pg_get_expr', { name: 'pg_get_expr', args: [T.pg_node_tree, O], returns: TX, eval: (v) => v[0] });
fn('pg_get_expr', { name: 'pg_get_expr_ext', args: [T.pg_node_tree, O, B], returns: TX, eval: (v) => v[0] });

fn('pg_get_indexdef', { name: 'pg_get_indexdef', args: [O], returns: TX, eval: (v) => indexDef(num(v[0]), activeInfo()) });
fn('pg_get_indexdef', {
  name: 'pg_get_indexdef_ext',
  args: [O, T.int4, B],
  returns: TX,
  eval: (v) => {
    const info = activeInfo();
    const col = num(v[1]);
    if (col === 0) return indexDef(num(v[0]), info);
    const ix = info.index(num(v[0]));
    if (!ix) return null;
    const k = ix.keys[col - 1];
    return k === undefined ? '' : quoteIdent(ix.table.columns[k - 1].name);
  },
});

function constraintDef(oid: number): string | null {
  const ix = activeInfo().constraint(oid);
  if (!ix) return null;
  return `${ix.constraint!.type === 'p' ? 'PRIMARY KEY' : 'UNIQUE'} (${keyColumnList(ix)})`;
}
fn('pg_get_constraintdef', { name: 'pg_get_constraintdef', args: [O], returns: TX, eval: (v) => constraintDef(num(v[0])) });
fn('pg_get_constraintdef', { name: 'pg_get_constraintdef_ext', args: [O, B], returns: TX, eval: (v) => constraintDef(num(v[0])) });

/** The view's query as written (PostgreSQL prints a normalised deparse instead). */
function viewDef(oid: number): string | null {
  const r = activeInfo().relation(oid);
  if (!r || r.definition === null) return null;
  return ` ${r.definition.trim()};`;
}
fn('pg_get_viewdef', { name: 'pg_get_viewdef', args: [O], returns: TX, eval: (v) => viewDef(num(v[0])) });
fn('pg_get_viewdef', { name: 'pg_get_viewdef_ext', args: [O, B], returns: TX, eval: (v) => viewDef(num(v[0])) });
fn('pg_get_viewdef', { name: 'pg_get_viewdef_wrap', args: [O, T.int4], returns: TX, eval: (v) => viewDef(num(v[0])) });

for (const name of ['pg_relation_size', 'pg_total_relation_size', 'pg_table_size', 'pg_indexes_size']) {
  fn(name, { name, args: [T.regclass], returns: T.int8, eval: () => 0n });
}
fn('current_schemas', { name: 'current_schemas', args: [B], returns: T._name, eval: (v) => new PgArray(v[0] ? ['pg_catalog', 'public'] : ['public']) });

fn('pg_get_function_result', { name: 'pg_get_function_result', args: [O], returns: TX, eval: (v) => functionResult(num(v[0])) });
fn('pg_get_function_arguments', { name: 'pg_get_function_arguments', args: [O], returns: TX, eval: (v) => functionArgs(num(v[0])) });
fn('pg_get_function_identity_arguments', { name: 'pg_get_function_identity_arguments', args: [O], returns: TX, eval: (v) => functionArgs(num(v[0])) });
function functionResult(oid: number): string | null {
  const p = procRows().find((x) => x.oid === oid);
  if (!p) return null;
  return p.returns && p.returns.typmod !== -2 ? formatType({ id: p.returns.id, typmod: -1 }) : 'anyelement';
}
function functionArgs(oid: number): string | null {
  const p = procRows().find((x) => x.oid === oid);
  if (!p) return null;
  return p.args.map((a) => (a.typmod === -2 ? '"any"' : formatType({ id: a.id, typmod: -1 }))).join(', ');
}

fn('pg_relation_is_publishable', { name: 'pg_relation_is_publishable', args: [T.regclass], returns: B, eval: () => false });
fn('pg_get_statisticsobjdef_columns', { name: 'pg_get_statisticsobjdef_columns', args: [O], returns: TX, eval: nullText });
fn('pg_get_ruledef', { name: 'pg_get_ruledef', args: [O, B], returns: TX, eval: nullText });
fn('pg_get_triggerdef', { name: 'pg_get_triggerdef', args: [O, B], returns: TX, eval: nullText });
fn('pg_get_serial_sequence', { name: 'pg_get_serial_sequence', args: [TX, TX], returns: TX, eval: nullText });
fn('pg_is_in_recovery', { name: 'pg_is_in_recovery', args: [], returns: B, eval: () => false });
fn('pg_backend_pid', { name: 'pg_backend_pid', args: [], returns: T.int4, volatile: true, eval: () => process.pid });
fn('quote_ident', { name: 'quote_ident', args: [TX], returns: TX, eval: (v) => quoteIdent(v[0] as string) });

function toReg(type: TypeId) {
  return (v: Value[]) => {
    try {
      return getRegIn(type, v[0] as string);
    } catch (e) {
      if (e instanceof SqlError && e.code !== '42602') return null;
      throw e;
    }
  };
}
import { regIn as getRegIn } from '../../expr/reg.js';
fn('to_regclass', { name: 'to_regclass', args: [TX], returns: T.regclass, eval: toReg('regclass') });
fn('to_regtype', { name: 'to_regtype', args: [TX], returns: T.regtype, eval: toReg('regtype') });
fn('to_regnamespace', { name: 'to_regnamespace', args: [TX], returns: T.regnamespace, eval: toReg('regnamespace') });

/** Elements of an array's text form `{a,"b c",NULL}` (one dimension). */
export function parseArrayText(s: string): (string | null)[] {
  const out: (string | null)[] = [];
  const body = s.trim().replace(/^\{/, '').replace(/\}$/, '');
  if (body === '') return out;
  const re = /\s*(?:"((?:[^"\\]|\\.)*)"|([^,]*?))\s*(?:,|$)/y;
  let m: RegExpExecArray | null;
  while (re.lastIndex < body.length && (m = re.exec(body))) {
    if (m[1] !== undefined) out.push(m[1].replace(/\\(.)/g, '$1'));
    else out.push(m[2].toUpperCase() === 'NULL' ? null : m[2]);
    if (m[0] === '') break;
  }
  return out;
}
for (const id of ['_aclitem'] as const) {
  fn('array_to_string', {
    name: `array_to_string${id}`,
    args: [T[id], TX],
    returns: TX,
    eval: (v) => parseArrayText(v[0] as string).filter((x) => x !== null).join(v[1] as string),
  });
}
void ANY;

// --- sizes: an in-memory database has no relation files, so every size is 0 bytes ---
const zeroSize = () => 0n;
fn('pg_database_size', { name: 'pg_database_size_name', args: [T.name], returns: T.int8, eval: zeroSize });
fn('pg_database_size', { name: 'pg_database_size_oid', args: [O], returns: T.int8, eval: zeroSize });

/** pg_size_pretty(bigint), as dbsize.c prints it (10240 bytes, then kB, MB, … rounded half away from 0). */
fn('pg_size_pretty', {
  name: 'pg_size_pretty',
  args: [T.int8],
  returns: TX,
  eval: (v) => {
    let size = v[0] as bigint;
    const abs = (x: bigint) => (x < 0n ? -x : x);
    const half = (x: bigint) => (x + (x < 0n ? -1n : 1n)) / 2n;
    if (abs(size) < 10240n) return `${size} bytes`;
    size >>= 9n;
    for (const unit of ['kB', 'MB', 'GB', 'TB']) {
      if (abs(size) < 20479n) return `${half(size)} ${unit}`;
      size >>= 10n;
    }
    return `${half(size)} PB`;
  },
});
fn('pg_get_function_sqlbody', { name: 'pg_get_function_sqlbody', args: [O], returns: TX, eval: () => null });

// quote_literal(text) and format(fmt, VARIADIC "any") as varlena.c has them: %s, %I, %L, %%,
// argument positions (%2$s) and widths (%-10s, %*s).
function quoteLiteral(s: string): string {
  const body = s.replace(/'/g, "''").replace(/\\/g, '\\\\');
  return s.includes('\\') ? `E'${body}'` : `'${body}'`;
}
fn('quote_literal', { name: 'quote_literal', args: [TX], returns: TX, eval: (v) => quoteLiteral(v[0] as string) });
fn('quote_nullable', { name: 'quote_nullable', args: [TX], returns: TX, strict: false, eval: (v) => (v[0] === null ? 'NULL' : quoteLiteral(v[0] as string)) });

function textFormat(fmt: string, args: Value[], out: ((v: Value) => string)[]): string {
  let res = '';
  let next = 0;
  const bad = (m: string) => new SqlError(SQLSTATE.INVALID_PARAMETER_VALUE, m);
  for (let i = 0; i < fmt.length; i++) {
    const ch = fmt[i];
    if (ch !== '%') {
      res += ch;
      continue;
    }
    i++;
    if (i >= fmt.length) throw bad('unterminated format() type specifier');
    if (fmt[i] === '%') {
      res += '%';
      continue;
    }
    const m = /^(?:(\d+)\$)?(-)?(?:(\*)(?:(\d+)\$)?|(\d+))?([sIL])?/.exec(fmt.slice(i))!;
    if (!m[6]) throw bad(i < fmt.length ? `unrecognized format() type specifier "${fmt[i + m[0].length] ?? fmt[i]}"` : 'unterminated format() type specifier');
    i += m[0].length - 1;
    let width = 0;
    let left = !!m[2];
    if (m[3]) {
      const wi = m[4] ? Number(m[4]) - 1 : next++;
      if (wi >= args.length) throw bad('too few arguments for format()');
      const w = args[wi] === null ? 0 : Number(args[wi]);
      if (w < 0) left = true;
      width = Math.abs(w);
    } else if (m[5]) width = Number(m[5]);
    const ai = m[1] ? Number(m[1]) - 1 : next++;
    if (m[1]) next = ai + 1;
    if (ai < 0) throw bad('format specifies argument 0, but arguments are numbered from 1');
    if (ai >= args.length) throw bad('too few arguments for format()');
    const v = args[ai];
    let s: string;
    if (m[6] === 's') s = v === null ? '' : out[ai](v);
    else if (m[6] === 'I') {
      if (v === null) throw new SqlError('22004', 'null values cannot be formatted as an SQL identifier');
      s = quoteIdent(out[ai](v));
    } else s = v === null ? 'NULL' : quoteLiteral(out[ai](v));
    if (s.length < width) s = left ? s.padEnd(width) : s.padStart(width);
    res += s;
  }
  return res;
}
fn('format', { name: 'text_format_nv', args: [TX], returns: TX, strict: false, eval: (v) => (v[0] === null ? null : textFormat(v[0] as string, [], [])) });
fn('format', {
  name: 'text_format',
  args: [TX, ANY],
  variadic: true,
  strict: false,
  returns: TX,
  eval: () => '',
  evalFor: (ts) => {
    const out = ts.slice(1).map((t) => (v: Value) => formatValue(v, t) as string);
    return (v) => (v[0] === null ? null : textFormat(v[0] as string, v.slice(1), out));
  },
});
