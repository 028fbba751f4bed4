/**
 * What a scenario produces: tables for people, targets as ratios (recorded, never asserted),
 * charts, skipped parts with their reasons, and the raw samples for the JSON file.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';

export type Cell = string | number;

export interface Table {
  readonly title: string;
  readonly columns: readonly string[];
  readonly rows: readonly (readonly Cell[])[];
  /** Lines printed under the table (ratios, how it was measured). */
  readonly notes?: readonly string[];
}

export interface Target {
  /** What is compared, e.g. "warm sequential p50: lamina / floor relay". */
  readonly what: string;
  readonly ratio: number;
  /** The goal as text, e.g. "<= 1.3". */
  readonly goal: string;
  /** Range of the per-round ratios, when measured in rounds. */
  readonly range?: { readonly low: number; readonly high: number } | undefined;
}

export interface Chart {
  /** File name suffix: `<date>-<scenario>-<name>.svg`. */
  readonly name: string;
  readonly title: string;
  readonly svg: string;
}

export interface ScenarioResult {
  readonly scenario: string;
  readonly title: string;
  /** The command that reproduces this result. */
  readonly command: string;
  readonly tables: readonly Table[];
  readonly targets: readonly Target[];
  readonly charts: readonly Chart[];
  /** "peer skipped: <reason>" and the like. */
  readonly skipped: readonly string[];
  /** Raw samples and histograms, only in the JSON file. */
  readonly raw: Readonly<Record<string, unknown>>;
}

/** Is the ratio within the goal ("<= 1.3", ">= 0.8", "< 5")? */
export function targetMet(target: Target): boolean | undefined {
  const match = /^(<=|>=|<|>)\s*([\d.]+)/.exec(target.goal);
  if (match === null || !Number.isFinite(target.ratio)) return undefined;
  const limit = Number(match[2]);
  switch (match[1]) {
    case '<=':
      return target.ratio <= limit;
    case '>=':
      return target.ratio >= limit;
    case '<':
      return target.ratio < limit;
    default:
      return target.ratio > limit;
  }
}

/** The machine a run happened on (figures are only comparable within one run). */
export function machineLine(): string {
  let load = 'n/a';
  try {
    load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    // not Linux
  }
  return `node ${process.version}, ${availableParallelism()} cores (${cpus()[0]?.model.trim() ?? 'unknown CPU'}), load average ${load}`;
}

/** Fixed-point text for a figure; '-' for NaN/undefined. */
export function fmt(value: number | undefined, digits = 1): string {
  return value === undefined || !Number.isFinite(value) ? '-' : value.toFixed(digits);
}
