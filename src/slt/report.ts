// Conformance reports: failure reasons grouped, and the markdown tables of docs/conformance.md.

import type { FileResult } from './runner.js';

export interface RunSummary {
  /** e.g. 'sqlite-batch' */
  name: string;
  source: string;
  via: string;
  incremental: boolean;
  files: FileResult[];
  ms: number;
}

/**
 * The group a failure reason belongs to: 'wrong result', 'expected an error', or the SQLSTATE
 * with the first words of the message (quoted names and numbers blanked so that the same
 * error on different objects falls in one group).
 */
export function reasonGroup(reason: string | undefined): string {
  if (!reason) return 'failed';
  if (reason.startsWith('wrong result')) return 'wrong result';
  if (reason.startsWith('wrong count')) return 'wrong count';
  if (reason.startsWith('timeout') || reason.startsWith('crash')) return reason.split(':')[0];
  const m = /^([0-9A-Z]{5}): (.*)$/s.exec(reason);
  const msg = (m ? m[2] : reason)
    .replace(/"[^"]*"/g, '"…"')
    .replace(/'[^']*'/g, "'…'")
    .replace(/\b[a-z_]+\d\w*\b/gi, '…') // generated names such as view_1_tab0_153
    .replace(/\b\d+(\.\d+)?\b/g, 'N');
  const words = msg.split(/\s+/).slice(0, 7).join(' ');
  return m ? `${m[1]}: ${words}` : words;
}

export function topReasons(files: readonly FileResult[], n: number): [string, number, string][] {
  const counts = new Map<string, { n: number; example: string }>();
  for (const f of files) {
    for (const x of f.failures) {
      const g = reasonGroup(x.reason);
      const c = counts.get(g);
      if (c) c.n++;
      else counts.set(g, { n: 1, example: `${x.file}:${x.line}` });
    }
  }
  return [...counts].sort((a, b) => b[1].n - a[1].n).slice(0, n).map(([g, c]) => [g, c.n, c.example]);
}

const sum = (fs: readonly FileResult[], k: 'passed' | 'failed' | 'skipped') => fs.reduce((s, f) => s + f[k], 0);
const pct = (a: number, b: number) => (b === 0 ? '—' : `${((100 * a) / b).toFixed(1)}%`);
const esc = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function renderRuns(runs: readonly RunSummary[], corpusRoot: (file: string) => string): string {
  const out: string[] = [];
  out.push('## Summary', '');
  out.push('| run | source | via | mode | files | passed | failed | skipped | pass rate (of run records) | wall time |');
  out.push('|---|---|---|---|---|---|---|---|---|---|');
  for (const r of runs) {
    const p = sum(r.files, 'passed');
    const f = sum(r.files, 'failed');
    const s = sum(r.files, 'skipped');
    out.push(`| ${r.name} | ${r.source} | ${r.via} | ${r.incremental ? 'incremental' : 'batch'} | ${r.files.length} | ${p} | ${f} | ${s} | ${pct(p, p + f)} | ${(r.ms / 1000).toFixed(0)} s |`);
  }
  out.push('');
  for (const r of runs) {
    out.push(`## ${r.name}`, '');
    if (r.incremental) {
      const fe = { none: 0, few: 0, many: 0, late: 0 };
      for (const f of r.files) for (const k of Object.keys(fe) as (keyof typeof fe)[]) fe[k] += f.feeds?.[k] ?? 0;
      out.push(
        `Views checked: ${fe.none + fe.few + fe.many + fe.late} — fed by ≥3 transactions after creation: ${fe.many}, by 1–2: ${fe.few}, ` +
          `by none (created after the last change before the query): ${fe.none}, created only at the query's record ("late"): ${fe.late}.`,
        '',
      );
      const skips = new Map<string, number>();
      for (const f of r.files) for (const [k, v] of Object.entries(f.skips)) skips.set(reasonGroup(k), (skips.get(reasonGroup(k)) ?? 0) + v);
      if (skips.size) {
        out.push('Skip reasons:', '');
        for (const [k, v] of [...skips].sort((a, b) => b[1] - a[1]).slice(0, 10)) out.push(`- ${v} × ${esc(k)}`);
        out.push('');
      }
    }
    const top = topReasons(r.files, 12);
    if (top.length) {
      out.push('Top failure reasons:', '', '| failures | reason | first example |', '|---|---|---|');
      for (const [g, n, ex] of top) out.push(`| ${n} | ${esc(g)} | ${esc(ex)} |`);
      out.push('');
    }
    out.push('<details><summary>Per file</summary>', '', '| file | passed | failed | skipped | time |', '|---|---|---|---|---|');
    for (const f of r.files) out.push(`| ${esc(corpusRoot(f.file))} | ${f.passed} | ${f.failed} | ${f.skipped} | ${(f.ms / 1000).toFixed(1)} s |`);
    out.push('', '</details>', '');
  }
  return out.join('\n');
}
