// EXPLAIN: a logical plan as indented text, one node per line. Used by users and by the
// planner's snapshot tests, so it must be stable and readable.

import type { Expr } from '../expr/expr.js';
import type { Plan } from './logical.js';
import { planChildren } from './logical.js';
import { formatValue } from '../expr/format.js';

/** `scanText` may describe a scan differently (a read through an index). */
export function explainPlan(p: Plan, depth = 0, scanText?: (scan: Plan) => string | undefined): string {
  const pad = '  '.repeat(depth);
  const lines = [pad + ((p.kind === 'scan' && scanText?.(p)) || describe(p))];
  for (const c of planChildren(p)) lines.push(explainPlan(c, depth + 1, scanText));
  return lines.join('\n');
}

function describe(p: Plan): string {
  switch (p.kind) {
    case 'scan':
      return `Scan ${p.relation}`;
    case 'values':
      return `Values (${p.rows.length} rows)`;
    case 'filter':
      return `Filter ${exprText(p.predicate)}`;
    case 'project':
      return `Project ${p.exprs.map(exprText).join(', ')}`;
    case 'join': {
      const keys = p.leftKeys.map((k, i) => `${exprText(k)} = ${exprText(p.rightKeys[i])}`).join(', ');
      const flags = `${p.gate ? ` gate ${p.gate}` : ''}${p.keepOn ? ' keep-on' : ''}`;
      return `Join ${p.type}${flags}${keys ? ` keys [${keys}]` : ''}${p.on ? ` on ${exprText(p.on)}` : ''}`;
    }
    case 'aggregate':
      return `Aggregate group [${p.groupBy.map(exprText).join(', ')}] aggs [${p.aggs
        .map((a) => `${a.fn}(${a.distinct ? 'distinct ' : ''}${a.arg ? exprText(a.arg) : a.fn === 'count_star' ? '*' : ''})`)
        .join(', ')}]`;
    case 'distinct':
      return 'Distinct';
    case 'union':
      return 'Union all';
    case 'setop':
      return p.op.replace('_all', ' all').replace(/^./, (c) => c.toUpperCase());
    case 'sort':
      return `Sort ${p.keys.map((k) => `${exprText(k.expr)}${k.desc ? ' desc' : ''}`).join(', ')}`;
    case 'window':
      return `Window ${p.calls.map((c) => `${c.fn}(${c.args.map(exprText).join(', ')})`).join(', ')}`;
    case 'project_set':
      return `ProjectSet ${p.calls.map((c) => `${c.fn}(${c.args.map(exprText).join(', ')})`).join(', ')}`;
    case 'limit':
      return `Limit ${p.limit ? exprText(p.limit) : 'all'}${p.offset ? ` offset ${exprText(p.offset)}` : ''}`;
  }
}

export function exprText(e: Expr): string {
  switch (e.kind) {
    case 'column':
      return `#${e.index}`;
    case 'literal':
      return e.value === null ? 'null' : e.type.id === 'unknown' ? `'${e.value}'` : `${formatValue(e.value, e.type)}::${e.type.id}`;
    case 'param':
      return `$${e.index + 1}`;
    case 'call':
      return `${e.fn}(${e.args.map(exprText).join(', ')})`;
    case 'cast':
      return `${exprText(e.arg)}::${e.type.id}`;
    case 'and':
    case 'or':
      return `(${e.args.map(exprText).join(` ${e.kind} `)})`;
    case 'not':
      return `not ${exprText(e.arg)}`;
    case 'isnull':
      return `${exprText(e.arg)} is ${e.negated ? 'not ' : ''}null`;
    case 'istruth':
      return `${exprText(e.arg)} is ${e.negated ? 'not ' : ''}${e.truth === null ? 'unknown' : e.truth}`;
    case 'distinct':
      return `${exprText(e.left)} is ${e.negated ? 'not ' : ''}distinct from ${exprText(e.right)}`;
    case 'case':
      return `case ${e.whens.map((w) => `when ${exprText(w.when)} then ${exprText(w.then)}`).join(' ')} else ${exprText(e.else)} end`;
    case 'coalesce':
      return `coalesce(${e.args.map(exprText).join(', ')})`;
    case 'minmax':
      return `${e.op}(${e.args.map(exprText).join(', ')})`;
    case 'nullif':
      return `nullif(${exprText(e.left)}, ${exprText(e.right)})`;
  }
}
