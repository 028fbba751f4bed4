/**
 * One report per run (HTML with every table, target and chart, plus the run JSON) and
 * `--compare A.json B.json` on two saved runs: functional checks on small made-up results.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { benchMain, parseBenchArgs } from '../../bench/cli.js';
import { cellNumber, compareRuns, compareText, parseSavedRun } from '../../bench/harness/compare-runs.js';
import { escapeHtml, runReportHtml } from '../../bench/harness/html-report.js';
import type { ScenarioResult } from '../../bench/harness/result.js';
import { runScenarios } from '../../bench/harness/runner.js';
import { stackedBarChart } from '../../bench/harness/svg-charts.js';
import type { Scenario } from '../../bench/scenarios/scenario.js';

const dir = mkdtempSync(join(tmpdir(), 'lamina-run-report-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const silent = { isTTY: false, write: () => true };
const options = { quick: true, rounds: 1, accountConcurrency: 100, maxEnvironments: 8, peers: false };

function result(name: string, p50: number, rate: number, ratio: number): ScenarioResult {
  return {
    scenario: name,
    title: `The ${name} scenario <script>alert(1)</script>`,
    command: `npm run bench -- ${name}`,
    tables: [
      { title: `Latency (µs; ${p50 > 500 ? 2000 : 200} invokes)`, columns: ['what', 'p50', 'rate', 'vs floor', 'range'], rows: [['floor', p50, `${rate}`, '1.00x', '10-20'], ['lamina <b>', p50 * 2, `${rate / 2}`, `${(2).toFixed(2)}x`, '20-30'], ['lamina <b>', p50 * 3, '-', '3.00x', 'n/a']], notes: ['a note & more'] },
      { title: 'Only here', columns: ['what', 'n'], rows: [['x', 1]] },
    ],
    targets: [
      { what: `${name}: lamina / floor`, ratio, goal: '<= 1.3', range: { low: ratio - 0.1, high: ratio + 0.1 } },
      { what: `${name}: kept for the record`, ratio: 7, goal: '(recorded)' },
    ],
    charts: [
      { name: 'bars', title: 'bars chart', svg: stackedBarChart({ title: `${name} bars`, yLabel: 'ms', segments: ['a', 'b'], bars: [{ label: 'one', values: [1, 2] }] }) },
      { name: 'more', title: 'more bars', svg: stackedBarChart({ title: `${name} more`, yLabel: 'ms', segments: ['a'], bars: [{ label: 'two', values: [3] }] }) },
    ],
    skipped: ['a peer skipped: not installed'],
    raw: { samples: [1, 2, 3] },
  };
}

const fixed = (r: ScenarioResult): Scenario => ({ name: r.scenario, title: r.title, run: async () => r });

describe('the run report', () => {
  it('writes one HTML page and one run JSON per run, next to each scenario\'s files', async () => {
    const failing: Scenario = { name: 'broken', title: 'Broken', run: async () => Promise.reject(new Error('it broke <here>')) };
    const outcome = await runScenarios({ scenarios: [fixed(result('alpha', 100, 1000, 1.2)), failing, fixed(result('beta', 50, 4000, 1.5))], options, outDir: dir, commandFor: (n) => `bench ${n}`, runCommand: 'npm run bench -- alpha broken beta', progressSink: silent, date: '2026-01-02', time: '030405' });
    expect(outcome.failures.map((f) => f.scenario)).toEqual(['broken']);
    expect(readdirSync(dir).filter((f) => f.startsWith('2026-01-02-03'))).toEqual(['2026-01-02-030405-report.html', '2026-01-02-030405-run.json']);
    const html = readFileSync(join(dir, '2026-01-02-030405-report.html'), 'utf8');
    // Every chart inline, every table with every cell, every target, the commands and the machine.
    expect(html.match(/<svg /g)).toHaveLength(4);
    expect(html.match(/<table>/g)).toHaveLength(4);
    expect(html.match(/<tr class="(met|missed|recorded)">/g)).toHaveLength(4);
    expect(html).toContain('<tr class="met"><td><a href="#scenario-alpha">alpha</a></td><td>alpha: lamina / floor</td><td class="n">1.20</td>');
    expect(html).toContain('<td class="v">missed</td><td class="n">1.40-1.60</td>');
    expect(html).toContain('<pre>npm run bench -- alpha broken beta</pre>');
    expect(html).toContain('<pre>npm run bench -- beta</pre>');
    expect(html).toMatch(/Machine: node v\d+/);
    expect(html).toContain('<a href="2026-01-02-alpha.json">2026-01-02-alpha.json</a>');
    expect(html).toContain('<a href="2026-01-02-beta-bars.svg">');
    expect(html).toContain('Scenario broken failed: it broke &lt;here&gt;');
    expect(html).toContain('<td>lamina &lt;b&gt;</td><td class="n">200</td>');
    expect(html).toContain('a note &amp; more');
    expect(html).toContain('<li>a peer skipped: not installed</li>');
    // Hostile text from a result never becomes markup.
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<b>');
    const run = JSON.parse(readFileSync(join(dir, '2026-01-02-030405-run.json'), 'utf8')) as { scenarios: { scenario: string; targets: { met?: boolean }[]; raw?: unknown }[]; failures: unknown[] };
    expect(run.scenarios.map((s) => s.scenario)).toEqual(['alpha', 'beta']);
    expect(run.scenarios[0]?.targets.map((t) => t.met)).toEqual([true, undefined]);
    expect(run.scenarios[0]?.raw).toBeUndefined();
    expect(run.failures).toEqual([{ scenario: 'broken', message: 'it broke <here>' }]);
  });

  it('makes the page again from the run JSON (lamina bench --report), charts from their SVG files', async () => {
    const json = join(dir, '2026-01-02-030405-run.json');
    const again = join(dir, 'again.html');
    const out: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => out.push(chunk) > 0) as typeof process.stdout.write;
    try {
      expect(await benchMain(['--report', json, '--out', again])).toBe(0);
    } finally {
      process.stdout.write = write;
    }
    expect(out.join('')).toBe(`${again}\n`);
    const html = readFileSync(again, 'utf8');
    const first = readFileSync(join(dir, '2026-01-02-030405-report.html'), 'utf8');
    // The same tables, targets, commands, machine and failures as the page the run wrote.
    expect(html.match(/<table>/g)).toHaveLength(4);
    expect(html.match(/<tr class="(met|missed|recorded)">/g)).toHaveLength(4);
    expect(html).toContain('<pre>npm run bench -- alpha broken beta</pre>');
    expect(html).toContain('Scenario broken failed: it broke &lt;here&gt;');
    expect(/<p>Machine: [^<]*<\/p>/.exec(html)?.[0]).toBe(/<p>Machine: [^<]*<\/p>/.exec(first)?.[0]);
    expect(html).toContain('<li>a peer skipped: not installed</li>');
    // Charts as the files the scenarios wrote.
    expect(html).not.toContain('<svg ');
    expect(html.match(/<img src="2026-01-02-(alpha|beta)-(bars|more)\.svg"/g)).toHaveLength(4);
    expect(html).not.toContain('<script>');
    // Next to the JSON by default; refused when not a run's JSON.
    expect(parseBenchArgs(['--report', json]).report).toEqual({ file: json, out: undefined });
    expect(() => parseBenchArgs(['--report', json, 'warm'])).toThrow(/no scenarios/);
    const err = process.stderr.write.bind(process.stderr);
    const errors: string[] = [];
    process.stderr.write = ((chunk: string) => errors.push(chunk) > 0) as typeof process.stderr.write;
    try {
      const notRun = join(dir, 'not-run.json');
      writeFileSync(notRun, '{"scenario": "x"}');
      expect(await benchMain(['--report', notRun])).toBe(2);
      expect(await benchMain(['--report', join(dir, 'missing-run.json')])).toBe(2);
      const outside = join(dir, 'outside-run.json');
      writeFileSync(outside, JSON.stringify({ stamp: '../../escaped', scenarios: [] }));
      expect(await benchMain(['--report', outside])).toBe(2);
      expect(readdirSync(join(dir, '..')).filter((f) => f.startsWith('escaped'))).toEqual([]);
    } finally {
      process.stderr.write = err;
    }
    expect(errors.join('')).toMatch(/not a run's JSON[\s\S]*no such file[\s\S]*is not <date>-<time>/);
  });

  it('writes no report when nothing is written', async () => {
    const outcome = await runScenarios({ scenarios: [fixed(result('alpha', 1, 1, 1))], options, outDir: undefined, commandFor: (n) => n, progressSink: silent });
    expect(outcome.results).toHaveLength(1);
    expect(outcome.files).toEqual([]);
  });

  it('escapes HTML and says when a run has no targets', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    const html = runReportHtml({ results: [], stamp: 's', command: 'c', files: {} });
    expect(html).toContain('No targets in this run.');
  });
});

describe('--compare', () => {
  const a = join(dir, 'A-run.json');
  const b = join(dir, 'B.json');

  it('prints B/A of every number two saved runs share: targets, p50s, rates', async () => {
    // A: a run JSON with two scenarios; B: a single scenario's JSON (as writeResult writes it).
    writeFileSync(a, JSON.stringify({ stamp: '2026-01-01-000000', machine: 'machine A', scenarios: [result('alpha', 100, 1000, 1.2), result('gamma', 1, 1, 1)].map(({ raw: _raw, charts: _charts, ...rest }) => rest) }));
    const onlyB = result('alpha', 80, 1500, 0.9);
    writeFileSync(b, JSON.stringify({ ...onlyB, date: '2026-01-02', tables: [{ ...onlyB.tables[0], rows: [...(onlyB.tables[0]?.rows ?? []), ['new row', 5, '1', '1x', '-']] }], targets: [...onlyB.targets, { what: 'brand new', ratio: 2, goal: '< 3' }] }));
    const { rows, onlyA, onlyB: inB } = compareRuns(parseSavedRun(readFileSync(a, 'utf8'), a), parseSavedRun(readFileSync(b, 'utf8'), b));
    const find = (where: string, what: string): number | undefined => rows.find((r) => r.where.startsWith(where) && r.what === what)?.ratio;
    expect(find('target', 'alpha: lamina / floor (goal <= 1.3)')).toBeCloseTo(0.9 / 1.2, 9);
    expect(find('target', 'alpha: kept for the record (goal (recorded))')).toBe(1);
    // The table matched although its title's sample count differs (2000 vs 200 invokes).
    expect(find('Latency', 'floor | p50')).toBeCloseTo(0.8, 9);
    expect(find('Latency', 'floor | rate')).toBeCloseTo(1.5, 9);
    expect(find('Latency', 'lamina <b> | p50')).toBeCloseTo(0.8, 9);
    expect(find('Latency', 'lamina <b> #2 | p50')).toBeCloseTo(0.8, 9); // the second row of that name
    expect(find('Latency', 'floor | vs floor')).toBe(1);
    expect(find('Latency', 'floor | range')).toBeUndefined(); // a range is not one number
    expect(find('Latency', 'lamina <b> #2 | rate')).toBeUndefined(); // '-' on both sides
    expect(onlyA).toEqual(['scenario gamma']);
    expect(inB).toEqual(['alpha target: brand new', 'alpha row: new row']);
    const text = compareText(parseSavedRun(readFileSync(a, 'utf8'), a), parseSavedRun(readFileSync(b, 'utf8'), b));
    expect(text).toContain(`A: ${a} (2026-01-01-000000, machine A)`);
    expect(text).toContain(`B: ${b} (2026-01-02)`);
    expect(text).toContain('| floor \\| p50 | 100 | 80 | 0.800x |');
  });

  it('runs from the command line, and refuses what is not a saved run', async () => {
    expect(parseBenchArgs(['--compare', a, b]).compare).toEqual([a, b]);
    expect(() => parseBenchArgs(['--compare', a])).toThrow(/two saved JSON files/);
    const out: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => out.push(chunk) > 0) as typeof process.stdout.write;
    try {
      expect(await benchMain(['--compare', a, b])).toBe(0);
    } finally {
      process.stdout.write = write;
    }
    expect(out.join('')).toContain('0.750x');
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"hello": 1}');
    const err = process.stderr.write.bind(process.stderr);
    process.stderr.write = (() => true) as typeof process.stderr.write;
    try {
      expect(await benchMain(['--compare', a, bad])).toBe(2);
      expect(await benchMain(['--compare', a, join(dir, 'missing.json')])).toBe(2);
    } finally {
      process.stderr.write = err;
    }
    expect(() => parseSavedRun('not json', 'x.json')).toThrow(/x.json: not JSON/);
  });

  it('reads the numbers cells show', () => {
    expect(cellNumber('1.42x')).toBe(1.42);
    expect(cellNumber('1,234')).toBe(1234);
    expect(cellNumber('~3')).toBe(3);
    expect(cellNumber(' 12.5 %')).toBe(12.5);
    expect(cellNumber('10-20')).toBeUndefined();
    expect(cellNumber('-')).toBeUndefined();
    expect(cellNumber('lamina')).toBeUndefined();
    expect(cellNumber(Number.NaN)).toBeUndefined();
    expect(cellNumber(7)).toBe(7);
  });
});
