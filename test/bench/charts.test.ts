/**
 * Charts a person can read: no legend entry cut, no two x labels overlapping, every text inside
 * the picture. Checked on the SVG text (boxes from the per-character width estimate) and, where
 * a chromium is installed, on the boxes the browser really draws.
 */
import { describe, expect, it } from 'vitest';
import { layoutLegend, layoutXLabels, sparseTicks, textWidth, wrapText } from '../../bench/harness/chart-layout.js';
import { lineChart, stackedBarChart } from '../../bench/harness/svg-charts.js';
import { findChromium, launchChromium } from '../helpers/chromium.js';

type Point = readonly [number, number];

interface Label {
  readonly cls: string;
  readonly entry: string | undefined;
  readonly text: string;
  readonly corners: Point[];
}

const unescape = (s: string): string => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');

/** The labelled texts of a chart with the four corners of each one's box, rotation applied. */
function labels(svg: string): Label[] {
  const found: Label[] = [];
  for (const m of svg.matchAll(/<text class="([\w-]+)"([^>]*)>([^<]*)<\/text>/g)) {
    const attrs = m[2] ?? '';
    const num = (name: string, fallback: number): number => Number(new RegExp(` ${name}="([-\\d.]+)"`).exec(attrs)?.[1] ?? fallback);
    const x = num('x', 0);
    const y = num('y', 0) + num('dy', 0);
    const size = num('font-size', 12);
    const text = unescape(m[3] ?? '');
    const w = textWidth(text, size);
    const anchor = / text-anchor="(\w+)"/.exec(attrs)?.[1] ?? 'start';
    const left = anchor === 'middle' ? x - w / 2 : anchor === 'end' ? x - w : x;
    const rotate = / transform="rotate\(([-\d.]+) ([-\d.]+) ([-\d.]+)\)"/.exec(attrs);
    const angle = (Number(rotate?.[1] ?? 0) * Math.PI) / 180;
    const cx = Number(rotate?.[2] ?? 0);
    const cy = Number(rotate?.[3] ?? 0); // the rotation centre is the anchor as written, before dy
    const turn = ([px, py]: Point): Point => [cx + (px - cx) * Math.cos(angle) - (py - cy) * Math.sin(angle), cy + (px - cx) * Math.sin(angle) + (py - cy) * Math.cos(angle)];
    const box: Point[] = [[left, y - size * 0.8], [left + w, y - size * 0.8], [left + w, y + size * 0.25], [left, y + size * 0.25]];
    found.push({ cls: m[1] ?? '', entry: /data-entry="(\d+)"/.exec(attrs)?.[1], text, corners: rotate === null ? box : box.map(turn) });
  }
  return found;
}

/** Separating-axis test for two convex quadrilaterals. */
function overlap(a: Point[], b: Point[]): boolean {
  for (const poly of [a, b]) {
    for (let i = 0; i < poly.length; i += 1) {
      const [x1, y1] = poly[i] as Point;
      const [x2, y2] = poly[(i + 1) % poly.length] as Point;
      const axis: Point = [y1 - y2, x2 - x1];
      const project = (p: Point[]): [number, number] => {
        const d = p.map(([x, y]) => x * axis[0] + y * axis[1]);
        return [Math.min(...d), Math.max(...d)];
      };
      const [amin, amax] = project(a);
      const [bmin, bmax] = project(b);
      if (amax <= bmin || bmax <= amin) return false;
    }
  }
  return true;
}

function size(svg: string): { width: number; height: number } {
  const m = /<svg [^>]*width="(\d+)" height="(\d+)"/.exec(svg);
  return { width: Number(m?.[1]), height: Number(m?.[2]) };
}

const LONG_NAMES = [
  'lamina serve + lamina RIC (nodejs20.x) with a name far longer than any legend column was ever meant to hold',
  'floor: relay + smallest runtime loop',
  'Supercalifragilisticexpialidocious-without-any-space-at-all-in-it-whatsoever-really',
];
const RUNTIMES = ['nodejs20.x', 'nodejs22.x', 'nodejs24.x', 'nodejs26.x', 'python3.13', 'provided.al2023'];
const CROWDED = RUNTIMES.flatMap((r) => [`${r}: lamina RIC`, `${r}: official aws-lambda-ric@4`, `${r}: container image`]);

function readable(svg: string, names: readonly string[]): void {
  const all = labels(svg);
  const { width, height } = size(svg);
  const xs = all.filter((l) => l.cls === 'x-label');
  for (let i = 0; i < xs.length; i += 1) for (let j = i + 1; j < xs.length; j += 1) expect(overlap(xs[i]?.corners ?? [], xs[j]?.corners ?? []), `${xs[i]?.text} / ${xs[j]?.text}`).toBe(false);
  for (const l of all) for (const [x, y] of l.corners) {
    expect(x).toBeGreaterThanOrEqual(0);
    expect(x).toBeLessThanOrEqual(width);
    expect(y).toBeGreaterThanOrEqual(0);
    expect(y).toBeLessThanOrEqual(height);
  }
  expect(svg).not.toContain('…');
  names.forEach((name, i) => {
    const lines = all.filter((l) => l.cls === 'legend' && l.entry === String(i)).map((l) => l.text);
    expect(lines.join('').replace(/\s/g, '')).toBe(name.replace(/\s/g, ''));
  });
  const legend = all.filter((l) => l.cls === 'legend');
  for (let i = 0; i < legend.length; i += 1) for (let j = i + 1; j < legend.length; j += 1) expect(overlap(legend[i]?.corners ?? [], legend[j]?.corners ?? [])).toBe(false);
}

describe('readable charts', () => {
  it('a bar chart with 18 long bar labels and long legend names: no overlap, nothing cut', () => {
    const svg = stackedBarChart({ title: 'Cold start by runtime', yLabel: 'ms', segments: LONG_NAMES, bars: CROWDED.map((label, i) => ({ label, values: [i + 1, 10, 2] })) });
    const xs = labels(svg).filter((l) => l.cls === 'x-label');
    expect(xs.map((l) => l.text)).toEqual(CROWDED); // all shown, each whole on one rotated line
    expect(svg).toContain('transform="rotate(-');
    readable(svg, LONG_NAMES);
  });

  it('a bar chart whose labels fit stays horizontal, wrapped', () => {
    const svg = stackedBarChart({ title: 'Cold', yLabel: 'ms', segments: ['a'], bars: [{ label: 'custom runtime: bootstrap in C', values: [1] }, { label: 'lamina RIC', values: [2] }] });
    expect(svg).not.toContain('rotate(-45');
    readable(svg, ['a']);
  });

  it('a line chart with crowded custom x ticks and long series names', () => {
    const ticks = Array.from({ length: 40 }, (_, i) => [i, `tick number ${i}`] as [number, string]);
    const svg = lineChart({ title: 'Crowded', xLabel: 'x', yLabel: 'y', xTicks: ticks, series: LONG_NAMES.map((name, i) => ({ name, points: [[0, i + 1], [39, i + 2]] as const, dashed: i === 1 })) });
    const shown = labels(svg).filter((l) => l.cls === 'x-label');
    expect(shown.length).toBeGreaterThan(1);
    expect(shown.length).toBeLessThan(40);
    expect(svg.match(/<line x1="[\d.]+" y1="350" x2="[\d.]+" y2="355"/g)).toHaveLength(40); // every tick keeps its mark
    readable(svg, LONG_NAMES);
  });

  it('the layout helpers: wrapping keeps every character, crowding rotates then thins', () => {
    expect(wrapText('custom runtime: bootstrap in C', 100, 11)).toEqual(['custom runtime:', 'bootstrap in C']);
    expect(wrapText('abcdefghij', 20, 11).join('')).toBe('abcdefghij');
    expect(layoutXLabels(['a', 'b'], [0, 100], 11).angle).toBe(0);
    expect(layoutXLabels(['a long label here', 'another long label'], [0, 30], 11).angle).toBe(45);
    const thin = layoutXLabels(Array.from({ length: 10 }, () => 'a long label'), Array.from({ length: 10 }, (_, i) => i * 5), 11);
    expect(thin.angle).toBe(90);
    expect(thin.lines.filter((l) => l.length > 0).length).toBeLessThan(10);
    expect(sparseTicks(['100', '200', '300'], [0, 5, 100], 11)).toEqual([0, 2]);
    expect(layoutLegend(['a', 'a much longer name'], 12).width).toBeCloseTo(24 + textWidth('a much longer name', 12), 9);
  });
});

// The browser's own text boxes: an independent check of the width estimate's margin. A string,
// so that the test's TypeScript needs no DOM library.
const BOXES = `(() => {
  const r = document.querySelector('svg').getBoundingClientRect();
  const inner = (cls) => [...document.querySelectorAll('text.' + cls)].map((t) => {
    const b = t.getBBox();
    const m = t.getCTM();
    const at = (x, y) => [m.a * x + m.c * y + m.e, m.b * x + m.d * y + m.f];
    return { text: t.textContent, polygon: [at(b.x, b.y), at(b.x + b.width, b.y), at(b.x + b.width, b.y + b.height), at(b.x, b.y + b.height)] };
  });
  return { right: r.right, bottom: r.bottom, x: inner('x-label'), legend: inner('legend') };
})()`;

interface Boxes {
  readonly right: number;
  readonly bottom: number;
  readonly x: { text: string; polygon: Point[] }[];
  readonly legend: { text: string; polygon: Point[] }[];
}

const browser = findChromium();
if ('skip' in browser) console.warn(`[charts] browser check skipped: ${browser.skip}`);
describe.skipIf('skip' in browser)('readable charts in a browser', () => {
  it('no two x labels intersect and every label and legend line is inside the picture, as chromium draws them', async () => {
    const chromium = await launchChromium((browser as { path: string }).path);
    try {
      const page = await chromium.newPage();
      for (const svg of [
        stackedBarChart({ title: 'Cold start by runtime', yLabel: 'ms', segments: LONG_NAMES, bars: CROWDED.map((label, i) => ({ label, values: [i + 1, 10, 2] })) }),
        stackedBarChart({ title: 'Few', yLabel: 'ms', segments: ['start'], bars: CROWDED.slice(0, 4).map((label) => ({ label, values: [1] })) }),
        lineChart({ title: 'Crowded', xLabel: 'x', yLabel: 'y', xTicks: Array.from({ length: 40 }, (_, i) => [i, `tick number ${i}`] as [number, string]), series: LONG_NAMES.map((name, i) => ({ name, points: [[0, i + 1], [39, i + 2]] as const })) }),
      ]) {
        await page.setContent(`<!doctype html><body style="margin:0">${svg}</body>`);
        const boxes = (await page.evaluate(BOXES)) as Boxes;
        expect(boxes.x.length).toBeGreaterThan(0);
        expect(boxes.legend.length).toBeGreaterThan(0);
        for (let i = 0; i < boxes.x.length; i += 1) for (let j = i + 1; j < boxes.x.length; j += 1) expect(overlap(boxes.x[i]?.polygon ?? [], boxes.x[j]?.polygon ?? []), `${boxes.x[i]?.text} / ${boxes.x[j]?.text}`).toBe(false);
        for (const l of [...boxes.x, ...boxes.legend]) for (const [x, y] of l.polygon) {
          expect(x).toBeGreaterThanOrEqual(0);
          expect(x).toBeLessThanOrEqual(boxes.right);
          expect(y).toBeLessThanOrEqual(boxes.bottom);
        }
      }
    } finally {
      await chromium.close();
    }
  }, 60_000);
});
