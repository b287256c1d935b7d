// Function and operator resolution with PostgreSQL's rules (parse_func.c / parse_oper.c):
// exact match, then an unknown literal taking the other operand's type, then candidates
// reachable by implicit casts narrowed by func_select_candidate's heuristics.

import { SqlError, SQLSTATE, unsupported } from '../../errors.js';
import { T, TYPE_INFO, type as mkType, type SqlType, type TypeCategory, type TypeId } from '../../sql/types.js';
import { canCast } from '../cast.js';
import { byName, impls, isAny, type FunctionImpl } from './core.js';
import { pg15HasFunction, pg15HasOperator } from './pg15_names.js';
import './operators.js';
import './math.js';
import './string.js';
import './datetime.js';
import './jsonb.js';
import './internal.js';
import './session_info.js';
import './array.js';
import './pg_typeof.js';
import './regexp.js';

export type { FunctionImpl } from './core.js';
export { ANY } from './core.js';

export interface Resolved {
  impl: FunctionImpl;
  /** Types the binder must cast each argument to. */
  argTypes: SqlType[];
  returnType: SqlType;
}

export function getFunctionImpl(name: string): FunctionImpl {
  let f = impls.get(name);
  if (!f) {
    // specialised polymorphic implementation: 'base|type,type'
    const bar = name.indexOf('|');
    const base = bar > 0 ? impls.get(name.slice(0, bar)) : undefined;
    if (base?.evalFor) {
      const ids = name.slice(bar + 1).split(',').filter(Boolean) as TypeId[];
      f = specialise(base, ids.map((id) => mkType(id)));
    }
  }
  if (!f) throw new SqlError(SQLSTATE.INTERNAL_ERROR, `unknown function implementation ${name}`);
  return f;
}

function specialise(base: FunctionImpl, argTypes: readonly SqlType[]): FunctionImpl {
  const name = `${base.name}|${argTypes.map((t) => t.id).join(',')}`;
  let f = impls.get(name);
  if (!f) {
    f = { ...base, name, argTypes, variadic: false, eval: base.evalFor!(argTypes), evalFor: undefined };
    impls.set(name, f);
  }
  return f;
}

/** All implementations registered under a SQL name (for EXPLAIN, tests, catalogs). */
export function candidatesFor(name: string): readonly FunctionImpl[] {
  return byName.get(name.toLowerCase()) ?? [];
}

function typeName(t: SqlType): string {
  return TYPE_INFO[t.id].name;
}

export function resolveOperator(op: string, left: SqlType | null, right: SqlType): Resolved {
  const inputs = left ? [left, right] : [right];
  const all = (byName.get('op:' + op) ?? []).filter((c) => c.argTypes.length === inputs.length);
  // binary_oper_exact: with one unknown operand, try the other operand's type for both
  if (left && (left.id === 'unknown') !== (right.id === 'unknown')) {
    const known = left.id === 'unknown' ? right : left;
    const c = all.find((c) => c.argTypes[0].id === known.id && c.argTypes[1].id === known.id);
    if (c) return finish(c, inputs, [c.argTypes[0], c.argTypes[1]]);
  }
  const r = resolve(all, inputs);
  const sig = left ? `${typeName(left)} ${op} ${typeName(right)}` : `${op} ${typeName(right)}`;
  if (r === 'ambiguous') {
    throw new SqlError(SQLSTATE.AMBIGUOUS_FUNCTION, `operator is not unique: ${sig}`, {
      hint: 'Could not choose a best candidate operator. You might need to add explicit type casts.',
    });
  }
  if (!r) {
    if (pg15HasOperator(op, left, right)) throw unsupported(`operator ${sig}`);
    throw new SqlError(SQLSTATE.UNDEFINED_FUNCTION, `operator does not exist: ${sig}`, {
      hint: left
        ? 'No operator matches the given name and argument types. You might need to add explicit type casts.'
        : 'No operator matches the given name and argument type. You might need to add an explicit type cast.',
    });
  }
  return r;
}

export function resolveFunction(name: string, args: readonly SqlType[]): Resolved {
  const all = byName.get(name.toLowerCase()) ?? [];
  const r = resolve(all, args);
  const sig = `${name}(${args.map(typeName).join(', ')})`;
  if (r === 'ambiguous') {
    throw new SqlError(SQLSTATE.AMBIGUOUS_FUNCTION, `function ${sig} is not unique`, {
      hint: 'Could not choose a best candidate function. You might need to add explicit type casts.',
    });
  }
  if (!r) {
    if (pg15HasFunction(name.toLowerCase(), args)) throw unsupported(`function ${sig}`);
    throw new SqlError(SQLSTATE.UNDEFINED_FUNCTION, `function ${sig} does not exist`, {
      hint: 'No function matches the given name and argument types. You might need to add explicit type casts.',
    });
  }
  return r;
}

/** Declared types of a candidate expanded to n arguments, or null if arity mismatches. */
function expand(c: FunctionImpl, n: number): readonly SqlType[] | null {
  const k = c.argTypes.length;
  if (!c.variadic) return k === n ? c.argTypes : null;
  if (n < k) return null;
  const out = c.argTypes.slice();
  while (out.length < n) out.push(c.argTypes[k - 1]);
  return out;
}

function category(t: SqlType): TypeCategory | 'P' {
  return isAny(t) ? 'P' : TYPE_INFO[t.id].category;
}

function preferred(t: SqlType): boolean {
  return !isAny(t) && TYPE_INFO[t.id].preferred;
}

function coercible(from: SqlType, to: SqlType): boolean {
  if (isAny(to) || from.id === 'unknown') return true;
  return canCast(from, to, 'implicit');
}

interface Cand {
  impl: FunctionImpl;
  args: readonly SqlType[];
}

function resolve(all: readonly FunctionImpl[], inputs: readonly SqlType[]): Resolved | 'ambiguous' | null {
  const n = inputs.length;
  const cands: Cand[] = [];
  for (const impl of all) {
    const args = expand(impl, n);
    if (args) cands.push({ impl, args });
  }
  // exact match on the given types
  for (const c of cands) {
    if (c.args.every((a, i) => !isAny(a) && a.id === inputs[i].id)) return finish(c.impl, inputs, c.args);
  }
  // func_match_argtypes: candidates reachable by implicit coercion
  const viable = cands.filter((c) => c.args.every((a, i) => coercible(inputs[i], a)));
  if (viable.length === 0) return null;
  if (viable.length === 1) return finish(viable[0].impl, inputs, viable[0].args);
  const picked = selectCandidate(viable, inputs);
  if (!picked) return 'ambiguous';
  return finish(picked.impl, inputs, picked.args);
}

/** func_select_candidate. */
function selectCandidate(cands: Cand[], inputs: readonly SqlType[]): Cand | null {
  const n = inputs.length;
  const unknown = inputs.map((t) => t.id === 'unknown');
  const nunknowns = unknown.filter(Boolean).length;
  const keepMax = (list: Cand[], score: (c: Cand) => number): Cand[] => {
    let best = -1;
    let out: Cand[] = [];
    for (const c of list) {
      const s = score(c);
      if (s > best) {
        best = s;
        out = [c];
      } else if (s === best) out.push(c);
    }
    return out;
  };
  // most exact matches on known inputs
  let list = keepMax(cands, (c) => c.args.filter((a, i) => !unknown[i] && !isAny(a) && a.id === inputs[i].id).length);
  if (list.length === 1) return list[0];
  // most exact-or-preferred matches where coercion is needed
  list = keepMax(
    list,
    (c) => c.args.filter((a, i) => !unknown[i] && ((!isAny(a) && a.id === inputs[i].id) || preferred(a))).length,
  );
  if (list.length === 1) return list[0];
  if (nunknowns === 0) return null;
  // resolve unknown positions by category, STRING winning any conflict
  let resolved = true;
  const slotCat: (string | null)[] = new Array(n).fill(null);
  const slotPref: boolean[] = new Array(n).fill(false);
  for (let i = 0; i < n && resolved; i++) {
    if (!unknown[i]) continue;
    let conflict = false;
    for (const c of list) {
      const cat = category(c.args[i]);
      const pref = preferred(c.args[i]);
      if (slotCat[i] === null) {
        slotCat[i] = cat;
        slotPref[i] = pref;
      } else if (cat === slotCat[i]) slotPref[i] ||= pref;
      else if (cat === 'S') {
        slotCat[i] = cat;
        slotPref[i] = pref;
      } else conflict = true;
    }
    if (conflict && slotCat[i] !== 'S') resolved = false;
  }
  if (resolved) {
    const kept = list.filter((c) =>
      c.args.every((a, i) => !unknown[i] || (category(a) === slotCat[i] && (!slotPref[i] || preferred(a)))),
    );
    if (kept.length === 1) return kept[0];
    list = kept;
  }
  // all known inputs of one type: assume the unknowns are of that type too
  if (nunknowns < n) {
    let known: SqlType | null = null;
    for (let i = 0; i < n; i++) {
      if (unknown[i]) continue;
      if (!known) known = inputs[i];
      else if (known.id !== inputs[i].id) {
        known = null;
        break;
      }
    }
    if (known) {
      const k = known;
      const ok = list.filter((c) => c.args.every((a) => coercible(k, a)));
      if (ok.length === 1) return ok[0];
    }
  }
  return null;
}

function finish(impl: FunctionImpl, inputs: readonly SqlType[], declared: readonly SqlType[]): Resolved {
  // "any" parameters take the input type as is (unknown literals become text)
  const argTypes = declared.map((d, i) =>
    isAny(d) ? (inputs[i].id === 'unknown' && !impl.keepsUnknown ? textType : inputs[i]) : d,
  );
  const returnType = typeof impl.returns === 'function' ? impl.returns(argTypes) : impl.returns;
  return { impl: impl.evalFor ? specialise(impl, argTypes) : impl, argTypes, returnType };
}

const textType: SqlType = T.text;

/** Pairs of operators that are each other's negator (pg_operator.oprnegate). */
const NEGATORS: Record<string, string> = {
  '=': '<>', '<>': '=', '<': '>=', '>=': '<', '>': '<=', '<=': '>',
  '~~': '!~~', '!~~': '~~', '~~*': '!~~*', '!~~*': '~~*', '~': '!~', '!~': '~', '~*': '!~*', '!~*': '~*',
};
let operatorOf: Map<string, string> | null = null;

/**
 * The implementation of the negator of binary operator implementation `fn` for the same
 * argument types (`int4lt` → `int4ge`), or undefined when it has none: what negate_clause
 * uses to turn NOT (a < b) into a >= b.
 */
export function negatorImpl(fn: string): string | undefined {
  if (operatorOf === null) {
    operatorOf = new Map();
    for (const [key, list] of byName) {
      if (!key.startsWith('op:')) continue;
      for (const impl of list) if (impl.argTypes.length === 2 && !operatorOf.has(impl.name)) operatorOf.set(impl.name, key.slice(3));
    }
  }
  const sym = operatorOf.get(fn);
  const neg = sym !== undefined ? NEGATORS[sym] : undefined;
  if (neg === undefined) return undefined;
  const impl = impls.get(fn)!;
  const match = (byName.get('op:' + neg) ?? []).find(
    (c) => c.argTypes.length === 2 && c.argTypes.every((t, i) => !isAny(t) && t.id === impl.argTypes[i].id && !isAny(impl.argTypes[i])),
  );
  return match?.name;
}
