/**
 * Writers for a scenario's results: `bench/results/<date>-<scenario>.json` (raw samples and
 * histograms), `<date>-<scenario>.md` (the report) and `<date>-<scenario>-<chart>.svg`, plus the
 * terminal summary table.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { machineLine, targetMet, type Cell, type ScenarioResult, type Table, type Target } from './result.js';

/** Which columns hold only figures (right-aligned). @example numericColumns(table) // [false, true] */
export function numericColumns(table: Table): boolean[] {
  return table.columns.map((_, c) => table.rows.length > 0 && table.rows.every((row) => /^[-\d.,x%~<>≈ ]+$|^-$/.test(String(row[c] ?? ''))));
}

/** @example markdownTable({ title: 't', columns: ['a', 'b'], rows: [[1, 'x']] }) */
export function markdownTable(table: Table): string {
  const numeric = numericColumns(table);
  const lines = [
    `| ${table.columns.join(' | ')} |`,
    `| ${numeric.map((n) => (n ? '---:' : '---')).join(' | ')} |`,
    ...table.rows.map((row) => `| ${table.columns.map((_, c) => cell(row[c])).join(' | ')} |`),
  ];
  return lines.join('\n');
}

function cell(value: Cell | undefined): string {
  if (value === undefined) return '';
  return String(value).replace(/\|/g, '\\|');
}

/** A target as one line: "warm p50 lamina/floor 1.42x (goal <= 1.3: missed; rounds 1.3-1.5)". */
export function targetLine(target: Target): string {
  const met = targetMet(target);
  // A goal without a comparison ("(recorded)") is a figure kept for the record, not a missed measure.
  const verdict = met === undefined ? (Number.isFinite(target.ratio) && !/^(<=|>=|<|>)/.test(target.goal) ? 'recorded' : 'not measured') : met ? 'met' : 'missed';
  const range = target.range === undefined || target.range.low === target.range.high ? '' : `; rounds ${target.range.low.toFixed(2)}-${target.range.high.toFixed(2)}`;
  return `${target.what}: ${Number.isFinite(target.ratio) ? target.ratio.toFixed(2) : '-'} (goal ${target.goal}: ${verdict}${range})`;
}

/** The Markdown report of one scenario, readable on its own. */
export function markdownReport(result: ScenarioResult, date: string, chartFiles: readonly string[]): string {
  const parts = [`# ${result.title}`, '', `Measured ${date} (${machineLine()}).`, '', '```', result.command, '```', ''];
  for (const table of result.tables) {
    parts.push(`## ${table.title}`, '', markdownTable(table), '');
    for (const note of table.notes ?? []) parts.push(`${note}  `);
    if ((table.notes ?? []).length > 0) parts.push('');
  }
  if (result.targets.length > 0) {
    parts.push('## Targets (ratios measured in this run; recorded, not asserted)', '');
    for (const target of result.targets) parts.push(`- ${targetLine(target)}`);
    parts.push('');
  }
  if (result.skipped.length > 0) {
    parts.push('## Skipped', '');
    for (const line of result.skipped) parts.push(`- ${line}`);
    parts.push('');
  }
  if (chartFiles.length > 0) {
    parts.push('## Charts', '');
    result.charts.forEach((chart, i) => parts.push(`![${chart.title}](${chartFiles[i] ?? ''})`, ''));
  }
  return parts.join('\n');
}

/** `YYYY-MM-DD` in local time. */
export function dateStamp(now = new Date()): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

/**
 * Write the JSON, Markdown and SVG files of a result; returns the paths written.
 *
 * @example const files = writeResult(result, 'bench/results', '2026-11-27');
 */
export function writeResult(result: ScenarioResult, dir: string, date: string): string[] {
  mkdirSync(dir, { recursive: true });
  const base = `${date}-${result.scenario}`;
  const chartFiles = result.charts.map((chart) => `${base}-${chart.name}.svg`);
  result.charts.forEach((chart, i) => writeFileSync(join(dir, chartFiles[i] as string), chart.svg));
  const json = {
    scenario: result.scenario,
    title: result.title,
    command: result.command,
    date,
    machine: machineLine(),
    tables: result.tables,
    targets: result.targets.map((t) => ({ ...t, met: targetMet(t) })),
    skipped: result.skipped,
    charts: chartFiles,
    raw: result.raw,
  };
  writeFileSync(join(dir, `${base}.json`), `${JSON.stringify(json, null, 1)}\n`);
  writeFileSync(join(dir, `${base}.md`), markdownReport(result, date, chartFiles));
  return [join(dir, `${base}.json`), join(dir, `${base}.md`), ...chartFiles.map((f) => join(dir, f))];
}

/** The terminal summary: every scenario's first table and every target. */
export function terminalSummary(results: readonly ScenarioResult[]): string {
  const lines: string[] = [`Lamina bench summary (${machineLine()})`, ''];
  for (const result of results) {
    lines.push(`== ${result.title}`);
    for (const table of result.tables) lines.push(`-- ${table.title}`, markdownTable(table), ...(table.notes ?? []), '');
    for (const target of result.targets) lines.push(`target: ${targetLine(target)}`);
    for (const skipped of result.skipped) lines.push(`skipped: ${skipped}`);
    lines.push('');
  }
  return lines.join('\n');
}
