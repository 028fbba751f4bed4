/**
 * One HTML page per harness run: the command, the machine, every target of every scenario in
 * one table, then each scenario's tables, notes, skipped parts and charts (the SVGs inline, so
 * the page is whole on its own), with links to the scenario's JSON and Markdown files; and the
 * run's JSON (tables and targets of every scenario) that `--compare` and `--report` read. A page made
 * again from a run's JSON (`lamina bench --report`) shows the charts from their SVG files.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { release, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { savedRunOf } from './compare-runs.js';
import { machineLine, targetMet, type ScenarioResult, type Table, type Target } from './result.js';
import { numericColumns, targetLine } from './report-writer.js';

/** @example escapeHtml('<a & b>') // '&lt;a &amp; b&gt;' */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** The verdict of a target as a word: met, missed, recorded or not measured. */
export function verdict(target: Target): string {
  const met = targetMet(target);
  if (met !== undefined) return met ? 'met' : 'missed';
  return /: recorded/.test(targetLine(target)) ? 'recorded' : 'not measured';
}

function htmlTable(table: Table): string {
  const numeric = numericColumns(table);
  const head = table.columns.map((c, i) => `<th${numeric[i] === true ? ' class="n"' : ''}>${escapeHtml(c)}</th>`).join('');
  const rows = table.rows.map((row) => `<tr>${table.columns.map((_, i) => `<td${numeric[i] === true ? ' class="n"' : ''}>${escapeHtml(String(row[i] ?? ''))}</td>`).join('')}</tr>`);
  const notes = (table.notes ?? []).map((n) => `<p class="note">${escapeHtml(n)}</p>`);
  return [`<h3>${escapeHtml(table.title)}</h3>`, `<table><thead><tr>${head}</tr></thead><tbody>`, ...rows, '</tbody></table>', ...notes].join('\n');
}

const STYLE = `body{font-family:sans-serif;margin:2em auto;max-width:1300px;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:.5em 0}th,td{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}tr.met td.v{color:#1a7f37}tr.missed td.v{color:#c62828;font-weight:bold}
pre{background:#f4f4f4;padding:.5em;white-space:pre-wrap}.note{margin:.2em 0;font-size:90%;color:#444}figure{margin:1em 0}svg{max-width:100%;height:auto}`;

export interface RunReportInput {
  readonly results: readonly ScenarioResult[];
  /** `<date>-<time>` of the run. */
  readonly stamp: string;
  /** The command line of the whole run. */
  readonly command: string;
  /** Per scenario name, the files written for it (relative to the report), linked from its section. */
  readonly files: Readonly<Record<string, readonly string[]>>;
  /** Scenarios that threw, with the message. */
  readonly failures?: readonly { readonly scenario: string; readonly message: string }[];
  /** The machine as the run saw it; the machine this runs on when not given. */
  readonly machine?: string;
}

/** The machine line of a report: node, cores, load, kernel and memory. */
function machineText(): string {
  return `${machineLine()}; Linux ${release()}; ${(totalmem() / 2 ** 30).toFixed(1)} GiB memory`;
}

/**
 * @example const html = runReportHtml({ results, stamp: '2026-11-30-1700', command: 'npm run bench -- warm', files: {} });
 */
export function runReportHtml(input: RunReportInput): string {
  const { results } = input;
  const id = (name: string): string => `scenario-${name.replace(/[^\w-]/g, '_')}`;
  const targets = results.flatMap((r) => r.targets.map((t) => ({ scenario: r.scenario, target: t })));
  const parts = [
    '<!doctype html>',
    `<html lang="en"><head><meta charset="utf-8"><title>Lamina bench run ${escapeHtml(input.stamp)}</title><style>${STYLE}</style></head><body>`,
    `<h1>Lamina bench run ${escapeHtml(input.stamp)}</h1>`,
    `<p>Machine: ${escapeHtml(input.machine ?? machineText())}. Figures compare only within one run.</p>`,
    `<pre>${escapeHtml(input.command)}</pre>`,
    `<p>Scenarios: ${results.map((r) => `<a href="#${id(r.scenario)}">${escapeHtml(r.scenario)}</a>`).join(', ') || 'none'}</p>`,
    ...(input.failures ?? []).map((f) => `<p class="note">Scenario ${escapeHtml(f.scenario)} failed: ${escapeHtml(f.message)}</p>`),
    '<h2>Targets (ratios measured in this run; recorded, not asserted)</h2>',
    targets.length === 0 ? '<p>No targets in this run.</p>' : '<table class="targets"><thead><tr><th>scenario</th><th>what</th><th class="n">ratio</th><th>goal</th><th>verdict</th><th class="n">rounds</th></tr></thead><tbody>',
    ...targets.map(({ scenario, target }) => {
      const v = verdict(target);
      const range = target.range === undefined || target.range.low === target.range.high ? '' : `${target.range.low.toFixed(2)}-${target.range.high.toFixed(2)}`;
      return `<tr class="${v.replace(' ', '-')}"><td><a href="#${id(scenario)}">${escapeHtml(scenario)}</a></td><td>${escapeHtml(target.what)}</td><td class="n">${Number.isFinite(target.ratio) ? target.ratio.toFixed(2) : '-'}</td><td>${escapeHtml(target.goal)}</td><td class="v">${v}</td><td class="n">${range}</td></tr>`;
    }),
    targets.length === 0 ? '' : '</tbody></table>',
  ];
  for (const result of results) {
    const files = input.files[result.scenario] ?? [];
    parts.push(`<section id="${id(result.scenario)}">`, `<h2>${escapeHtml(result.title)}</h2>`, `<pre>${escapeHtml(result.command)}</pre>`);
    if (files.length > 0) parts.push(`<p>Files: ${files.map((f) => `<a href="${escapeHtml(encodeURI(f))}">${escapeHtml(f)}</a>`).join(', ')}</p>`);
    for (const table of result.tables) parts.push(htmlTable(table));
    if (result.skipped.length > 0) parts.push('<h3>Skipped</h3><ul>', ...result.skipped.map((s) => `<li>${escapeHtml(s)}</li>`), '</ul>');
    // The SVGs are the harness's own output (svg-charts.ts escapes every text in them).
    for (const chart of result.charts) parts.push(`<figure>${chart.svg}<figcaption>${escapeHtml(chart.title)}</figcaption></figure>`);
    // Made again from the run's JSON: the charts are the SVG files next to it.
    if (result.charts.length === 0) for (const svg of files.filter((f) => f.endsWith('.svg'))) parts.push(`<figure><img src="${escapeHtml(encodeURI(svg))}" alt="${escapeHtml(svg)}"><figcaption>${escapeHtml(svg)}</figcaption></figure>`);
    parts.push('</section>');
  }
  parts.push('</body></html>', '');
  return parts.join('\n');
}

/** `HHMMSS` in local time, for the run's file names. */
export function timeStamp(now = new Date()): string {
  return [now.getHours(), now.getMinutes(), now.getSeconds()].map((n) => String(n).padStart(2, '0')).join('');
}

/**
 * Write `<stamp>-report.html` and `<stamp>-run.json` (every scenario's tables and targets without
 * the raw samples: what `lamina bench --compare` reads); returns the two paths.
 *
 * @example writeRunReport({ results, stamp: '2026-11-30-170000', command, files: {} }, 'bench/results')
 */
export function writeRunReport(input: RunReportInput, dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const html = join(dir, `${input.stamp}-report.html`);
  const json = join(dir, `${input.stamp}-run.json`);
  const machine = input.machine ?? machineText();
  writeFileSync(html, runReportHtml({ ...input, machine }));
  const run = {
    stamp: input.stamp,
    command: input.command,
    machine,
    scenarios: input.results.map((r) => ({ scenario: r.scenario, title: r.title, command: r.command, tables: r.tables, targets: r.targets.map((t) => ({ ...t, met: targetMet(t) })), skipped: r.skipped, files: input.files[r.scenario] ?? [] })),
    failures: input.failures ?? [],
  };
  writeFileSync(json, `${JSON.stringify(run, null, 1)}\n`);
  return [html, json];
}

/**
 * `lamina bench --report RUN.json`: the run's page again, from its JSON (the pages themselves are
 * not kept in git: bench/results holds the JSON, Markdown and SVG files). Writes
 * `<stamp>-report.html` next to the JSON, or at `out`; returns where.
 *
 * @example writeReportFromRun('bench/results/2026-11-30-174616-run.json') // '.../2026-11-30-174616-report.html'
 */
export function writeReportFromRun(file: string, out?: string): string {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : 'not JSON'}`);
  }
  const raw = data as { stamp?: unknown; scenarios?: unknown } | null;
  if (raw === null || typeof raw !== 'object' || typeof raw.stamp !== 'string' || !Array.isArray(raw.scenarios)) throw new Error(`${file}: not a run's JSON (wants stamp and scenarios, as <date>-<time>-run.json has)`);
  const run = savedRunOf(data, file);
  if (run.stamp === undefined) throw new Error(`${file}: a run without a stamp`);
  // The stamp names the page's file: a crafted one must not reach outside the folder.
  if (!/^[\w-]+$/.test(run.stamp)) throw new Error(`${file}: stamp ${JSON.stringify(run.stamp)} is not <date>-<time>`);
  const files: Record<string, string[]> = {};
  const results: ScenarioResult[] = run.scenarios.map((scenario) => {
    files[scenario.scenario] = [...scenario.files];
    return { scenario: scenario.scenario, title: scenario.title ?? scenario.scenario, command: scenario.command ?? '', tables: [...scenario.tables], targets: [...scenario.targets], charts: [], skipped: [...scenario.skipped], raw: {} };
  });
  const html = runReportHtml({ results, stamp: run.stamp, command: run.command ?? '', files, failures: [...run.failures], machine: run.machine ?? 'not recorded' });
  const target = out ?? join(dirname(file), `${run.stamp}-report.html`);
  writeFileSync(target, html);
  return target;
}
