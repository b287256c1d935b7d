// SQL-level prepared statements: PREPARE name [(types)] AS statement, EXECUTE name [(args)],
// DEALLOCATE [PREPARE] name | ALL. A session's prepared statements live until DEALLOCATE or
// DISCARD ALL (not transactional, as in PostgreSQL); the statement's parse tree is kept, so
// its plan cache (Session.selectPlan) serves every EXECUTE.

import { SqlError, SQLSTATE } from '../errors.js';
import type { ParsedStatement } from '../sql/parser.js';
import type { SqlType } from '../sql/types.js';
import { formatType } from '../sql/types.js';
import { bindExprIn, type BindEnv } from '../sql/bind_env.js';
import { bindTypeName } from '../sql/bind_expr.js';
import { ParamTypes, tryCoerce } from '../sql/coerce.js';
import { Scope } from '../sql/scope.js';
import { evalConstant } from '../expr/compile.js';
import { formatValue } from '../expr/format.js';
import type { Catalog } from '../catalog/catalog.js';
import type { Value } from '../expr/value.js';

interface Prepared {
  stmt: ParsedStatement;
  paramTypes: SqlType[];
}

export class PreparedStatements {
  private readonly byName = new Map<string, Prepared>();

  /** PREPARE: describe the statement now (binding errors are PREPARE's), keep it. */
  prepare(n: any, outer: ParsedStatement, describe: (stmt: ParsedStatement, types: (SqlType | undefined)[]) => { paramTypes: SqlType[] }): void {
    const name = String(n.name);
    if (this.byName.has(name)) throw new SqlError('42P05', `prepared statement "${name}" already exists`);
    const declared = ((n.argtypes ?? []) as any[]).map((t) => bindTypeName(t.TypeName));
    const stmt: ParsedStatement = { node: n.query, text: outer.text, offset: outer.offset };
    const d = describe(stmt, declared);
    this.byName.set(name, { stmt, paramTypes: d.paramTypes });
  }

  /**
   * EXECUTE: the statement and its parameters, each argument coerced to its parameter's type
   * in assignment context and evaluated now (handed over as text, as the wire would).
   */
  bindExecute(
    n: any,
    catalog: Catalog,
    outer: ParamTypes,
    outerValues: (() => readonly Value[]) | null,
  ): { stmt: ParsedStatement; params: (string | null)[]; paramTypes: SqlType[] } {
    const p = this.get(String(n.name));
    const args: any[] = n.params ?? [];
    if (args.length !== p.paramTypes.length) {
      throw new SqlError(SQLSTATE.SYNTAX_ERROR, `wrong number of parameters for prepared statement "${n.name}"`, {
        detail: `Expected ${p.paramTypes.length} parameters but got ${args.length}.`,
      });
    }
    // the arguments may refer to the EXECUTE's own parameters ($1 over the extended protocol)
    const env: BindEnv = { catalog, params: outer, ctes: new Map(), outer: null, dependencies: new Set() };
    const bound = args.map((a, i) => {
      const t = p.paramTypes[i];
      const e = bindExprIn(a, Scope.empty(), env, 'EXECUTE parameter');
      const c = tryCoerce(e, t, 'assignment', env.params);
      if (!c) {
        throw new SqlError(SQLSTATE.DATATYPE_MISMATCH, `parameter $${i + 1} of type ${formatType(e.type)} cannot be coerced to the expected type ${formatType(t)}`, {
          hint: 'You will need to rewrite or cast the expression.',
        });
      }
      return c;
    });
    const values = outerValues ? outerValues() : [];
    const params = outerValues
      ? bound.map((c, i) => {
          const v = evalConstant(c, values);
          return v === null ? null : formatValue(v, p.paramTypes[i]);
        })
      : [];
    return { stmt: p.stmt, params, paramTypes: p.paramTypes };
  }

  deallocate(n: any): string {
    if (n.isall) {
      this.byName.clear();
      return 'DEALLOCATE ALL';
    }
    this.get(String(n.name));
    this.byName.delete(String(n.name));
    return 'DEALLOCATE';
  }

  clear(): void {
    this.byName.clear();
  }

  private get(name: string): Prepared {
    const p = this.byName.get(name);
    if (!p) throw new SqlError('26000', `prepared statement "${name}" does not exist`);
    return p;
  }
}
