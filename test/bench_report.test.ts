// The benchmark report's SVG writer and summary: well-formed SVG (balanced tags, quoted
// attributes, escaped text, finite numbers) for small and awkward inputs; no timings.
import { describe, expect, it } from 'vitest';
import { barChart, lineChart, shortNumber } from '../benchmarks/svg.js';
import { renderReport, type ResultsFile } from '../benchmarks/report.js';

const NUMERIC = new Set(['x', 'y', 'x1', 'y1', 'x2', 'y2', 'cx', 'cy', 'r', 'width', 'height', 'dy', 'font-size', 'stroke-width']);

/** Throws unless `svg` is one balanced <svg> element with well-formed tags and finite numbers. */
function checkSvg(svg: string): void {
  const stack: string[] = [];
  let roots = 0;
  let last = 0;
  for (const m of svg.matchAll(/<[^>]*>/g)) {
    const text = svg.slice(last, m.index);
    last = m.index! + m[0].length;
    if (text.includes('<') || /&(?!amp;|lt;|gt;|quot;|apos;)/.test(text)) throw new Error(`unescaped text: ${text}`);
    const tag = m[0];
    if (tag.startsWith('</')) {
      const name = tag.slice(2, -1).trim();
      if (stack.pop() !== name) throw new Error(`unbalanced </${name}>`);
      continue;
    }
    if (!/^<[a-zA-Z][\w:-]*(\s+[\w:-]+="[^"<&]*(&(amp|lt|gt|quot|apos);[^"<&]*)*")*\s*\/?>$/.test(tag)) throw new Error(`malformed tag: ${tag}`);
    const name = /^<([\w:-]+)/.exec(tag)![1];
    if (stack.length === 0) roots++;
    for (const [, attr, value] of tag.matchAll(/([\w:-]+)="([^"]*)"/g)) {
      const nums = attr === 'points' || attr === 'viewBox' ? value.split(/[\s,]+/) : attr === 'transform' ? (/\(([^)]*)\)/.exec(value)?.[1] ?? '').split(/[\s,]+/) : NUMERIC.has(attr) ? [value] : [];
      for (const n of nums) if (n === '' || !Number.isFinite(Number(n))) throw new Error(`${attr}="${value}" is not finite`);
    }
    if (!tag.endsWith('/>')) stack.push(name);
  }
  if (svg.slice(last).trim() !== '') throw new Error('text after the root');
  if (stack.length > 0) throw new Error(`unclosed: ${stack.join(', ')}`);
  if (roots !== 1 || !svg.startsWith('<svg ')) throw new Error(`expected one <svg> root, got ${roots}`);
  if (/NaN|Infinity/.test(svg)) throw new Error('NaN or Infinity in the output');
}

describe('benchmark report SVG', () => {
  it('the checker rejects what it should', () => {
    expect(() => checkSvg('<svg x="1"><g></svg>')).toThrow();
    expect(() => checkSvg('<svg x="NaN"></svg>')).toThrow();
    expect(() => checkSvg('<svg><text>a < b</text></svg>')).toThrow();
    expect(() => checkSvg('<svg width="10"><rect x="1"/></svg>')).not.toThrow();
  });

  it('draws well-formed bar charts, missing and odd values included', () => {
    const svg = barChart({
      title: 'Q <1> & "two"',
      categories: ['q0', 'q1 with a rather long label', 'q<2>'],
      yLabel: 'events/s',
      series: [
        { name: 'A & B', values: [1_234_567, null, 0] },
        { name: 'C', values: [Number.NaN, 42, -5] },
      ],
    });
    checkSvg(svg);
    expect(svg).toContain('Q &lt;1&gt; &amp; &quot;two&quot;');
    expect(svg.match(/<rect /g)!.length).toBe(1 + 3); // background, 1.23M, 0 and 42; NaN, null, -5 left out
  });

  it('draws well-formed line charts on log axes, dropping what a log axis cannot show', () => {
    const svg = lineChart({
      title: 'scaling',
      xLabel: 'rows',
      yLabel: 'µs',
      logX: true,
      logY: true,
      series: [
        { name: 'a', points: [[1000, 20], [10_000, 22], [0, 5], [100_000, -1], [1e7, 30]] },
        { name: 'b p99', dashed: true, color: 0, points: [[1000, 300]] },
        { name: 'empty', points: [] },
      ],
    });
    checkSvg(svg);
    expect(svg.match(/<circle /g)!.length).toBe(4);
    checkSvg(lineChart({ title: 't', xLabel: 'x', yLabel: 'y', series: [{ name: 'flat', points: [[5, 0], [5, 0]] }] }));
    checkSvg(lineChart({ title: 'nothing', xLabel: 'x', yLabel: 'y', logX: true, series: [] }));
    checkSvg(barChart({ title: 'nothing', categories: [], yLabel: 'y', series: [] }));
  });

  it('shortens numbers for labels', () => {
    expect([shortNumber(0), shortNumber(0.25), shortNumber(1500), shortNumber(2_000_000), shortNumber(3e9)]).toEqual(['0', '0.25', '1.5k', '2M', '3G']);
  });

  it('writes a summary with charts for known benchmarks and a table for unknown ones', () => {
    const file: ResultsFile = {
      machine: { node: 'v20.0.0', platform: 'linux x64', cpus: 2, cpuModel: 'Test CPU', totalMemGB: 8, date: '2026-12-07T10:00:00.000Z' },
      quick: true,
      tributaryOnly: false,
      selected: [],
      results: [
        {
          name: 'scaling',
          title: 'Scaling',
          columns: ['measure', 'p50 µs'],
          rows: [{ measure: 'aggregate', 'p50 µs': '20.0' }],
          notes: ['a note'],
          correct: true,
          raw: {
            curves: [
              { shape: 'aggregate', stateRows: 1000, p50Us: 20, p99Us: 80, meanUs: 25, heapMiB: 0, buffersMiB: 0 },
              { shape: 'aggregate', stateRows: 100_000, p50Us: 21, p99Us: 90, meanUs: 26, heapMiB: 20, buffersMiB: 15 },
            ],
            batches: [{ batch: 1, rowsPerSec: 50_000 }, { batch: 100, rowsPerSec: 400_000 }],
            batchState: 100_000,
          },
        },
        { name: 'nexmark', title: 'Nexmark', columns: ['query', 'Tributary events/s'], rows: [{ query: 'q0', 'Tributary events/s': '740,000' }], notes: [], correct: true, raw: { q0: { events: 1000, tributarySeconds: 0.001, duckdbSeconds: 0.004, duckdbQuerySeconds: 0.002 } } },
        { name: 'mystery', title: 'A benchmark the report does not know', columns: ['a', 'b'], rows: [{ a: 'x|y', b: 3 }], notes: [], correct: false, raw: { whatever: [1, 2] } },
      ],
    };
    const { markdown, charts } = renderReport(file);
    expect(markdown).toContain('Generated by `npm run bench`; do not edit');
    expect(markdown).toContain('**quick**');
    expect(markdown).toContain('2 × Test CPU');
    expect(markdown).toContain('| x\\|y | 3 |');
    expect(markdown).toContain('A benchmark the report does not know (check failed)');
    expect(charts.map((c) => c.file).sort()).toEqual(['nexmark_throughput.svg', 'scaling_batches.svg', 'scaling_memory.svg', 'scaling_p50.svg', 'scaling_p99.svg']);
    for (const c of charts) {
      checkSvg(c.svg);
      expect(markdown).toContain(`(charts/${c.file})`);
    }
  });
});
