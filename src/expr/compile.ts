// Compile bound expressions into closures evaluated row by row over columnar batches.
// Closures read typed arrays directly (column kind is known from the type), so evaluating
// a filter or projection allocates nothing per row beyond the values it creates.

import type { Batch, Column } from '../dataflow/batch.js';
import { getValue, storageKind } from '../dataflow/batch.js';
import { SqlError, SQLSTATE } from '../errors.js';
import { type Expr, conjuncts } from './expr.js';
import type { Value } from './value.js';
import { castFn } from './cast.js';
import { getFunctionImpl } from './functions/registry.js';
import { compileI64Comparison } from './i64_compare.js';

export type Evaluator = (b: Batch, i: number) => Value;

export function compileExpr(e: Expr, params: readonly Value[] = []): Evaluator {
  switch (e.kind) {
    case 'column':
      return columnReader(e.index, storageKind(e.type));
    case 'literal': {
      const v = e.value;
      return () => v;
    }
    case 'param': {
      if (e.index >= params.length) {
        throw new SqlError(SQLSTATE.UNDEFINED_PARAMETER, `there is no parameter $${e.index + 1}`);
      }
      const v = params[e.index];
      return () => v;
    }
    case 'cast': {
      const arg = compileExpr(e.arg, params);
      const f = castFn(e.arg.type, e.type, e.explicit ?? false);
      return (b, i) => {
        const v = arg(b, i);
        return v === null ? null : f(v);
      };
    }
    case 'call':
      return compileI64Comparison(e, params) ?? compileCall(e.fn, e.args.map((a) => compileExpr(a, params)));
    case 'and': {
      const args = e.args.map((a) => compileExpr(a, params));
      return (b, i) => {
        let sawNull = false;
        for (let k = 0; k < args.length; k++) {
          const v = args[k](b, i);
          if (v === false) return false;
          if (v === null) sawNull = true;
        }
        return sawNull ? null : true;
      };
    }
    case 'or': {
      const args = e.args.map((a) => compileExpr(a, params));
      return (b, i) => {
        let sawNull = false;
        for (let k = 0; k < args.length; k++) {
          const v = args[k](b, i);
          if (v === true) return true;
          if (v === null) sawNull = true;
        }
        return sawNull ? null : false;
      };
    }
    case 'not': {
      const arg = compileExpr(e.arg, params);
      return (b, i) => {
        const v = arg(b, i);
        return v === null ? null : !v;
      };
    }
    case 'isnull': {
      const arg = compileExpr(e.arg, params);
      return e.negated ? (b, i) => arg(b, i) !== null : (b, i) => arg(b, i) === null;
    }
    case 'istruth': {
      const arg = compileExpr(e.arg, params);
      const truth = e.truth;
      const neg = e.negated;
      return (b, i) => (arg(b, i) === truth) !== neg;
    }
    case 'distinct': {
      const l = compileExpr(e.left, params);
      const r = compileExpr(e.right, params);
      const eq = getFunctionImpl(e.eq).eval;
      const neg = e.negated;
      return (b, i) => {
        const x = l(b, i);
        const y = r(b, i);
        let distinct: boolean;
        if (x === null || y === null) distinct = !(x === null && y === null);
        else distinct = eq([x, y]) !== true;
        return distinct !== neg;
      };
    }
    case 'case': {
      const whens = e.whens.map((w) => [compileExpr(w.when, params), compileExpr(w.then, params)] as const);
      const els = compileExpr(e.else, params);
      return (b, i) => {
        for (let k = 0; k < whens.length; k++) if (whens[k][0](b, i) === true) return whens[k][1](b, i);
        return els(b, i);
      };
    }
    case 'coalesce': {
      const args = e.args.map((a) => compileExpr(a, params));
      return (b, i) => {
        for (let k = 0; k < args.length; k++) {
          const v = args[k](b, i);
          if (v !== null) return v;
        }
        return null;
      };
    }
    case 'minmax': {
      const args = e.args.map((a) => compileExpr(a, params));
      const better = getFunctionImpl(e.cmp).eval;
      return (b, i) => {
        let best: Value = null;
        for (let k = 0; k < args.length; k++) {
          const v = args[k](b, i);
          if (v !== null && (best === null || better([v, best]) === true)) best = v;
        }
        return best;
      };
    }
    case 'nullif': {
      const l = compileExpr(e.left, params);
      const r = compileExpr(e.right, params);
      const eq = getFunctionImpl(e.eq).eval;
      return (b, i) => {
        // both arguments are evaluated, as in PostgreSQL (an error in the second one counts)
        const x = l(b, i);
        const y = r(b, i);
        return x !== null && y !== null && eq([x, y]) === true ? null : x;
      };
    }
  }
}

function columnReader(index: number, kind: ReturnType<typeof storageKind>): Evaluator {
  switch (kind) {
    case 'i32':
    case 'f64':
      return (b, i) => {
        const c: Column = b.columns[index];
        return c.nulls !== null && c.nulls[i] === 1 ? null : (c.data as Float64Array)[i];
      };
    case 'i64':
      return (b, i) => {
        const c: Column = b.columns[index];
        return c.nulls !== null && c.nulls[i] === 1 ? null : (c.data as BigInt64Array)[i];
      };
    case 'bool':
      return (b, i) => {
        const c: Column = b.columns[index];
        return c.nulls !== null && c.nulls[i] === 1 ? null : (c.data as Uint8Array)[i] === 1;
      };
    case 'dec':
      return (b, i) => getValue(b.columns[index], i);
    default:
      return (b, i) => (b.columns[index].data as Value[])[i];
  }
}

function compileCall(name: string, args: Evaluator[]): Evaluator {
  const impl = getFunctionImpl(name);
  const f = impl.eval;
  const n = args.length;
  if (!impl.strict) {
    return (b, i) => {
      const vals: Value[] = new Array(n);
      for (let k = 0; k < n; k++) vals[k] = args[k](b, i);
      return f(vals);
    };
  }
  if (n === 1) {
    const a0 = args[0];
    return (b, i) => {
      const x = a0(b, i);
      return x === null ? null : f([x]);
    };
  }
  // PostgreSQL evaluates every argument before a strict function looks for NULLs, so an
  // argument's error is raised even when another argument is NULL
  if (n === 2) {
    const a0 = args[0];
    const a1 = args[1];
    const f2 = impl.eval2;
    if (f2 !== undefined) {
      return (b, i) => {
        const x = a0(b, i);
        const y = a1(b, i);
        return x === null || y === null ? null : f2(x, y);
      };
    }
    return (b, i) => {
      const x = a0(b, i);
      const y = a1(b, i);
      return x === null || y === null ? null : f([x, y]);
    };
  }
  return (b, i) => {
    const vals: Value[] = new Array(n);
    let sawNull = false;
    for (let k = 0; k < n; k++) {
      const v = args[k](b, i);
      if (v === null) sawNull = true;
      vals[k] = v;
    }
    return sawNull ? null : f(vals);
  };
}

/** Evaluate an expression that references no columns (constant folding, LIMIT, VALUES). */
/**
 * A WHERE / join condition: its top-level conjuncts in order, stopping at the first that is not
 * TRUE — NULL included, as PostgreSQL's ExecQual does (an AND inside an expression goes on past
 * NULL), so a later conjunct's error is not raised for a row an earlier one rejects.
 */
export function compileQual(e: Expr, params: readonly Value[] = []): Evaluator {
  const parts = conjuncts(e).map((c) => compileExpr(c, params));
  if (parts.length === 1) return parts[0];
  return (b, i) => {
    for (let k = 0; k < parts.length; k++) if (parts[k](b, i) !== true) return false;
    return true;
  };
}

export function evalConstant(e: Expr, params: readonly Value[] = []): Value {
  // the usual keys of a lookup: nothing to compile
  if (e.kind === 'literal') return e.value;
  if (e.kind === 'param' && e.index < params.length) return params[e.index];
  return compileExpr(e, params)(EMPTY_BATCH, 0);
}

const EMPTY_BATCH: Batch = { types: [], columns: [], weights: new Int32Array(0), length: 0 };
