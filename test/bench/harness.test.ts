/**
 * The benchmark harness's own logic: statistics, latency percentiles, charts, report files, the
 * command line and the peer loading. Functional checks only, never timing thresholds.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseBenchArgs } from '../../bench/cli.js';
import { LatencyRecorder } from '../../bench/harness/latency.js';
import { parseReport } from '../../bench/harness/lambda-report.js';
import { loadPeers } from '../../bench/harness/peers.js';
import { Progress } from '../../bench/harness/progress.js';
import { markdownTable, terminalSummary, writeResult } from '../../bench/harness/report-writer.js';
import { targetMet, type ScenarioResult } from '../../bench/harness/result.js';
import { alternation, inRounds, median, quantile, ratioOf, spread } from '../../bench/harness/stats.js';
import { escapeXml, linearTicks, lineChart, stackedBarChart } from '../../bench/harness/svg-charts.js';
import { coldSplit } from '../../bench/scenarios/cold.js';
import { rampLevels } from '../../bench/scenarios/concurrency.js';
import { echoEvent, verdict } from '../../bench/scenarios/limits.js';
import { nines } from '../../bench/scenarios/warm.js';

const dir = mkdtempSync(join(tmpdir(), 'lamina-bench-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('statistics', () => {
  it('interpolates quantiles and medians', () => {
    expect(quantile([4, 1, 3, 2], 0.5)).toBe(2.5);
    expect(median([5, 1, 3])).toBe(3);
    expect(quantile([], 0.5)).toBeNaN();
    expect(quantile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 0.1)).toBe(2);
  });

  it('gives the spread relative to the median', () => {
    const s = spread([10, 10, 10, 20, 30]);
    expect(s).toMatchObject({ count: 5, median: 10, min: 10, max: 30 });
    expect(s.relative).toBeCloseTo((s.p90 - s.p10) / 10);
  });

  it('takes ratios of medians with the range of per-round ratios', () => {
    expect(ratioOf([2, 3, 4], [1, 1, 2])).toEqual({ value: 3, low: 2, high: 3 });
    expect(ratioOf([2], [1, 1]).low).toBe(2);
  });

  it('rotates which side goes first in each round', () => {
    expect(alternation(['a', 'b', 'c'], 4)).toEqual([
      ['a', 'b', 'c'],
      ['b', 'c', 'a'],
      ['c', 'a', 'b'],
      ['a', 'b', 'c'],
    ]);
  });

  it('collects one sample per side per round in alternating order', async () => {
    const seen: string[] = [];
    const samples = await inRounds(['a', 'b'] as const, 2, async (side, round) => {
      seen.push(`${side}${round}`);
      return side === 'a' ? 1 + round : 10 + round;
    });
    expect(seen).toEqual(['a0', 'b0', 'b1', 'a1']);
    expect(samples.get('a')).toEqual([1, 2]);
    expect(samples.get('b')).toEqual([10, 11]);
  });
});

describe('latency recorder', () => {
  it('gives hdr percentiles, raw samples and an encoded histogram', () => {
    const recorder = new LatencyRecorder();
    for (let i = 1; i <= 1000; i += 1) recorder.record(i);
    const s = recorder.summary();
    expect(s.count).toBe(1000);
    expect(s.p50).toBeGreaterThanOrEqual(499);
    expect(s.p50).toBeLessThanOrEqual(501);
    expect(s.p99).toBeGreaterThanOrEqual(989);
    expect(s.p999).toBeGreaterThanOrEqual(998);
    expect(recorder.samples).toHaveLength(1000);
    expect(recorder.encoded()).toMatch(/^[A-Za-z0-9+/=]+$/);
    const merged = new LatencyRecorder();
    merged.add(recorder);
    expect(merged.summary().count).toBe(1000);
    expect(recorder.distribution().map(([p]) => p)).toContain(99.9);
  });

  it('reports NaN percentiles when nothing was recorded', () => {
    expect(new LatencyRecorder().summary().p50).toBeNaN();
  });
});

describe('REPORT line', () => {
  it('reads Duration, Max Memory Used and Init Duration', () => {
    const report = parseReport('START x\nREPORT RequestId: a\tDuration: 1.50 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\tMax Memory Used: 33 MB\tInit Duration: 45.10 ms\n');
    expect(report).toEqual({ durationMs: 1.5, billedDurationMs: 2, memorySizeMb: 128, maxMemoryUsedMb: 33, initDurationMs: 45.1 });
  });
});

describe('charts', () => {
  it('draws a line chart with its title, axes, legend and dashed reference line', () => {
    const svg = lineChart({
      title: 'Duration <vs> memory',
      xLabel: 'MB',
      yLabel: 'ms',
      xLog: true,
      series: [
        { name: 'measured', points: [[128, 300], [1769, 22]] },
        { name: 'proportional', dashed: true, points: [[128, 308], [1769, 22]] },
      ],
    });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
    expect(svg).toContain('Duration &lt;vs&gt; memory');
    expect(svg.match(/<polyline/g)).toHaveLength(2);
    expect(svg).toContain('stroke-dasharray');
    expect(svg).toContain('>measured<');
  });

  it('draws stacked bars, one rectangle per segment', () => {
    const svg = stackedBarChart({ title: 'Cold', yLabel: 'ms', segments: ['start', 'init', 'invoke'], bars: [{ label: 'lamina RIC', values: [5, 50, 2] }, { label: 'official', values: [5, 70, 3] }] });
    expect(svg.match(/<rect x=/g)).toHaveLength(6 + 3); // bars, then legend swatches
    expect(svg).toContain('lamina');
  });

  it('escapes XML and picks round ticks', () => {
    expect(escapeXml('a & "b"')).toBe('a &amp; &quot;b&quot;');
    expect(linearTicks(0, 100)).toEqual([0, 20, 40, 60, 80, 100]);
  });
});

const sample: ScenarioResult = {
  scenario: 'sample',
  title: 'A sample scenario',
  command: 'npm run bench -- sample',
  tables: [{ title: 'Rows', columns: ['what', 'p50 (µs)'], rows: [['floor', 100], ['lamina | serve', 120]], notes: ['a note'] }],
  targets: [
    { what: 'p50 ratio', ratio: 1.2, goal: '<= 1.3', range: { low: 1.1, high: 1.25 } },
    { what: 'throughput ratio', ratio: 0.7, goal: '>= 0.8' },
  ],
  charts: [{ name: 'chart', title: 'a chart', svg: '<svg xmlns="http://www.w3.org/2000/svg"></svg>' }],
  skipped: ['peer skipped: not here'],
  raw: { samples: [1, 2, 3] },
};

describe('report files', () => {
  it('judges targets by their goal', () => {
    expect(targetMet({ what: '', ratio: 1.2, goal: '<= 1.3' })).toBe(true);
    expect(targetMet({ what: '', ratio: 0.7, goal: '>= 0.8' })).toBe(false);
    expect(targetMet({ what: '', ratio: Number.NaN, goal: '< 5' })).toBeUndefined();
  });

  it('writes the JSON with raw samples, the Markdown report and the SVG charts', () => {
    const files = writeResult(sample, dir, '2026-01-02');
    expect(files.map((f) => f.slice(dir.length + 1))).toEqual(['2026-01-02-sample.json', '2026-01-02-sample.md', '2026-01-02-sample-chart.svg']);
    const json = JSON.parse(readFileSync(join(dir, '2026-01-02-sample.json'), 'utf8')) as { raw: unknown; targets: { met: boolean }[]; command: string };
    expect(json.raw).toEqual({ samples: [1, 2, 3] });
    expect(json.targets.map((t) => t.met)).toEqual([true, false]);
    expect(json.command).toBe('npm run bench -- sample');
    const md = readFileSync(join(dir, '2026-01-02-sample.md'), 'utf8');
    expect(md).toContain('# A sample scenario');
    expect(md).toContain('| lamina \\| serve | 120 |');
    expect(md).toContain('p50 ratio: 1.20 (goal <= 1.3: met; rounds 1.10-1.25)');
    expect(md).toContain('throughput ratio: 0.70 (goal >= 0.8: missed)');
    expect(md).toContain('![a chart](2026-01-02-sample-chart.svg)');
    expect(md).toContain('peer skipped: not here');
  });

  it('right-aligns numeric columns and prints a terminal summary', () => {
    expect(markdownTable(sample.tables[0] as never).split('\n')[1]).toBe('| --- | ---: |');
    const summary = terminalSummary([sample]);
    expect(summary).toContain('== A sample scenario');
    expect(summary).toContain('target: throughput ratio');
    expect(summary).toContain('skipped: peer skipped: not here');
  });
});

describe('progress', () => {
  it('draws a bar on a terminal and tenths otherwise', () => {
    const tty: string[] = [];
    const bar = new Progress('warm', 4, { isTTY: true, write: (t) => tty.push(t) });
    bar.tick('a');
    bar.done();
    expect(tty[0]).toContain('[########');
    expect(tty[0]).toContain(' 25% a');
    const plain: string[] = [];
    const lines = new Progress('cold', 100, { isTTY: false, write: (t) => plain.push(t) });
    for (let i = 0; i < 100; i += 1) lines.tick();
    expect(plain).toHaveLength(11); // the first step, then every tenth
  });
});

describe('command line', () => {
  it('runs every scenario by default, with full sample counts', () => {
    const parsed = parseBenchArgs([]);
    expect(parsed.scenarios.map((s) => s.name)).toEqual(['cold', 'warm', 'memory', 'concurrency', 'limits', 'isolation', 'extensions', 'http', 'async', 'sqs', 'routing', 'update-code', 'hot-reload', 'observability', 'open-loop']);
    expect(parsed.options).toEqual({ quick: false, rounds: 3, accountConcurrency: 100, maxEnvironments: 128, peers: true });
    expect(parsed.outDir).toMatch(/bench\/results$/);
  });

  it('takes scenarios and options, and keeps the flags for the reproducing command', () => {
    const parsed = parseBenchArgs(['warm', 'cold', '--quick', '--rounds', '2', '--no-peers', '--no-write']);
    expect(parsed.scenarios.map((s) => s.name)).toEqual(['warm', 'cold']);
    expect(parsed.options).toMatchObject({ quick: true, rounds: 2, maxEnvironments: 8, peers: false });
    expect(parsed.outDir).toBeUndefined();
    expect(parsed.flags).toEqual(['--quick', '--rounds', '2', '--no-peers']);
  });

  it('refuses unknown scenarios and bad counts', () => {
    expect(() => parseBenchArgs(['nope'])).toThrow(/unknown scenario 'nope'/);
    expect(() => parseBenchArgs(['--rounds', '0'])).toThrow(/--rounds wants a whole number/);
    expect(() => parseBenchArgs(['--what'])).toThrow();
  });
});

describe('peers', () => {
  it('skips every peer with a reason when the adapters are missing', async () => {
    const loaded = await loadPeers(join(dir, 'no-such-peers.js'));
    expect(loaded.peers).toEqual([]);
    expect(loaded.skipped[0]).toMatch(/^peer skipped: /);
  });

  it('keeps the peers that are available and says why the others are not', async () => {
    const file = join(dir, 'peers.mjs');
    writeFileSync(
      file,
      `export function listPeers() { return [
        { name: 'here', available: async () => undefined, start: async () => { throw new Error('unused'); } },
        { name: 'gone', available: async () => 'not installed', start: async () => { throw new Error('unused'); } },
      ]; }\n`,
    );
    const loaded = await loadPeers(file);
    expect(loaded.peers.map((p) => p.name)).toEqual(['here']);
    expect(loaded.skipped).toEqual(['peer skipped: gone: not installed']);
  });
});

describe('scenario arithmetic', () => {
  it('splits a cold start into environment start and platform overhead', () => {
    expect(coldSplit({ totalMs: 60, initMs: 50, invokeMs: 2, bareMs: 45 })).toEqual({ environmentStartMs: 8, platformOverheadMs: 13 });
  });

  it('ramps in powers of two and around the account limit', () => {
    expect(rampLevels(128, 100)).toEqual([1, 2, 4, 8, 16, 32, 64, 100, 101, 128]);
    expect(rampLevels(8, 100)).toEqual([1, 2, 4, 8]);
    expect(rampLevels(6, 100)).toEqual([1, 2, 4, 6]);
  });

  it('says a limit is enforced only when under passes and over is refused', () => {
    const row = { limit: 'x', documented: 'y', under: 'u', over: 'o' };
    expect(verdict({ ...row, underObserved: { expected: true, text: '' }, overObserved: { expected: true, text: '' } })).toBe('enforced');
    expect(verdict({ ...row, underObserved: { expected: true, text: '' }, overObserved: { expected: false, text: '' } })).toBe('NOT enforced');
    expect(verdict({ ...row, underObserved: undefined, overObserved: undefined, notProbed: 'too big' })).toBe('not probed: too big');
  });

  it('builds echo events of an exact size and places percentiles on a nines axis', () => {
    expect(Buffer.byteLength(echoEvent(1000))).toBe(1000);
    expect(JSON.parse(echoEvent(20))).toEqual({ echo: 'x'.repeat(9) });
    expect(nines(90)).toBeCloseTo(1);
    expect(nines(99.9)).toBeCloseTo(3);
  });
});
