// Minimal SVG charts for the benchmark report: grouped bars and log-x line charts, drawn by
// hand so the report needs no chart library. Points that cannot be drawn (missing, not finite,
// not positive on a log axis) are left out rather than drawn wrong.

export interface BarSeries {
  name: string;
  values: (number | null | undefined)[];
}

export interface BarChart {
  title: string;
  categories: string[];
  series: BarSeries[];
  yLabel: string;
}

export interface LineSeries {
  name: string;
  points: [number, number][];
  dashed?: boolean;
  /** Index into the palette, so a p50 and a p99 line of one shape share a colour. */
  color?: number;
}

export interface LineChart {
  title: string;
  xLabel: string;
  yLabel: string;
  series: LineSeries[];
  logX?: boolean;
  logY?: boolean;
}

const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];
const FONT = 'font-family="sans-serif"';
const M = { left: 72, right: 20, top: 58, bottom: 56 };

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** A coordinate as text; a non-finite one is a bug in the caller, not something to draw. */
function c(v: number): string {
  if (!Number.isFinite(v)) throw new Error(`svg: non-finite coordinate ${v}`);
  return String(Math.round(v * 10) / 10);
}

/** 1,500 → 1.5k, 2,000,000 → 2M, 0.25 → 0.25: short tick and value labels. */
export function shortNumber(v: number): string {
  const a = Math.abs(v);
  const trim = (x: number) => String(Number(x.toPrecision(3)));
  if (a >= 1e9) return `${trim(v / 1e9)}G`;
  if (a >= 1e6) return `${trim(v / 1e6)}M`;
  if (a >= 1e3) return `${trim(v / 1e3)}k`;
  return trim(v);
}

interface Axis {
  ticks: number[];
  /** Maps a value to 0..1 along the axis. */
  pos: (v: number) => number;
}

function linearAxis(max: number): Axis {
  const top = max > 0 ? max : 1;
  const raw = top / 5;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => top / s <= 6)!;
  const end = Math.ceil(top / step) * step;
  const ticks: number[] = [];
  for (let t = 0; t <= end + step / 2; t += step) ticks.push(t);
  return { ticks, pos: (v) => v / end };
}

function logAxis(min: number, max: number): Axis {
  const lo = Math.floor(Math.log10(min));
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(max)));
  const ticks: number[] = [];
  for (let e = lo; e <= hi; e++) {
    ticks.push(10 ** e);
    // within one or two decades, powers of ten alone say too little
    if (hi - lo <= 2 && e < hi) ticks.push(2 * 10 ** e, 5 * 10 ** e);
  }
  return { ticks, pos: (v) => (Math.log10(v) - lo) / (hi - lo) };
}

function frame(width: number, height: number, title: string, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${c(width / 2)}" y="22" text-anchor="middle" font-size="15" font-weight="bold" ${FONT}>${escapeXml(title)}</text>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

/** The legend's elements, and where the plot may start below it. */
function legend(names: string[], colors: number[], dashed: boolean[], width: number): { out: string[]; top: number } {
  const out: string[] = [];
  let x = M.left;
  let y = 40;
  for (let i = 0; i < names.length; i++) {
    const w = 34 + names[i].length * 6.5;
    if (x + w > width - M.right && x > M.left) (x = M.left), (y += 16);
    const col = PALETTE[colors[i] % PALETTE.length];
    out.push(`<line x1="${c(x)}" y1="${c(y - 4)}" x2="${c(x + 20)}" y2="${c(y - 4)}" stroke="${col}" stroke-width="3"${dashed[i] ? ' stroke-dasharray="5,3"' : ''}/>`);
    out.push(`<text x="${c(x + 25)}" y="${c(y)}" font-size="11" ${FONT}>${escapeXml(names[i])}</text>`);
    x += w;
  }
  return { out, top: Math.max(M.top, y + 18) };
}

/** A category label, on two lines when it is wider than its slot. */
function categoryLabel(text: string, x: number, y: number, slot: number): string {
  const words = text.split(' ');
  if (text.length * 6 <= slot || words.length < 2) return `<text x="${c(x)}" y="${c(y)}" text-anchor="middle" font-size="11" ${FONT}>${escapeXml(text)}</text>`;
  const half = Math.ceil(words.length / 2);
  const lines = [words.slice(0, half).join(' '), words.slice(half).join(' ')];
  return `<text x="${c(x)}" y="${c(y)}" text-anchor="middle" font-size="11" ${FONT}>${lines.map((l, i) => `<tspan x="${c(x)}" dy="${i === 0 ? 0 : 13}">${escapeXml(l)}</tspan>`).join('')}</text>`;
}

function yAxis(axis: Axis, label: string, plotTop: number, plotH: number, plotRight: number): string[] {
  const out: string[] = [];
  for (const t of axis.ticks) {
    const y = plotTop + plotH * (1 - axis.pos(t));
    out.push(`<line x1="${M.left}" y1="${c(y)}" x2="${c(plotRight)}" y2="${c(y)}" stroke="#e0e0e0"/>`);
    out.push(`<text x="${M.left - 6}" y="${c(y + 4)}" text-anchor="end" font-size="11" ${FONT}>${escapeXml(shortNumber(t))}</text>`);
  }
  const mid = plotTop + plotH / 2;
  out.push(`<text x="16" y="${c(mid)}" text-anchor="middle" font-size="12" transform="rotate(-90 16 ${c(mid)})" ${FONT}>${escapeXml(label)}</text>`);
  out.push(`<line x1="${M.left}" y1="${c(plotTop)}" x2="${M.left}" y2="${c(plotTop + plotH)}" stroke="#333"/>`);
  return out;
}

const drawable = (v: number | null | undefined, log = false): v is number => typeof v === 'number' && Number.isFinite(v) && (log ? v > 0 : v >= 0);

export function barChart(ch: BarChart): string {
  const group = Math.max(48, 22 * ch.series.length + 16);
  const width = Math.max(560, M.left + M.right + group * ch.categories.length);
  const height = 380;
  const plotW = width - M.left - M.right;
  const values = ch.series.flatMap((s) => s.values.filter((v): v is number => drawable(v)));
  const { out: body, top } = legend(ch.series.map((s) => s.name), ch.series.map((_, i) => i), ch.series.map(() => false), width);
  const plotH = height - top - M.bottom;
  if (values.length === 0) return frame(width, height, ch.title, [...body, `<text x="${c(width / 2)}" y="${c(height / 2)}" text-anchor="middle" ${FONT}>no data</text>`]);
  const axis = linearAxis(Math.max(...values));
  body.push(...yAxis(axis, ch.yLabel, top, plotH, width - M.right));
  const gw = plotW / ch.categories.length;
  const bw = (gw * 0.8) / ch.series.length;
  const labels = ch.categories.length * ch.series.length <= 24;
  ch.categories.forEach((cat, i) => {
    const x0 = M.left + gw * i + gw * 0.1;
    ch.series.forEach((s, j) => {
      const v = s.values[i];
      if (!drawable(v)) return;
      const h = plotH * axis.pos(v);
      const x = x0 + bw * j;
      const y = top + plotH - h;
      body.push(`<rect x="${c(x)}" y="${c(y)}" width="${c(Math.max(1, bw - 2))}" height="${c(h)}" fill="${PALETTE[j % PALETTE.length]}"><title>${escapeXml(`${s.name}, ${cat}: ${v}`)}</title></rect>`);
      if (labels) body.push(`<text x="${c(x + bw / 2 - 1)}" y="${c(y - 3)}" text-anchor="middle" font-size="9" ${FONT}>${escapeXml(shortNumber(v))}</text>`);
    });
    body.push(categoryLabel(cat, M.left + gw * (i + 0.5), top + plotH + 16, gw));
  });
  body.push(`<line x1="${M.left}" y1="${c(top + plotH)}" x2="${c(width - M.right)}" y2="${c(top + plotH)}" stroke="#333"/>`);
  return frame(width, height, ch.title, body);
}

export function lineChart(ch: LineChart): string {
  const width = 640;
  const height = 400;
  const plotW = width - M.left - M.right;
  const series = ch.series.map((s) => ({ ...s, points: s.points.filter(([x, y]) => drawable(x, ch.logX) && drawable(y, ch.logY)).sort((a, b) => a[0] - b[0]) }));
  const colors = ch.series.map((s, i) => s.color ?? i);
  const { out: body, top } = legend(ch.series.map((s) => s.name), colors, ch.series.map((s) => !!s.dashed), width);
  const plotH = height - top - M.bottom;
  const pts = series.flatMap((s) => s.points);
  if (pts.length === 0) return frame(width, height, ch.title, [...body, `<text x="${c(width / 2)}" y="${c(height / 2)}" text-anchor="middle" ${FONT}>no data</text>`]);
  const xs = pts.map((p) => p[0]);
  const ys = pts.map((p) => p[1]);
  const xAxis = ch.logX ? logAxis(Math.min(...xs), Math.max(...xs)) : linearAxis(Math.max(...xs));
  const yAx = ch.logY ? logAxis(Math.min(...ys), Math.max(...ys)) : linearAxis(Math.max(...ys));
  body.push(...yAxis(yAx, ch.yLabel, top, plotH, width - M.right));
  for (const t of xAxis.ticks) {
    const x = M.left + plotW * xAxis.pos(t);
    body.push(`<line x1="${c(x)}" y1="${top}" x2="${c(x)}" y2="${c(top + plotH)}" stroke="#f0f0f0"/>`);
    body.push(`<text x="${c(x)}" y="${c(top + plotH + 16)}" text-anchor="middle" font-size="11" ${FONT}>${escapeXml(shortNumber(t))}</text>`);
  }
  body.push(`<line x1="${M.left}" y1="${c(top + plotH)}" x2="${c(width - M.right)}" y2="${c(top + plotH)}" stroke="#333"/>`);
  body.push(`<text x="${c(M.left + plotW / 2)}" y="${c(height - 12)}" text-anchor="middle" font-size="12" ${FONT}>${escapeXml(ch.xLabel)}</text>`);
  series.forEach((s, i) => {
    if (s.points.length === 0) return;
    const col = PALETTE[colors[i] % PALETTE.length];
    const xy = s.points.map(([x, y]) => [M.left + plotW * xAxis.pos(x), top + plotH * (1 - yAx.pos(y))]);
    body.push(`<polyline points="${xy.map(([x, y]) => `${c(x)},${c(y)}`).join(' ')}" fill="none" stroke="${col}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5,3"' : ''}/>`);
    xy.forEach(([x, y], k) => body.push(`<circle cx="${c(x)}" cy="${c(y)}" r="3" fill="${col}"><title>${escapeXml(`${s.name}: ${s.points[k][0]} → ${s.points[k][1]}`)}</title></circle>`));
  });
  return frame(width, height, ch.title, body);
}
