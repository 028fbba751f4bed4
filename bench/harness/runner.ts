/**
 * Run scenarios one after another in one process: a workspace for their functions, a progress bar
 * each, result files written as each one finishes, then the run's HTML report and run JSON.
 */
import { basename, join } from 'node:path';
import { ROOT } from '../lib/processes.js';
import type { Scenario, BenchOptions } from '../scenarios/scenario.js';
import { createWorkspace } from './bench-functions.js';
import { loadPeers } from './peers.js';
import { Progress, type ProgressSink } from './progress.js';
import { timeStamp, writeRunReport } from './html-report.js';
import { dateStamp, writeResult } from './report-writer.js';
import type { ScenarioResult } from './result.js';

export const RESULTS_DIR = join(ROOT, 'bench', 'results');

export interface RunRequest {
  readonly scenarios: readonly Scenario[];
  readonly options: BenchOptions;
  /** Where the JSON, Markdown and SVG files go; undefined writes none. */
  readonly outDir: string | undefined;
  /** The command line that reproduces a scenario (given its name). */
  readonly commandFor: (scenario: string) => string;
  readonly progressSink?: ProgressSink;
  readonly date?: string;
  /** `HHMMSS` of the run, for its HTML report and run JSON (default: now). */
  readonly time?: string;
  /** The command line of the whole run, at the top of its HTML report. */
  readonly runCommand?: string;
}

export interface RunOutcome {
  readonly results: ScenarioResult[];
  readonly files: string[];
  /** Scenarios that threw, with the error. */
  readonly failures: { scenario: string; error: Error }[];
}

/**
 * @example
 * const outcome = await runScenarios({ scenarios: [warmScenario], options, outDir: RESULTS_DIR, commandFor });
 */
export async function runScenarios(request: RunRequest): Promise<RunOutcome> {
  const workspace = createWorkspace();
  const results: ScenarioResult[] = [];
  const files: string[] = [];
  const failures: { scenario: string; error: Error }[] = [];
  const date = request.date ?? dateStamp();
  const stamp = `${date}-${request.time ?? timeStamp()}`;
  const written: Record<string, string[]> = {};
  let peers: ReturnType<typeof loadPeers> | undefined;
  try {
    for (const scenario of request.scenarios) {
      try {
        const result = await scenario.run({
          options: request.options,
          workspace,
          command: request.commandFor(scenario.name),
          progress: (total) => new Progress(scenario.name, total, request.progressSink),
          loadPeers: () => (peers ??= loadPeers()),
        });
        results.push(result);
        if (request.outDir !== undefined) {
          const own = writeResult(result, request.outDir, date);
          files.push(...own);
          written[result.scenario] = own.map((f) => basename(f));
        }
      } catch (error) {
        failures.push({ scenario: scenario.name, error: error as Error });
      }
    }
  } finally {
    workspace.remove();
  }
  if (request.outDir !== undefined && request.scenarios.length > 0) {
    const command = request.runCommand ?? request.scenarios.map((s) => request.commandFor(s.name)).join('; ');
    files.push(...writeRunReport({ results, stamp, command, files: written, failures: failures.map((f) => ({ scenario: f.scenario, message: f.error.message })) }, request.outDir));
  }
  return { results, files, failures };
}
