/**
 * `lamina bench --compare A.json B.json`: the ratios B/A of every number two saved runs have in
 * common, as firecracker's A/B performance tests print them, so a change's effect is one command.
 * Either file may be a run's JSON (`<date>-<time>-run.json`, every scenario of the run) or one
 * scenario's (`<date>-<scenario>.json`). Targets match by scenario and wording; table cells by
 * scenario, table title (its numbers aside: sample counts differ between quick and full runs),
 * row (first cell, and its occurrence among rows with that first cell) and column name.
 */
import { readFileSync } from 'node:fs';
import type { Cell, Table, Target } from './result.js';

export interface SavedScenario {
  readonly scenario: string;
  readonly tables: readonly Table[];
  readonly targets: readonly Target[];
  readonly title?: string | undefined;
  readonly command?: string | undefined;
  /** The files the scenario wrote (charts, Markdown), as the run recorded them. */
  readonly files: readonly string[];
  readonly skipped: readonly string[];
}

export interface SavedRun {
  /** Where it came from and when, for the heading. */
  readonly label: string;
  readonly scenarios: readonly SavedScenario[];
  /** A run's own fields (a scenario's JSON has none of them). */
  readonly stamp?: string | undefined;
  readonly command?: string | undefined;
  readonly machine?: string | undefined;
  readonly failures: readonly { scenario: string; message: string }[];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const stringOf = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);

function scenarioOf(value: unknown, where: string): SavedScenario {
  if (!isObject(value) || typeof value.scenario !== 'string' || !Array.isArray(value.tables) || !Array.isArray(value.targets)) throw new Error(`${where}: not a saved scenario (wants scenario, tables, targets)`);
  return { scenario: value.scenario, tables: value.tables as Table[], targets: value.targets as Target[], title: stringOf(value.title), command: stringOf(value.command), files: strings(value.files), skipped: strings(value.skipped) };
}

function failuresOf(value: unknown): { scenario: string; message: string }[] {
  if (!Array.isArray(value)) return [];
  return value.filter((f): f is { scenario: string; message: string } => isObject(f) && typeof f.scenario === 'string' && typeof f.message === 'string');
}

/**
 * Read a saved run or scenario JSON.
 *
 * @example const run = parseSavedRun(readFileSync('A.json', 'utf8'), 'A.json');
 */
export function parseSavedRun(text: string, file: string): SavedRun {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file}: not JSON (${(error as Error).message})`);
  }
  return savedRunOf(data, file);
}

/**
 * A saved run or scenario already parsed from JSON.
 *
 * @example const run = savedRunOf(JSON.parse(text), 'A.json');
 */
export function savedRunOf(data: unknown, file: string): SavedRun {
  if (!isObject(data)) throw new Error(`${file}: not a saved run`);
  const when = typeof data.stamp === 'string' ? data.stamp : typeof data.date === 'string' ? data.date : 'undated';
  const machine = typeof data.machine === 'string' ? `, ${data.machine}` : '';
  const scenarios = Array.isArray(data.scenarios) ? data.scenarios.map((s, i) => scenarioOf(s, `${file}: scenarios[${i}]`)) : [scenarioOf(data, file)];
  return { label: `${file} (${when}${machine})`, scenarios, stamp: stringOf(data.stamp), command: stringOf(data.command), machine: stringOf(data.machine), failures: failuresOf(data.failures) };
}

/**
 * The number a table cell shows: 1234, '1,234', '1.42x', '12.5 %', '~3'; undefined for text,
 * ranges and '-'.
 *
 * @example cellNumber('1.42x') // 1.42
 */
export function cellNumber(cell: Cell | undefined): number | undefined {
  if (typeof cell === 'number') return Number.isFinite(cell) ? cell : undefined;
  if (typeof cell !== 'string') return undefined;
  const match = /^\s*[~≈]?\s*(-?[\d,]*\.?\d+)\s*(x|%|ms|µs|s|\/s|MB|KB)?\s*$/.exec(cell);
  if (match === null) return undefined;
  const value = Number((match[1] as string).replace(/,/g, ''));
  return Number.isFinite(value) ? value : undefined;
}

const titleKey = (title: string): string => title.replace(/\d[\d.,]*/g, '#');

function rowKeys(table: Table): string[] {
  const seen = new Map<string, number>();
  return table.rows.map((row) => {
    const first = String(row[0] ?? '');
    const n = seen.get(first) ?? 0;
    seen.set(first, n + 1);
    return n === 0 ? first : `${first} #${n + 1}`;
  });
}

export interface Comparison {
  readonly scenario: string;
  /** 'target' or the table's title (as in B). */
  readonly where: string;
  readonly what: string;
  readonly a: number;
  readonly b: number;
  /** b / a (NaN when a is 0). */
  readonly ratio: number;
}

/**
 * Every number both runs have, with B/A; and what only one of them has.
 *
 * @example const { rows } = compareRuns(runA, runB);
 */
export function compareRuns(a: SavedRun, b: SavedRun): { rows: Comparison[]; onlyA: string[]; onlyB: string[] } {
  const rows: Comparison[] = [];
  const onlyA: string[] = [];
  const onlyB: string[] = [];
  const push = (scenario: string, where: string, what: string, x: number, y: number): void => {
    rows.push({ scenario, where, what, a: x, b: y, ratio: x === 0 ? Number.NaN : y / x });
  };
  for (const sb of b.scenarios) {
    const sa = a.scenarios.find((s) => s.scenario === sb.scenario);
    if (sa === undefined) {
      onlyB.push(`scenario ${sb.scenario}`);
      continue;
    }
    for (const tb of sb.targets) {
      const ta = sa.targets.find((t) => t.what === tb.what);
      if (ta === undefined) onlyB.push(`${sb.scenario} target: ${tb.what}`);
      else if (Number.isFinite(ta.ratio) && Number.isFinite(tb.ratio)) push(sb.scenario, 'target', `${tb.what} (goal ${tb.goal})`, ta.ratio, tb.ratio);
    }
    for (const ta of sa.targets) if (!sb.targets.some((t) => t.what === ta.what)) onlyA.push(`${sa.scenario} target: ${ta.what}`);
    for (const tableB of sb.tables) {
      const tableA = sa.tables.find((t) => t.title === tableB.title) ?? sa.tables.find((t) => titleKey(t.title) === titleKey(tableB.title));
      if (tableA === undefined) {
        onlyB.push(`${sb.scenario} table: ${tableB.title}`);
        continue;
      }
      const keysA = rowKeys(tableA);
      rowKeys(tableB).forEach((key, r) => {
        const ra = keysA.indexOf(key);
        if (ra < 0) return onlyB.push(`${sb.scenario} row: ${key}`);
        tableB.columns.forEach((column, cb) => {
          const ca = tableA.columns.indexOf(column);
          if (cb === 0 || ca < 0) return;
          const x = cellNumber(tableA.rows[ra]?.[ca]);
          const y = cellNumber(tableB.rows[r]?.[cb]);
          if (x !== undefined && y !== undefined) push(sb.scenario, tableB.title, `${key} | ${column}`, x, y);
        });
      });
    }
  }
  for (const sa of a.scenarios) if (!b.scenarios.some((s) => s.scenario === sa.scenario)) onlyA.push(`scenario ${sa.scenario}`);
  return { rows, onlyA, onlyB };
}

/** A figure as the tables show it: whole numbers whole, others to 4 significant digits. */
const figure = (value: number): string => (Number.isInteger(value) ? String(value) : String(+value.toPrecision(4)));

/**
 * The comparison as text: a Markdown table per scenario and table, B/A last.
 *
 * @example process.stdout.write(compareText(runA, runB));
 */
export function compareText(a: SavedRun, b: SavedRun): string {
  const { rows, onlyA, onlyB } = compareRuns(a, b);
  const lines = [`Ratios B/A (above 1: B is larger; for latencies that is slower, for rates faster)`, `A: ${a.label}`, `B: ${b.label}`, ''];
  let heading = '';
  for (const row of rows) {
    const h = `${row.scenario}: ${row.where === 'target' ? 'targets' : row.where}`;
    if (h !== heading) {
      lines.push('', `== ${h}`, '| what | A | B | B/A |', '| --- | ---: | ---: | ---: |');
      heading = h;
    }
    lines.push(`| ${row.what.replace(/\|/g, '\\|')} | ${figure(row.a)} | ${figure(row.b)} | ${Number.isFinite(row.ratio) ? `${row.ratio.toFixed(3)}x` : '-'} |`);
  }
  if (rows.length === 0) lines.push('No number in common.');
  if (onlyA.length > 0) lines.push('', 'Only in A:', ...onlyA.map((l) => `- ${l}`));
  if (onlyB.length > 0) lines.push('', 'Only in B:', ...onlyB.map((l) => `- ${l}`));
  return `${lines.join('\n')}\n`;
}

/** Read two files and compare them. */
export function compareFiles(fileA: string, fileB: string): string {
  return compareText(parseSavedRun(readFileSync(fileA, 'utf8'), fileA), parseSavedRun(readFileSync(fileB, 'utf8'), fileB));
}
