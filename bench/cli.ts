/**
 * The benchmark harness: `npm run bench -- [scenario...] [options]` or `lamina bench ...`.
 * Runs the scenarios (all by default), prints a progress bar per scenario on stderr and a summary
 * table on stdout, and writes bench/results/<date>-<scenario>.{json,md}, SVG charts and the run's
 * <date>-<time>-report.html; `--compare A.json B.json` prints the ratios between two saved runs;
 * `--report RUN.json` makes a run's page again from its JSON.
 */
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { RESULTS_DIR, runScenarios } from './harness/runner.js';
import { compareFiles } from './harness/compare-runs.js';
import { writeReportFromRun } from './harness/html-report.js';
import { terminalSummary } from './harness/report-writer.js';
import { SCENARIOS, scenarioNamed } from './scenarios/index.js';
import type { BenchOptions, Scenario } from './scenarios/scenario.js';

export const BENCH_USAGE = `Usage: lamina bench [scenario...] [options]   (or: npm run bench -- [scenario...] [options])
       lamina bench --compare A.json B.json      (ratios B/A of every number two saved runs share)
       lamina bench --report RUN.json [--out F]  (a run's HTML page again, from its <date>-<time>-run.json)

Scenarios (default: all, in this order): ${SCENARIOS.map((s) => s.name).join(', ')}

Options:
  --quick                     Small sample counts: a smoke run in seconds, figures not for quoting
  --rounds <n>                Rounds of alternation between the sides (default: 3; --quick: 1)
  --account-concurrency <n>   Account concurrency limit given to lamina serve (concurrency; default: 100, the least Lambda allows)
  --max-environments <n>      Where the concurrency ramp ends (default: 128; --quick: 8)
  --callers <n[,n...]>        Concurrent callers of the async scenario (default: 8; --quick: 2); the sqs scenario's
                              callers and senders (the first value)
  --seconds <s>               Seconds of load per side per round in the async and sqs scenarios (default: 5; --quick: 0.5)
  --queue-sync <normal|full>  The async scenario's lamina serve --queue-sync (default: normal, as lamina serve)
  --no-peers                  Leave out serverless-offline and lambda-local
  --out <dir>                 Where results go (default: bench/results); with --report, the page's file
  --no-write                  Print the summary only, write no files (else also <date>-<time>-report.html and -run.json)
  --compare A.json B.json     Compare two saved runs (run or scenario JSON files) instead of running
  --report RUN.json           Write RUN's page (<stamp>-report.html next to it) instead of running
  -h, --help                  Show this help
`;

export interface ParsedBenchArgs {
  readonly scenarios: Scenario[];
  readonly options: BenchOptions;
  readonly outDir: string | undefined;
  /** The options as given, to print the reproducing command. */
  readonly flags: string[];
  readonly help: boolean;
  /** `--compare A B`: the two files, instead of a run. */
  readonly compare: readonly [string, string] | undefined;
  /** `--report RUN.json`: the run whose page to write, and where (`--out`), instead of a run. */
  readonly report?: { readonly file: string; readonly out: string | undefined } | undefined;
}

/**
 * @example parseBenchArgs(['warm', '--quick']).options.rounds // 1
 */
export function parseBenchArgs(args: readonly string[]): ParsedBenchArgs {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    strict: true,
    options: {
      quick: { type: 'boolean', default: false },
      rounds: { type: 'string' },
      'account-concurrency': { type: 'string' },
      'max-environments': { type: 'string' },
      callers: { type: 'string' },
      seconds: { type: 'string' },
      'queue-sync': { type: 'string' },
      'no-peers': { type: 'boolean', default: false },
      out: { type: 'string' },
      'no-write': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
      compare: { type: 'boolean', default: false },
      report: { type: 'string' },
    },
  });
  const idle = { scenarios: [], options: { quick: false, rounds: 1, accountConcurrency: 100, maxEnvironments: 128, peers: false }, outDir: undefined, flags: [], help: values.help };
  if (values.report !== undefined) {
    if (positionals.length > 0 || values.compare) throw new Error('--report takes one run JSON and no scenarios');
    return { ...idle, compare: undefined, report: { file: values.report, out: values.out } };
  }
  if (values.compare) {
    if (positionals.length !== 2) throw new Error(`--compare wants two saved JSON files, got ${positionals.length}`);
    return { ...idle, compare: [positionals[0] as string, positionals[1] as string] };
  }
  const count = (name: string, value: string | undefined, fallback: number): number => {
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${name} wants a whole number of at least 1, got '${value}'`);
    return n;
  };
  const callers = values.callers?.split(',').map((part) => count('--callers', part.trim(), 1));
  const seconds = values.seconds === undefined ? undefined : Number(values.seconds);
  if (seconds !== undefined && !(Number.isFinite(seconds) && seconds > 0)) throw new Error(`--seconds wants a number of seconds above 0, got '${values.seconds ?? ''}'`);
  const queueSync = values['queue-sync'];
  if (queueSync !== undefined && queueSync !== 'full' && queueSync !== 'normal') throw new Error(`--queue-sync wants full or normal, got '${queueSync}'`);
  const scenarios = positionals.map((name) => {
    const scenario = scenarioNamed(name);
    if (scenario === undefined) throw new Error(`unknown scenario '${name}' (known: ${SCENARIOS.map((s) => s.name).join(', ')})`);
    return scenario;
  });
  const quick = values.quick;
  const flags: string[] = [];
  if (quick) flags.push('--quick');
  for (const name of ['rounds', 'account-concurrency', 'max-environments', 'callers', 'seconds', 'queue-sync'] as const) if (values[name] !== undefined) flags.push(`--${name}`, String(values[name]));
  if (values['no-peers']) flags.push('--no-peers');
  return {
    scenarios: scenarios.length === 0 ? [...SCENARIOS] : scenarios,
    options: {
      quick,
      rounds: count('--rounds', values.rounds, quick ? 1 : 3),
      accountConcurrency: count('--account-concurrency', values['account-concurrency'], 100),
      maxEnvironments: count('--max-environments', values['max-environments'], quick ? 8 : 128),
      peers: !values['no-peers'],
      ...(callers === undefined ? {} : { callers }),
      ...(seconds === undefined ? {} : { seconds }),
      ...(queueSync === undefined ? {} : { queueSync }),
    },
    outDir: values['no-write'] ? undefined : (values.out ?? RESULTS_DIR),
    flags,
    help: values.help,
    compare: undefined,
  };
}

/**
 * Run the harness; returns the exit code (1 when a scenario failed).
 *
 * @example process.exitCode = await benchMain(['warm', '--quick']);
 */
export async function benchMain(args: readonly string[]): Promise<number> {
  let parsed: ParsedBenchArgs;
  try {
    parsed = parseBenchArgs(args);
  } catch (error) {
    process.stderr.write(`lamina bench: ${(error as Error).message}\n\n${BENCH_USAGE}`);
    return 2;
  }
  if (parsed.help) {
    process.stdout.write(BENCH_USAGE);
    return 0;
  }
  if (parsed.report !== undefined) {
    try {
      process.stdout.write(`${writeReportFromRun(parsed.report.file, parsed.report.out)}\n`);
      return 0;
    } catch (error) {
      process.stderr.write(`lamina bench --report: ${(error as Error).message}\n`);
      return 2;
    }
  }
  if (parsed.compare !== undefined) {
    try {
      process.stdout.write(compareFiles(...parsed.compare));
      return 0;
    } catch (error) {
      process.stderr.write(`lamina bench --compare: ${(error as Error).message}\n`);
      return 2;
    }
  }
  const outcome = await runScenarios({
    scenarios: parsed.scenarios,
    options: parsed.options,
    outDir: parsed.outDir,
    commandFor: (name) => ['npm run build && npm run bench --', name, ...parsed.flags].join(' '),
    runCommand: ['npm run build && npm run bench --', ...(parsed.scenarios.length === SCENARIOS.length ? [] : parsed.scenarios.map((s) => s.name)), ...parsed.flags].join(' '),
  });
  process.stdout.write(terminalSummary(outcome.results));
  for (const file of outcome.files) process.stdout.write(`wrote ${file}\n`);
  for (const failure of outcome.failures) process.stderr.write(`lamina bench: scenario ${failure.scenario} failed: ${failure.error.stack ?? failure.error.message}\n`);
  return outcome.failures.length > 0 ? 1 : 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  benchMain(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
