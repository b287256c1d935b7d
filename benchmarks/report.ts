// The benchmark report: reads a results JSON (what run.ts writes) and writes SVG charts to
// docs/charts/ and a Markdown summary, docs/benchmarks.md, with every benchmark's table.
// Charts come from each benchmark's `raw` numbers; a benchmark this file does not know gets
// its table only. run.ts calls it at the end of every run; by hand:
//   npx tsx benchmarks/report.ts [benchmarks/results.json]
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { markdownTable, type BenchResult } from './common.js';
import { barChart, lineChart, type LineSeries } from './svg.js';

export interface ResultsFile {
  machine: { node: string; platform: string; cpus: number; cpuModel: string; totalMemGB: number; date: string };
  quick: boolean;
  tributaryOnly: boolean;
  selected: string[];
  results: BenchResult[];
}

interface Chart {
  file: string;
  alt: string;
  svg: string;
}

// raw is whatever each benchmark chose to record
type R = Record<string, any>;

/** A number from raw data or from a table cell ("1,234", "0.84"); null when there is none. */
function num(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string') {
    const n = Number(v.replace(/,/g, '').trim());
    return v.trim() !== '' && Number.isFinite(n) ? n : null;
  }
  return null;
}

function nexmarkCharts(r: BenchResult): Chart[] {
  const rows = r.rows.filter((x) => typeof x.query === 'string');
  if (rows.length === 0) return [];
  // events/s from raw when it has the event count, else from the table's cells
  const rate = (q: string, key: string, cell: string) => {
    const e = (r.raw as R)[q];
    if (e && num(e.events) && num(e[key])) return num(e.events)! / num(e[key])!;
    return num(rows.find((x) => x.query === q)?.[cell]);
  };
  const qs = rows.map((x) => String(x.query));
  return [
    {
      file: 'nexmark_throughput.svg',
      alt: 'Nexmark throughput per query: Tributary against DuckDB recomputing',
      svg: barChart({
        title: 'Nexmark: events/s per query (higher is better)',
        categories: qs,
        yLabel: 'events/s',
        series: [
          { name: 'Tributary (maintained view)', values: qs.map((q) => rate(q, 'tributarySeconds', 'Tributary events/s')) },
          { name: 'DuckDB recompute (append + query)', values: qs.map((q) => rate(q, 'duckdbSeconds', 'DuckDB events/s (append + query)')) },
          { name: 'DuckDB queries alone', values: qs.map((q) => rate(q, 'duckdbQuerySeconds', 'DuckDB queries alone events/s')) },
        ],
      }),
    },
  ];
}

function servingCharts(r: BenchResult): Chart[] {
  // raw keys are "size script mode clients"; latencies exist for one client
  const runs = Object.entries(r.raw as R).filter(([, v]) => v && typeof v === 'object' && 'ours' in v);
  const charts: Chart[] = [];
  const sizes = [...new Set(runs.map(([k]) => k.split(' ')[0]))];
  for (const size of sizes) {
    const one = runs.filter(([k]) => k.startsWith(`${size} `) && k.endsWith(' 1'));
    if (one.length === 0) continue;
    const cats = one.map(([k]) => k.split(' ').slice(1, -1).join(' ').replace('prepared', 'prep.'));
    const get = (who: 'ours' | 'theirs', p: 'p50ms' | 'p99ms') => one.map(([, v]) => num(v[who]?.[p]));
    const series = [
      { name: 'Tributary p50', values: get('ours', 'p50ms') },
      { name: 'Tributary p99', values: get('ours', 'p99ms') },
      { name: 'PostgreSQL p50', values: get('theirs', 'p50ms') },
      { name: 'PostgreSQL p99', values: get('theirs', 'p99ms') },
    ].filter((s) => s.values.some((v) => v !== null));
    if (series.length === 0) continue;
    charts.push({
      file: `serving_latency_${size}.svg`,
      alt: `Serving latency at one client, ${Number(size).toLocaleString('en-US')} rows`,
      svg: barChart({ title: `Serving: latency per read at one client, ${Number(size).toLocaleString('en-US')} rows`, categories: cats, yLabel: 'ms', series }),
    });
  }
  const heap = (r.raw as R).heapAfterLoadMiB as R | undefined;
  if (heap && Object.keys(heap).length > 0) {
    const ks = Object.keys(heap);
    charts.push({
      file: 'serving_memory.svg',
      alt: 'Serving: heap after loading the table and view',
      svg: barChart({ title: 'Serving: the process\'s V8 heap after loading the table and view', categories: ks.map((k) => `${Number(k).toLocaleString('en-US')} rows`), yLabel: 'MiB', series: [{ name: 'heap used', values: ks.map((k) => num(heap[k])) }] }),
    });
  }
  return charts;
}

function updateLatencyCharts(r: BenchResult): Chart[] {
  const res = ((r.raw as R).results ?? []) as R[];
  const shapes = [...new Set(res.map((x) => String(x.shape)))];
  if (shapes.length === 0) return [];
  const series: LineSeries[] = shapes.flatMap((s, i) => {
    const xs = res.filter((x) => x.shape === s);
    return [
      { name: `${s} p50`, color: i, points: xs.map((x) => [num(x.size)!, num(x.medianUs)!] as [number, number]) },
      { name: `${s} p99`, color: i, dashed: true, points: xs.map((x) => [num(x.size)!, num(x.p99Us)!] as [number, number]) },
    ];
  });
  return [{ file: 'update_latency.svg', alt: 'Single-row update latency against table size', svg: lineChart({ title: 'update_latency: µs per change (engine commit) by table size', xLabel: 'table rows', yLabel: 'µs per change', logX: true, logY: true, series }) }];
}

function scalingCharts(r: BenchResult): Chart[] {
  const raw = r.raw as R;
  const curves = (raw.curves ?? []) as R[];
  const shapes = [...new Set(curves.map((x) => String(x.shape)))];
  const by = (key: string, dashed = false, suffix = '') =>
    shapes.map((s, i): LineSeries => ({ name: `${s}${suffix}`, color: i, dashed, points: curves.filter((x) => x.shape === s).map((x) => [num(x.stateRows)!, num(x[key])!]) }));
  const charts: Chart[] = [];
  if (curves.length > 0) {
    charts.push({
      file: 'scaling_p50.svg',
      alt: 'Median latency of one change against state size',
      svg: lineChart({ title: 'Scaling: p50 µs per change against state size (flat is right)', xLabel: 'rows of state (log)', yLabel: 'µs per change (p50)', logX: true, series: by('p50Us') }),
    });
    charts.push({
      file: 'scaling_p99.svg',
      alt: 'p99 and mean latency of one change against state size',
      svg: lineChart({ title: 'Scaling: p99 (solid) and mean (dashed) µs per change', xLabel: 'rows of state (log)', yLabel: 'µs per change (log)', logX: true, logY: true, series: [...by('p99Us', false, ' p99'), ...by('meanUs', true, ' mean')] }),
    });
    const mem = shapes.map((s, i): LineSeries => ({ name: s, color: i, points: curves.filter((x) => x.shape === s).map((x) => [num(x.stateRows)!, (num(x.heapMiB) ?? 0) + (num(x.buffersMiB) ?? 0)]) }));
    charts.push({
      file: 'scaling_memory.svg',
      alt: 'Memory (V8 heap and typed arrays) against state size',
      svg: lineChart({ title: 'Scaling: memory (heap + typed arrays) against state size', xLabel: 'rows of state (log)', yLabel: 'MiB (log)', logX: true, logY: true, series: mem }),
    });
  }
  const batches = (raw.batches ?? []) as R[];
  if (batches.length > 0) {
    charts.push({
      file: 'scaling_batches.svg',
      alt: 'Aggregate throughput against batch size',
      svg: lineChart({
        title: `Scaling: aggregate rows/s against batch size (${Number(raw.batchState).toLocaleString('en-US')} groups)`,
        xLabel: 'rows per transaction (log)',
        yLabel: 'rows/s',
        logX: true,
        series: [{ name: 'db.insert into existing groups', points: batches.map((b) => [num(b.batch)!, num(b.rowsPerSec)!]) }],
      }),
    });
  }
  return charts;
}

function throughputCharts(r: BenchResult): Chart[] {
  const raw = r.raw as R;
  const series = [
    { name: 'Tributary', values: [num(raw.tributaryEventsPerSec)] },
    { name: 'hand-written', values: [num(raw.handEventsPerSec)] },
    { name: 'PGlite recompute', values: [num(raw.pgliteEventsPerSec)] },
  ].filter((s) => s.values[0] !== null);
  if (series.length === 0) return [];
  return [{ file: `${r.name}_throughput.svg`, alt: `${r.name}: events/s`, svg: barChart({ title: `${r.name}: events/s (best run)`, categories: [r.name], yLabel: 'events/s', series }) }];
}

const CHARTS: Record<string, (r: BenchResult) => Chart[]> = {
  nexmark: nexmarkCharts,
  serving: servingCharts,
  update_latency: updateLatencyCharts,
  scaling: scalingCharts,
  groupby: throughputCharts,
  join: throughputCharts,
};

/** Table cells may hold "|" (a row's text); Markdown needs it escaped. */
function table(r: BenchResult): string {
  const rows = r.rows.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, String(v).replace(/\|/g, '\\|')])));
  return markdownTable(r.columns, rows);
}

export function renderReport(file: ResultsFile): { markdown: string; charts: Chart[] } {
  const m = file.machine;
  const partial = file.tributaryOnly || file.selected.length > 0;
  const kind = [file.quick ? 'a **quick** run (`--quick`: small sizes, for smoke tests; not for comparison)' : '', partial ? `a **partial** run (${file.selected.length > 0 ? `only ${file.selected.join(', ')}` : ''}${file.tributaryOnly ? `${file.selected.length > 0 ? '; ' : ''}Tributary only` : ''})` : ''].filter(Boolean);
  const out: string[] = [
    '# Benchmark results',
    '',
    'Generated by `npm run bench`; do not edit. Analyses and history are in [performance.md](performance.md).',
    '',
    kind.length > 0 ? `This is ${kind.join(' and ')}.` : 'This is a full run.',
    '',
    `Machine: Node ${m.node}, ${m.platform}, ${m.cpus} × ${m.cpuModel}, ${m.totalMemGB} GiB. Run of ${m.date.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}.`,
    '',
  ];
  const charts: Chart[] = [];
  for (const r of file.results) {
    out.push(`## ${r.title}${r.correct ? '' : ' (check failed)'}`, '');
    let mine: Chart[] = [];
    try {
      mine = (CHARTS[r.name] ?? (() => []))(r);
    } catch (e) {
      out.push(`(charts not drawn: ${(e as Error).message})`, '');
    }
    for (const ch of mine) out.push(`![${ch.alt}](charts/${ch.file})`, '');
    charts.push(...mine);
    if (r.columns.length > 0) out.push(table(r), '');
    for (const n of r.notes) out.push(`- ${n}`);
    if (r.notes.length > 0) out.push('');
  }
  return { markdown: out.join('\n'), charts };
}

/** Writes docs/benchmarks.md and docs/charts/*.svg; returns the paths written. */
export function writeReport(file: ResultsFile, docsDir = fileURLToPath(new URL('../docs/', import.meta.url))): string[] {
  const { markdown, charts } = renderReport(file);
  const dir = join(docsDir, 'charts');
  mkdirSync(dir, { recursive: true });
  // charts of benchmarks not in this run would otherwise linger, unreferenced and stale
  for (const f of readdirSync(dir)) if (f.endsWith('.svg') && !charts.some((c) => c.file === f)) rmSync(join(dir, f));
  const written = charts.map((ch) => {
    writeFileSync(join(dir, ch.file), ch.svg);
    return join(dir, ch.file);
  });
  writeFileSync(join(docsDir, 'benchmarks.md'), markdown);
  return [join(docsDir, 'benchmarks.md'), ...written];
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const path = process.argv[2] ?? fileURLToPath(new URL('./results.json', import.meta.url));
  for (const p of writeReport(JSON.parse(readFileSync(path, 'utf8')) as ResultsFile)) console.log(`wrote ${p}`);
}
