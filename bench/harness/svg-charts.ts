/**
 * SVG charts written by hand (no plotting dependency): a line chart with optional dashed series
 * and log axes, and a stacked bar chart. Each SVG is readable on its own: title, axis labels,
 * ticks and a legend are inside it.
 */

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

const WIDTH = 920;
const HEIGHT = 420;
const MARGIN = { left: 78, right: 290, top: 44, bottom: 70 };
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

function frame(title: string, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#fff"/>`,
    `<text x="${WIDTH / 2}" y="24" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

function legend(names: readonly { name: string; dashed?: boolean; bar?: boolean }[]): string[] {
  const x = WIDTH - MARGIN.right + 14;
  return names.flatMap((entry, i) => {
    const y = MARGIN.top + 10 + i * 20;
    const colour = COLOURS[i % COLOURS.length] as string;
    const mark = entry.bar
      ? `<rect x="${x}" y="${y - 6}" width="18" height="10" fill="${colour}"/>`
      : `<line x1="${x}" y1="${y}" x2="${x + 18}" y2="${y}" stroke="${colour}" stroke-width="2"${entry.dashed === true ? ' stroke-dasharray="5,4"' : ''}/>`;
    return [mark, `<text x="${x + 24}" y="${y + 4}">${escapeXml(entry.name.length > 44 ? `${entry.name.slice(0, 43)}…` : entry.name)}</text>`];
  });
}

function axesLines(x0: number, x1: number, y0: number, y1: number, xLabel: string, yLabel: string): string[] {
  return [
    `<line x1="${x0}" y1="${y0}" x2="${x1}" y2="${y0}" stroke="#000"/>`,
    `<line x1="${x0}" y1="${y0}" x2="${x0}" y2="${y1}" stroke="#000"/>`,
    `<text x="${(x0 + x1) / 2}" y="${HEIGHT - 16}" text-anchor="middle">${escapeXml(xLabel)}</text>`,
    `<text transform="translate(18 ${(y0 + y1) / 2}) rotate(-90)" text-anchor="middle">${escapeXml(yLabel)}</text>`,
  ];
}

/** Lines of at most `width` characters (a longer word stays whole), at most three. */
export function wrapWords(text: string, width: number): string[] {
  const lines: string[] = [];
  for (const word of text.split(' ')) {
    const last = lines.at(-1);
    if (last !== undefined && last.length + 1 + word.length <= width) lines[lines.length - 1] = `${last} ${word}`;
    else lines.push(word);
  }
  return lines.slice(0, 3);
}

/**
 * @example
 * lineChart({ title: 'Throughput', xLabel: 'callers', yLabel: 'invokes/s', xLog: true,
 *   series: [{ name: 'lamina', points: [[1, 900], [2, 1500]] }] });
 */
export function lineChart(spec: LineChartSpec): string {
  const x0 = MARGIN.left;
  const x1 = WIDTH - MARGIN.right;
  const y0 = HEIGHT - MARGIN.bottom;
  const y1 = MARGIN.top;
  const xs = spec.series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = spec.series.flatMap((s) => s.points.map((p) => p[1]));
  const xAxis = axis(xs, spec.xLog === true, x0, x1, false);
  const yAxis = axis(ys, spec.yLog === true, y0, y1, spec.yLog !== true);
  const body = axesLines(x0, x1, y0, y1, spec.xLabel, spec.yLabel);
  const xTicks = spec.xTicks ?? xAxis.ticks.map((t) => [t, formatTick(t)] as const);
  for (const [t, label] of xTicks) {
    const x = xAxis.map(t).toFixed(1);
    body.push(`<line x1="${x}" y1="${y0}" x2="${x}" y2="${y0 + 5}" stroke="#000"/>`, `<text x="${x}" y="${y0 + 18}" text-anchor="middle">${escapeXml(label)}</text>`);
  }
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
  body.push(...legend(spec.series));
  return frame(spec.title, body);
}

/**
 * @example
 * stackedBarChart({ title: 'Cold start', yLabel: 'ms', segments: ['init', 'invoke'],
 *   bars: [{ label: 'lamina RIC', values: [50, 2] }] });
 */
export function stackedBarChart(spec: StackedBarSpec): string {
  const x0 = MARGIN.left;
  const x1 = WIDTH - MARGIN.right;
  const y0 = HEIGHT - MARGIN.bottom;
  const y1 = MARGIN.top;
  const totals = spec.bars.map((b) => b.values.reduce((a, v) => a + Math.max(0, v), 0));
  const yAxis = axis([0, ...totals], false, y0, y1, true);
  const body = axesLines(x0, x1, y0, y1, '', spec.yLabel);
  for (const t of yAxis.ticks) {
    const y = yAxis.map(t).toFixed(1);
    body.push(`<line x1="${x0}" y1="${y}" x2="${x1}" y2="${y}" stroke="#eee"/>`, `<text x="${x0 - 6}" y="${y}" dy="4" text-anchor="end">${formatTick(t)}</text>`);
  }
  const slot = (x1 - x0) / Math.max(1, spec.bars.length);
  spec.bars.forEach((bar, i) => {
    const left = x0 + slot * i + slot * 0.15;
    const width = slot * 0.7;
    let base = 0;
    bar.values.forEach((value, s) => {
      const v = Math.max(0, value);
      const top = yAxis.map(base + v);
      const height = yAxis.map(base) - top;
      body.push(`<rect x="${left.toFixed(1)}" y="${top.toFixed(1)}" width="${width.toFixed(1)}" height="${height.toFixed(1)}" fill="${COLOURS[s % COLOURS.length]}"><title>${escapeXml(`${bar.label} ${spec.segments[s] ?? ''}: ${formatTick(value)}`)}</title></rect>`);
      base += v;
    });
    const total = totals[i] ?? 0;
    body.push(`<text x="${(left + width / 2).toFixed(1)}" y="${(yAxis.map(total) - 5).toFixed(1)}" text-anchor="middle">${formatTick(total)}</text>`);
    wrapWords(bar.label, Math.max(8, Math.floor(slot / 6.5))).forEach((line, l) => {
      body.push(`<text x="${(left + width / 2).toFixed(1)}" y="${y0 + 16 + l * 13}" text-anchor="middle" font-size="11">${escapeXml(line)}</text>`);
    });
  });
  body.push(...legend(spec.segments.map((name) => ({ name, bar: true }))));
  return frame(spec.title, body);
}
