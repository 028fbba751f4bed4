/**
 * The long fuzz run: `npm run build && node dist/bench/fuzz.js --seconds 600 [--seed N]`.
 * Fuzzes the Invoke API front door, the Runtime API of a real environment and a `lamina rie`
 * process in turn, each for its share of the time, with a random seed unless one is given
 * (printed first, so the run replays). Exit status 1 on any failure, with the replay commands.
 */
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { formatFailures, runCampaign, type CampaignSummary } from './fuzz/campaign.js';
import { randomSeed } from './fuzz/prng.js';
import { startFrontDoorSurface } from './fuzz/front-door-surface.js';
import { startRieSurface } from './fuzz/rie-surface.js';
import { startRuntimeApiSurface } from './fuzz/runtime-api-surface.js';
import type { Surface } from './fuzz/surface.js';

const SURFACES: Record<string, () => Promise<Surface>> = {
  invoke: startFrontDoorSurface,
  'runtime-api': startRuntimeApiSurface,
  rie: startRieSurface,
};

const USAGE = `Usage: node dist/bench/fuzz.js [--seconds 600] [--seed N] [--surface invoke|runtime-api|rie] [--case I] [--concurrency 8]`;

function whole(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${name} wants a whole number, got '${value}'\n${USAGE}`);
  return n;
}

function summaryLine(s: CampaignSummary): string {
  const outcomes = Object.entries(s.outcomes).sort().map(([k, v]) => `${k}:${v}`).join(' ');
  return `${s.surface.padEnd(12)} ${String(s.cases).padStart(6)} cases  ${s.failures.length} failures  RSS ${s.rssStartMb} -> ${s.rssMaxMb} MB  [${outcomes}]`;
}

export async function fuzzMain(args: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: { seconds: { type: 'string' }, seed: { type: 'string' }, surface: { type: 'string' }, case: { type: 'string' }, concurrency: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help === true) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const seed = whole('--seed', values.seed, randomSeed());
  const seconds = whole('--seconds', values.seconds, 600);
  const names = values.surface === undefined ? Object.keys(SURFACES) : [values.surface];
  const only = values.case === undefined ? undefined : [whole('--case', values.case, 0)];
  process.stdout.write(`fuzz: seed ${seed}, ${seconds} s over ${names.join(', ')}${only === undefined ? '' : `, case ${only[0]} only`}\n`);
  const summaries: CampaignSummary[] = [];
  for (const name of names) {
    const start = SURFACES[name];
    if (start === undefined) throw new Error(`unknown surface '${name}'\n${USAGE}`);
    const surface = await start();
    try {
      summaries.push(
        await runCampaign(surface, {
          seed,
          until: Date.now() + (seconds * 1000) / names.length,
          ...(only === undefined ? {} : { only }),
          batchSize: 100,
          concurrency: whole('--concurrency', values.concurrency, 8),
          hangMs: 10_000,
          patienceMs: 300,
          rssBoundBytes: 256 * 2 ** 20,
          maxFailures: 20,
        }),
      );
    } finally {
      await surface.stop();
    }
    process.stdout.write(`${summaryLine(summaries.at(-1) as CampaignSummary)}\n`);
  }
  const failures = summaries.flatMap((s) => s.failures);
  if (failures.length > 0) process.stdout.write(`\n${formatFailures(failures)}\n`);
  process.stdout.write(`fuzz: seed ${seed}: ${summaries.reduce((n, s) => n + s.cases, 0)} cases, ${failures.length} failures\n`);
  return failures.length === 0 ? 0 : 1;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  fuzzMain(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(2);
    },
  );
}
