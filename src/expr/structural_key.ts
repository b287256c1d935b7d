// An injective text encoding of plain data and runtime values, for identity by structure:
// the binder's expression keys (sql/expr_key.ts) and the identity key of a correlated
// subquery's domain (expr/functions/internal.ts). Every value is type-tagged, strings are
// quoted and containers bracketed, so two inputs share a key only when they are equal as
// data: NaN, ±Infinity and NULL stay apart (JSON.stringify writes them all as `null`), and
// so do -0 and 0, 1.5 and 1.50.

/**
 * Injective encoding of plain data: null, booleans, numbers (-0, NaN, ±Infinity kept apart),
 * bigints, strings, arrays, objects (keys sorted; undefined members and `position`, where a
 * node was written, are left out) and class instances (their class name, then their own
 * fields: Decimal, Interval, Jsonb, PgArray, PgRecord).
 */
export function structuralKey(v: unknown): string {
  switch (typeof v) {
    case 'number':
      return '#' + (v === 0 && 1 / v < 0 ? '-0' : String(v));
    case 'bigint':
      return 'b' + v.toString();
    case 'string':
      return JSON.stringify(v);
    case 'boolean':
      return v ? 'T' : 'F';
    case 'undefined':
      return 'U';
    case 'object': {
      if (v === null) return 'N';
      if (Array.isArray(v)) {
        let s = '[';
        for (let i = 0; i < v.length; i++) s += (i ? ',' : '') + structuralKey(v[i]);
        return s + ']';
      }
      const proto = Object.getPrototypeOf(v);
      const tag = proto === Object.prototype || proto === null ? '' : '<' + (proto.constructor?.name ?? '?') + '>';
      const rec = v as Record<string, unknown>;
      let s = tag + '{';
      let first = true;
      for (const k of Object.keys(rec).sort()) {
        const x = rec[k];
        if (x === undefined || k === 'position') continue;
        s += (first ? '' : ',') + JSON.stringify(k) + ':' + structuralKey(x);
        first = false;
      }
      return s + '}';
    }
    default:
      throw new Error(`structuralKey: cannot encode a ${typeof v}`);
  }
}
