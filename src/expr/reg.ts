// Input and output of the reg* types (regclass, regtype, …): an oid that prints as a name.
// Names live in a database's catalog, which the expression layer does not know, so the
// system catalog module (src/catalog/system) installs the lookups for the catalog of the
// statement being run (everything runs synchronously, one statement at a time).

import type { TypeId } from '../sql/types.js';

export interface RegLookup {
  /** Name of an object as the type's output function prints it, or null if no such oid. */
  out(type: TypeId, oid: number): string | null;
  /** Oid of a named object (the type's input function); raises when it does not exist. */
  in(type: TypeId, text: string): number;
}

let current: RegLookup | null = null;

export function setRegLookup(l: RegLookup | null): void {
  current = l;
}

export function regOut(type: TypeId, oid: number): string {
  return current?.out(type, oid) ?? String(oid);
}

export function regIn(type: TypeId, text: string): number {
  const s = text.trim();
  // an all-digit string is an oid as is, as PostgreSQL's reg*in functions accept
  if (/^\d+$/.test(s)) return parseOid(s);
  if (!current) throw new Error(`no catalog to look up ${type} '${text}'`);
  return current.in(type, text);
}

/** oidin: an unsigned 32-bit integer (a negative int4 wraps, as strtoul does). */
export function parseOid(text: string): number {
  const s = text.trim();
  if (!/^[+-]?\d+$/.test(s)) return NaN;
  const n = Number(s);
  if (n < -2147483648 || n > 4294967295) return NaN;
  return n < 0 ? n + 4294967296 : n;
}
