// Function/operator catalog storage, shared by the category modules that fill it and by
// registry.ts which resolves calls against it (kept apart to avoid an import cycle).

import type { SqlType } from '../../sql/types.js';
import { T } from '../../sql/types.js';
import type { Value } from '../value.js';
import { SqlError, SQLSTATE } from '../../errors.js';

export interface FunctionImpl {
  /** Unique implementation name, e.g. 'int4pl', 'upper', 'textlike'. */
  readonly name: string;
  /** Declared parameter types (ANY matches every type without a cast). */
  readonly argTypes: readonly SqlType[];
  /** The last argType repeats (concat, concat_ws...). */
  readonly variadic?: boolean;
  readonly returns: SqlType | ((args: readonly SqlType[]) => SqlType);
  /** Any NULL argument gives NULL without calling eval (the evaluator does this). */
  readonly strict: boolean;
  /** now(), random(): refused in materialized views. */
  readonly volatile?: boolean;
  readonly eval: (args: Value[]) => Value;
  /** The same as eval for two arguments, without an array per call (comparisons, arithmetic). */
  readonly eval2?: (a: Value, b: Value) => Value;
  /**
   * For polymorphic ("any") parameters: an evaluator specialised to the resolved argument
   * types (values alone do not tell a date from an int4). Resolution then returns an impl
   * named `name|type,type` built from this.
   */
  readonly evalFor?: (argTypes: readonly SqlType[]) => (args: Value[]) => Value;
  /** An untyped literal passed to an "any" parameter stays unknown (pg_typeof), not text. */
  readonly keepsUnknown?: boolean;
}

/**
 * Pseudo-type "any"/anyelement: accepts every input type as is. Distinguished from the
 * real unknown type by its typmod; never appears in a Resolved signature.
 */
export const ANY: SqlType = Object.freeze({ id: 'unknown', typmod: -2 });

export function isAny(t: SqlType): boolean {
  return t === ANY || (t.id === 'unknown' && t.typmod === -2);
}

export { T };

export const impls = new Map<string, FunctionImpl>();
/** SQL-visible name (function name, or 'op:' + operator symbol) -> candidates. */
export const byName = new Map<string, FunctionImpl[]>();

export interface Def {
  name: string;
  args: readonly SqlType[];
  returns: FunctionImpl['returns'];
  eval: FunctionImpl['eval'];
  strict?: boolean;
  volatile?: boolean;
  variadic?: boolean;
  eval2?: FunctionImpl['eval2'];
  evalFor?: FunctionImpl['evalFor'];
  keepsUnknown?: boolean;
}

function add(key: string, d: Def): FunctionImpl {
  let impl = impls.get(d.name);
  if (!impl) {
    impl = {
      name: d.name,
      argTypes: d.args,
      returns: d.returns,
      strict: d.strict ?? true,
      eval: d.eval,
      ...(d.volatile ? { volatile: true } : {}),
      ...(d.variadic ? { variadic: true } : {}),
      ...(d.eval2 ? { eval2: d.eval2 } : {}),
      ...(d.evalFor ? { evalFor: d.evalFor } : {}),
      ...(d.keepsUnknown ? { keepsUnknown: true } : {}),
    };
    impls.set(d.name, impl);
  } else if (impl.eval !== d.eval) {
    throw new Error(`duplicate function implementation name ${d.name}`);
  }
  let list = byName.get(key);
  if (!list) byName.set(key, (list = []));
  list.push(impl);
  return impl;
}

/** Register a function under one or more SQL names. */
export function fn(names: string | string[], d: Def): void {
  for (const n of Array.isArray(names) ? names : [names]) add(n.toLowerCase(), d);
}

/** Register an operator (binary when two args, prefix when one). */
export function op(symbol: string, d: Def): void {
  add('op:' + symbol, d);
}

export function err(code: string, message: string): SqlError {
  return new SqlError(code, message);
}

export { SqlError, SQLSTATE };
