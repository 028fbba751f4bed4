/**
 * A fuzz run against one surface: batches of cases sent concurrently, each judged by the oracle;
 * after each batch the server must be alive and answer a control request; after the run every
 * invocation must have settled and the server's memory must not have grown grossly.
 */
import { caseSeed, generateCase, type FuzzCase } from './cases.js';
import { printable } from './http-request.js';
import { judge } from './oracle.js';
import type { Surface, Target } from './surface.js';
import { exchange, type ExchangeBounds } from './wire.js';

export interface CampaignOptions extends ExchangeBounds {
  readonly seed: number;
  /** Stop after this many cases... */
  readonly cases?: number;
  /** ...or at this time (Date.now()), whichever comes first. */
  readonly until?: number;
  /** Only these case indexes (replay). */
  readonly only?: readonly number[];
  readonly batchSize: number;
  readonly concurrency: number;
  /** RSS growth, first batch to the largest, that fails the run. */
  readonly rssBoundBytes: number;
  /** Stop after this many failures. */
  readonly maxFailures: number;
}

export interface Failure {
  readonly surface: string;
  readonly seed: number;
  /** The case's index in the run, or undefined for a failure of the server as a whole. */
  readonly index?: number;
  readonly reason: string;
  readonly labels?: readonly string[];
  readonly bytes?: string;
}

export interface CampaignSummary {
  readonly surface: string;
  readonly seed: number;
  readonly cases: number;
  readonly batches: number;
  /** Answers by status, plus `closed` for cases answered by a close alone. */
  readonly outcomes: Record<string, number>;
  readonly rssStartMb: number;
  readonly rssMaxMb: number;
  readonly failures: Failure[];
}

/**
 * How to replay a failure: the long run's command line.
 *
 * @example
 * replayCommand(failure); // 'node dist/bench/fuzz.js --surface invoke --seed 7 --case 12'
 */
export function replayCommand(failure: Failure): string {
  return `node dist/bench/fuzz.js --surface ${failure.surface} --seed ${failure.seed}${failure.index === undefined ? '' : ` --case ${failure.index}`}`;
}

async function runCase(surface: Surface, target: Target, options: CampaignOptions, index: number, outcomes: Record<string, number>): Promise<Failure | undefined> {
  const generated: FuzzCase = generateCase(caseSeed(options.seed, index), surface.corpus, target.ctx);
  const parks = generated.delivery.finish === 'keep' && surface.expectations.mayPark?.(generated) === true;
  const fuzzCase: FuzzCase = parks ? { ...generated, delivery: { ...generated.delivery, finish: 'half-close' } } : generated;
  const result = await exchange(target.host, target.port, fuzzCase, options);
  const reason = judge(fuzzCase, result, surface.expectations);
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(result.received.subarray(0, 16).toString('latin1'))?.[1] ?? 'closed';
  outcomes[status] = (outcomes[status] ?? 0) + 1;
  if (reason === undefined) return undefined;
  return { surface: surface.name, seed: options.seed, index, reason, labels: fuzzCase.labels, bytes: printable(fuzzCase.bytes) };
}

function* indexes(options: CampaignOptions): Generator<number> {
  if (options.only !== undefined) {
    yield* options.only;
    return;
  }
  for (let i = 0; options.cases === undefined || i < options.cases; i += 1) {
    if (options.until !== undefined && Date.now() >= options.until) return;
    yield i;
  }
}

/**
 * @example
 * const summary = await runCampaign(surface, { seed: 1, cases: 300, batchSize: 50, concurrency: 8, hangMs: 10_000, patienceMs: 300, rssBoundBytes: 256 << 20, maxFailures: 5 });
 */
export async function runCampaign(surface: Surface, options: CampaignOptions): Promise<CampaignSummary> {
  const failures: Failure[] = [];
  const whole = (reason: string): void => void failures.push({ surface: surface.name, seed: options.seed, reason });
  const outcomes: Record<string, number> = {};
  const uncaught = (error: unknown): void => whole(`uncaught in the server's process: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.on('uncaughtException', uncaught);
  process.on('unhandledRejection', uncaught);
  let cases = 0;
  let batches = 0;
  let rssStart = 0;
  let rssMax = 0;
  try {
    const source = indexes(options);
    let done = false;
    while (!done && failures.length < options.maxFailures) {
      const batch: number[] = [];
      for (let next = source.next(); batch.length < options.batchSize; next = source.next()) {
        if (next.done === true) {
          done = true;
          break;
        }
        batch.push(next.value);
        if (batch.length === options.batchSize) break;
      }
      if (batch.length === 0) break;
      const target = await surface.prepare();
      const queue = [...batch];
      const worker = async (): Promise<void> => {
        for (let index = queue.shift(); index !== undefined; index = queue.shift()) {
          const failure = await runCase(surface, target, options, index, outcomes);
          if (failure !== undefined) failures.push(failure);
        }
      };
      await Promise.all(Array.from({ length: options.concurrency }, worker));
      cases += batch.length;
      batches += 1;
      const broken = surface.broken();
      if (broken !== undefined) {
        whole(`after batch ${batches} (cases ${batch[0]}..${batch.at(-1)}): ${broken}`);
        break;
      }
      await surface.control().catch((error: Error) => whole(`wedged after batch ${batches} (cases ${batch[0]}..${batch.at(-1)}): ${error.message}`));
      const rss = surface.rssBytes();
      if (batches === 1) rssStart = rss;
      rssMax = Math.max(rssMax, rss);
    }
    if (surface.broken() === undefined) await surface.settle().catch((error: Error) => whole(`after the run: ${error.message}`));
    if (rssMax - rssStart > options.rssBoundBytes) whole(`RSS grew from ${Math.round(rssStart / 2 ** 20)} MB to ${Math.round(rssMax / 2 ** 20)} MB`);
  } finally {
    process.off('uncaughtException', uncaught);
    process.off('unhandledRejection', uncaught);
  }
  const mb = (bytes: number): number => Math.round(bytes / 2 ** 20);
  return { surface: surface.name, seed: options.seed, cases, batches, outcomes, rssStartMb: mb(rssStart), rssMaxMb: mb(rssMax), failures };
}

/**
 * Failures as text: reason, mutations, bytes, and the command that replays each.
 *
 * @example
 * console.error(formatFailures(summary.failures));
 */
export function formatFailures(failures: readonly Failure[]): string {
  return failures
    .map((f) => [`[${f.surface}] ${f.reason}`, f.labels === undefined ? '' : `  mutations: ${f.labels.join(', ')}`, f.bytes === undefined ? '' : `  bytes: ${f.bytes}`, `  replay: ${replayCommand(f)}`].filter(Boolean).join('\n'))
    .join('\n');
}
