// What PostgreSQL 15 itself has (pg15_catalog.ts, generated from its catalogs), consulted
// when a type, function or operator does not resolve in Tributary: if PostgreSQL 15 would
// accept the construct, the answer is 0A000 (not implemented here), never the 42704/42883
// that would claim PostgreSQL does not know it either. The matching is PostgreSQL's
// candidate test (parse_func.c func_match_argtypes): the arity, with defaults and VARIADIC,
// and each argument being of the declared type, implicitly castable to it, an untyped
// literal, or accepted by a polymorphic parameter.

import { TYPE_INFO, type SqlType } from '../../sql/types.js';
import { FUNCTIONS, IMPLICIT_CASTS, OPERATORS, TYPES } from './pg15_catalog.js';

interface PgType {
  formatted: string;
  elem: string | null;
}

interface PgFunction {
  kind: string;
  args: string[];
  defaults: number;
  variadic: boolean;
}

let types: Map<string, PgType> | undefined;
let functions: Map<string, PgFunction[]> | undefined;
let operators: Map<string, [string, string][]> | undefined;
let casts: Set<string> | undefined;

const lines = (block: string) => block.split('\n').filter((l) => l !== '');

function loadTypes(): Map<string, PgType> {
  if (!types) {
    types = new Map();
    for (const l of lines(TYPES)) {
      const [name, formatted, , elem] = l.split('|');
      types.set(name, { formatted, elem: elem || null });
    }
  }
  return types;
}

function loadFunctions(): Map<string, PgFunction[]> {
  if (!functions) {
    functions = new Map();
    for (const l of lines(FUNCTIONS)) {
      const [name, kind, args, defaults, variadic] = l.split('|');
      let list = functions.get(name);
      if (!list) functions.set(name, (list = []));
      list.push({ kind, args: args === '' ? [] : args.split(' '), defaults: Number(defaults), variadic: variadic === 'v' });
    }
  }
  return functions;
}

function loadOperators(): Map<string, [string, string][]> {
  if (!operators) {
    operators = new Map();
    for (const l of lines(OPERATORS)) {
      const [name, left, right] = l.split('|');
      let list = operators.get(name);
      if (!list) operators.set(name, (list = []));
      list.push([left, right]);
    }
  }
  return operators;
}

function implicitCast(from: string, to: string): boolean {
  casts ??= new Set(lines(IMPLICIT_CASTS));
  return casts.has(`${from}|${to}`);
}

/** PostgreSQL 15's own name for a type it has (format_type), or undefined. */
export function pg15TypeName(typname: string): string | undefined {
  return loadTypes().get(typname.toLowerCase())?.formatted;
}

/** As pg15TypeName, also accepting the formatted name ("time without time zone"). */
export function pg15TypeNameAny(name: string): string | undefined {
  const n = name.toLowerCase();
  const direct = pg15TypeName(n);
  if (direct) return direct;
  for (const t of loadTypes().values()) if (t.formatted === n) return t.formatted;
  return undefined;
}

function isArray(t: SqlType): boolean {
  return TYPE_INFO[t.id].category === 'A';
}

/** Could an argument of type t be passed to a parameter declared as PostgreSQL type `param`? */
function accepts(param: string, t: SqlType): boolean {
  if (t.id === 'unknown') return true;
  switch (param) {
    case 'any':
    case 'anyelement':
    case 'anycompatible':
      return true;
    case 'anynonarray':
    case 'anycompatiblenonarray':
      return !isArray(t);
    case 'anyarray':
    case 'anycompatiblearray':
      return isArray(t);
  }
  return param === t.id || implicitCast(t.id, param);
}

function matches(f: PgFunction, inputs: readonly SqlType[]): boolean {
  const n = inputs.length;
  const k = f.args.length;
  let params = f.args;
  if (f.variadic) {
    if (n < k) return false;
    const last = f.args[k - 1];
    const elem = last === 'any' ? 'any' : (loadTypes().get(last)?.elem ?? last);
    params = [...f.args.slice(0, k - 1), ...new Array<string>(n - k + 1).fill(elem)];
  } else if (n > k || n < k - f.defaults) return false;
  return inputs.every((t, i) => accepts(params[i], t));
}

/** Does PostgreSQL 15 have a function `name` (of any kind) callable with these argument types? */
export function pg15HasFunction(name: string, inputs: readonly SqlType[]): boolean {
  return (loadFunctions().get(name) ?? []).some((f) => matches(f, inputs));
}

/** Is `name` one of PostgreSQL 15's aggregate functions? */
export function pg15IsAggregate(name: string): boolean {
  return (loadFunctions().get(name) ?? []).some((f) => f.kind === 'a');
}

/** Does PostgreSQL 15 have operator `op` for these operand types (left null: prefix)? */
export function pg15HasOperator(op: string, left: SqlType | null, right: SqlType): boolean {
  return (loadOperators().get(op) ?? []).some(
    ([l, r]) => (left === null ? l === '' : l !== '' && accepts(l, left)) && accepts(r, right),
  );
}
