/**
 * What every scenario gets from the harness and what it gives back.
 */
import type { Progress } from '../harness/progress.js';
import type { ScenarioResult } from '../harness/result.js';
import type { Workspace } from '../harness/bench-functions.js';
import type { LoadedPeers } from '../harness/peers.js';

export interface BenchOptions {
  /** Small sample counts: a smoke run in seconds (the tests use it). */
  readonly quick: boolean;
  /** Rounds of alternation (A, B, A, B, ...). */
  readonly rounds: number;
  /** `--account-concurrency` given to `lamina serve` (concurrency scenario). */
  readonly accountConcurrency: number;
  /** The most environments the concurrency ramp goes to. */
  readonly maxEnvironments: number;
  /** Include the whole-emulator peers. */
  readonly peers: boolean;
  /** Concurrent callers of the async scenario's load (default there: 8; --quick: 2); the sqs scenario uses the first. */
  readonly callers?: readonly number[];
  /** Seconds of load per side per round in the async and sqs scenarios (default there: 5; --quick: 0.5). */
  readonly seconds?: number;
  /** The async scenario's `lamina serve --queue-sync` (default there: normal, as lamina serve's). */
  readonly queueSync?: 'full' | 'normal';
}

export interface ScenarioContext {
  readonly options: BenchOptions;
  readonly workspace: Workspace;
  /** The command that reproduces this scenario's figures. */
  readonly command: string;
  progress(total: number): Progress;
  loadPeers(): Promise<LoadedPeers>;
}

export interface Scenario {
  readonly name: string;
  readonly title: string;
  run(context: ScenarioContext): Promise<ScenarioResult>;
}

/** Sample counts: full runs and `--quick` smoke runs. */
export function sized(options: BenchOptions, full: number, quick: number): number {
  return options.quick ? quick : full;
}
