/**
 * SVG charts written by hand (no plotting dependency): a line chart with optional dashed series
 * and log axes, and a stacked bar chart. Each SVG is readable on its own: title, axis labels,
 * ticks and a legend are inside it, the picture sized so no text is cut and no two labels
 * overlap (chart-layout.ts).
 */
import { layoutLegend, layoutXLabels, sparseTicks, textWidth, type XLabelLayout } from './chart-layout.js';

export interface Series {
  readonly name: string;
  readonly points: readonly (readonly [number, number])[];
  /** A reference line (the floor, the proportional expectation), drawn dashed. */
  readonly dashed?: boolean;
}

export interface LineChartSpec {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly Series[];
  readonly xLog?: boolean;
  readonly yLog?: boolean;
  /** Tick labels for x instead of numbers (e.g. percentiles on a "nines" axis). */
  readonly xTicks?: readonly (readonly [number, string])[];
}

export interface StackedBarSpec {
  readonly title: string;
  readonly yLabel: string;
  readonly segments: readonly string[];
  readonly bars: readonly { readonly label: string; readonly values: readonly number[] }[];
}

const PLOT_WIDTH = 552;
const PLOT_HEIGHT = 306;
const LEFT = 78;
const TOP = 44;
const FONT = 12;
const X_FONT = 11;
const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#17becf', '#bcbd22'];

/** @example escapeXml('a<b') // 'a&lt;b' */
export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Short number labels: 1500 -> 1.5k, 0.25 -> 0.25. */
export function formatTick(value: number): string {
  const abs = Math.abs(value);
  if (abs >= 1e6) return `${+(value / 1e6).toPrecision(3)}M`;
  if (abs >= 1e4) return `${+(value / 1e3).toPrecision(3)}k`;
  if (abs >= 100 || abs === 0) return String(Math.round(value));
  return String(+value.toPrecision(2));
}

/** "Nice" linear ticks covering [min, max]. */
export function linearTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) return [min];
  const rough = (max - min) / count;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= rough) ?? rough;
  const ticks: number[] = [];
  for (let t = Math.ceil(min / step) * step; t <= max + step * 1e-9; t += step) ticks.push(+t.toPrecision(12));
  return ticks;
}

function logTicks(min: number, max: number): number[] {
  const ticks: number[] = [];
  for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e += 1) {
    for (const m of [1, 2, 5]) {
      const t = m * 10 ** e;
      if (t >= min * 0.999 && t <= max * 1.001) ticks.push(t);
    }
  }
  return ticks;
}

interface Axis {
  readonly map: (v: number) => number;
  readonly ticks: number[];
}

function axis(values: number[], log: boolean, from: number, to: number, zeroBased: boolean): Axis {
  const finite = values.filter((v) => Number.isFinite(v) && (!log || v > 0));
  let min = finite.length === 0 ? 0 : Math.min(...finite);
  let max = finite.length === 0 ? 1 : Math.max(...finite);
  if (log) {
    min = 10 ** Math.floor(Math.log10(min));
    max = 10 ** Math.ceil(Math.log10(max));
    const span = Math.log10(max) - Math.log10(min) || 1;
    return { map: (v) => from + ((Math.log10(Math.max(v, min)) - Math.log10(min)) / span) * (to - from), ticks: logTicks(min, max) };
  }
  if (zeroBased) min = Math.min(0, min);
  if (max === min) max = min + 1;
  const ticks = linearTicks(min, max * 1.05);
  const top = Math.max(max, ticks.at(-1) ?? max);
  const bottom = Math.min(min, ticks[0] ?? min);
  return { map: (v) => from + ((v - bottom) / (top - bottom)) * (to - from), ticks };
}

interface LegendEntry {
  readonly name: string;
  readonly dashed?: boolean | undefined;
  readonly bar?: boolean;
}

/**
 * The whole picture around a plot: the SVG sized to hold the title, the x labels below the plot
 * (`xLabelsHeight` pixels) and the legend column at its right, every text whole.
 */
function frame(title: string, xLabel: string, yLabel: string, xLabelsHeight: number, entries: readonly LegendEntry[], plot: readonly string[], left = LEFT): string {
  const legendLayout = layoutLegend(entries.map((e) => e.name), FONT);
  const legendX = left + PLOT_WIDTH + 14;
  const width = Math.ceil(Math.max(legendX + legendLayout.width + 16, textWidth(title, 15) * 1.1 + 40));
  const y0 = TOP + PLOT_HEIGHT;
  const xTitleY = y0 + xLabelsHeight + 18;
  const height = Math.ceil(Math.max(xTitleY + 12, TOP + 10 + legendLayout.height + 10));
  const legend = entries.flatMap((entry, i) => {
    const placed = legendLayout.entries[i];
    const y = TOP + 10 + (placed?.y ?? 0);
    const colour = COLOURS[i % COLOURS.length] as string;
    const mark = entry.bar === true
      ? `<rect x="${legendX}" y="${y - 6}" width="18" height="10" fill="${colour}"/>`
      : `<line x1="${legendX}" y1="${y}" x2="${legendX + 18}" y2="${y}" stroke="${colour}" stroke-width="2"${entry.dashed === true ? ' stroke-dasharray="5,4"' : ''}/>`;
    const lines = (placed?.lines ?? [entry.name]).map((line, l) => `<text class="legend" data-entry="${i}" x="${legendX + 24}" y="${(y + 4 + l * FONT * 1.25).toFixed(1)}">${escapeXml(line)}</text>`);
    return [mark, ...lines];
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="${FONT}">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="${width / 2}" y="24" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
    `<line x1="${left}" y1="${y0}" x2="${left + PLOT_WIDTH}" y2="${y0}" stroke="#000"/>`,
    `<line x1="${left}" y1="${y0}" x2="${left}" y2="${TOP}" stroke="#000"/>`,
    ...(xLabel === '' ? [] : [`<text x="${left + PLOT_WIDTH / 2}" y="${xTitleY.toFixed(1)}" text-anchor="middle">${escapeXml(xLabel)}</text>`]),
    `<text transform="translate(18 ${TOP + PLOT_HEIGHT / 2}) rotate(-90)" text-anchor="middle">${escapeXml(yLabel)}</text>`,
    ...plot,
    ...legend,
    '</svg>',
    '',
  ].join('\n');
}

/** Bar labels centred at `xs` as laid out (none overlapping another); the SVG and the height taken. */
function xLabels(layout: XLabelLayout, xs: readonly number[], y0: number): { svg: string[]; height: number } {
  const svg: string[] = [];
  layout.lines.forEach((lines, i) => {
    const x = (xs[i] as number).toFixed(1);
    if (layout.angle === 0) {
      lines.forEach((line, l) => svg.push(`<text class="x-label" x="${x}" y="${(y0 + 16 + l * X_FONT * 1.25).toFixed(1)}" text-anchor="middle" font-size="${X_FONT}">${escapeXml(line)}</text>`));
    } else if (lines[0] !== undefined) {
      // Anchored at its end just under the axis, turned about that point.
      const y = y0 + 12;
      svg.push(`<text class="x-label" x="${x}" y="${y}" text-anchor="end" dy="${(X_FONT * 0.35).toFixed(1)}" transform="rotate(-${layout.angle} ${x} ${y})" font-size="${X_FONT}">${escapeXml(lines[0])}</text>`);
    }
  });
  return { svg, height: layout.height };
}

/**
 * @example
 * lineChart({ title: 'Throughput', xLabel: 'callers', yLabel: 'invokes/s', xLog: true,
 *   series: [{ name: 'lamina', points: [[1, 900], [2, 1500]] }] });
 */
export function lineChart(spec: LineChartSpec): string {
  const x0 = LEFT;
  const x1 = LEFT + PLOT_WIDTH;
  const y0 = TOP + PLOT_HEIGHT;
  const xs = spec.series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = spec.series.flatMap((s) => s.points.map((p) => p[1]));
  const xAxis = axis(xs, spec.xLog === true, x0, x1, false);
  const yAxis = axis(ys, spec.yLog === true, y0, TOP, spec.yLog !== true);
  const body: string[] = [];
  const xTicks = spec.xTicks ?? xAxis.ticks.map((t) => [t, formatTick(t)] as const);
  const tickXs = xTicks.map(([t]) => xAxis.map(t));
  // Crowded tick labels are thinned (every tick keeps its mark; the points carry their values).
  const shown = new Set(sparseTicks(xTicks.map(([, label]) => label), tickXs, X_FONT));
  xTicks.forEach(([, label], i) => {
    const x = (tickXs[i] as number).toFixed(1);
    body.push(`<line x1="${x}" y1="${y0}" x2="${x}" y2="${y0 + 5}" stroke="#000"/>`);
    if (shown.has(i)) body.push(`<text class="x-label" x="${x}" y="${y0 + 18}" text-anchor="middle" font-size="${X_FONT}">${escapeXml(label)}</text>`);
  });
  for (const t of yAxis.ticks) {
    const y = yAxis.map(t).toFixed(1);
    body.push(`<line x1="${x0}" y1="${y}" x2="${x1}" y2="${y}" stroke="#eee"/>`, `<text x="${x0 - 6}" y="${y}" dy="4" text-anchor="end">${formatTick(t)}</text>`);
  }
  spec.series.forEach((series, i) => {
    const colour = COLOURS[i % COLOURS.length] as string;
    const points = series.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    const path = points.map(([x, y]) => `${xAxis.map(x).toFixed(1)},${yAxis.map(y).toFixed(1)}`).join(' ');
    body.push(`<polyline fill="none" stroke="${colour}" stroke-width="2"${series.dashed === true ? ' stroke-dasharray="5,4"' : ''} points="${path}"/>`);
    if (series.dashed !== true) {
      for (const [x, y] of points) body.push(`<circle cx="${xAxis.map(x).toFixed(1)}" cy="${yAxis.map(y).toFixed(1)}" r="3" fill="${colour}"><title>${escapeXml(`${series.name}: ${formatTick(x)}, ${formatTick(y)}`)}</title></circle>`);
    }
  });
  return frame(spec.title, spec.xLabel, spec.yLabel, X_FONT * 1.25 + 10, spec.series, body);
}

/**
 * @example
 * stackedBarChart({ title: 'Cold start', yLabel: 'ms', segments: ['init', 'invoke'],
 *   bars: [{ label: 'lamina RIC', values: [50, 2] }] });
 */
export function stackedBarChart(spec: StackedBarSpec): string {
  const slot = PLOT_WIDTH / Math.max(1, spec.bars.length);
  const offsets = spec.bars.map((_, i) => slot * i + slot / 2);
  const layout = layoutXLabels(spec.bars.map((b) => b.label), offsets, X_FONT);
  // Labels turned 45 degrees hang down-left of their bar: the first ones may need a wider margin.
  const reach = layout.angle === 45 ? Math.max(0, ...layout.lines.map((l, i) => textWidth(l[0] ?? '', X_FONT) * Math.SQRT1_2 + X_FONT - (offsets[i] as number))) : 0;
  const x0 = Math.max(LEFT, Math.ceil(reach) + 6);
  const x1 = x0 + PLOT_WIDTH;
  const y0 = TOP + PLOT_HEIGHT;
  const totals = spec.bars.map((b) => b.values.reduce((a, v) => a + Math.max(0, v), 0));
  const yAxis = axis([0, ...totals], false, y0, TOP, true);
  const body: string[] = [];
  for (const t of yAxis.ticks) {
    const y = yAxis.map(t).toFixed(1);
    body.push(`<line x1="${x0}" y1="${y}" x2="${x1}" y2="${y}" stroke="#eee"/>`, `<text x="${x0 - 6}" y="${y}" dy="4" text-anchor="end">${formatTick(t)}</text>`);
  }
  const centres = offsets.map((o) => x0 + o);
  spec.bars.forEach((bar, i) => {
    const width = slot * 0.7;
    const left = (centres[i] as number) - width / 2;
    let base = 0;
    bar.values.forEach((value, s) => {
      const v = Math.max(0, value);
      const top = yAxis.map(base + v);
      const height = yAxis.map(base) - top;
      body.push(`<rect x="${left.toFixed(1)}" y="${top.toFixed(1)}" width="${width.toFixed(1)}" height="${height.toFixed(1)}" fill="${COLOURS[s % COLOURS.length]}"><title>${escapeXml(`${bar.label} ${spec.segments[s] ?? ''}: ${formatTick(value)}`)}</title></rect>`);
      base += v;
    });
    // A total wider than its bar's slot is left to the bars' tooltips rather than overlap the next.
    const total = formatTick(totals[i] ?? 0);
    if (textWidth(total, 10) <= slot - 2) body.push(`<text x="${(centres[i] as number).toFixed(1)}" y="${(yAxis.map(totals[i] ?? 0) - 5).toFixed(1)}" text-anchor="middle" font-size="10">${total}</text>`);
  });
  const labels = xLabels(layout, centres, y0);
  body.push(...labels.svg);
  return frame(spec.title, '', spec.yLabel, labels.height, spec.segments.map((name) => ({ name, bar: true })), body, x0);
}
