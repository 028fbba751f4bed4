/**
 * hot-reload: from a handler file saved to the first invoke that runs the new code, in one real
 * `lamina serve` with hot reload on (docs/hot-reload.md; bench/RESULTS.md has the runs).
 *
 * The save is an editor's atomic one (a temporary file renamed over the handler); the caller then
 * invokes in a loop, one request at a time, until the answer carries the new tag. The old code
 * answers from its warm environment meanwhile, so the loop's granularity is a warm invoke (about a
 * millisecond) and the figure is the whole path: the watcher's event, the batch's quiet time, the
 * code digest, the registry's change, the retirement and the new environment's cold start.
 *
 * The baseline, in the same run and alternated with the saves: the cold start that path cannot do
 * without. The same function's `$LATEST` is replaced through the management API
 * (UpdateFunctionConfiguration of its Description, waited for until `Successful`, not timed), then
 * one invoke is timed: a cold start of the same code in a new environment with nothing else in
 * the way. The ratio is then what hot reload adds over the cold start, whatever the machine's speed.
 */
import { performance } from 'node:perf_hooks';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startLaminaServe } from '../harness/lamina-process.js';
import { fmt, type ScenarioResult } from '../harness/result.js';
import { inRounds, median, ratioOf } from '../harness/stats.js';
import { sized, type Scenario, type ScenarioContext } from './scenario.js';

const NAME = 'HotReload';
const MEMORY_MB = 1769;
/** The goal for a saved file to the first invoke that runs it. */
const GOAL_MS = 300;
const DEADLINE_MS = 60_000;

const handler = (tag: string): string => `exports.handler = async () => ({ tag: ${JSON.stringify(tag)} });\n`;

const TEMPLATE = `Transform: AWS::Serverless-2016-10-31
Resources:
  ${NAME}:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: fn/
      Handler: index.handler
      Runtime: nodejs20.x
      MemorySize: ${MEMORY_MB}
`;

interface Invoked {
  readonly tag: string | undefined;
  readonly at: number;
}

async function invoke(url: string): Promise<Invoked> {
  const response = await fetch(`${url}/2015-03-31/functions/${NAME}/invocations`, { method: 'POST', body: '{}' });
  const text = await response.text();
  const at = performance.now();
  if (response.status !== 200 || response.headers.get('x-amz-function-error') !== null) throw new Error(`invoke failed: ${response.status} ${text.slice(0, 300)}`);
  return { tag: (JSON.parse(text) as { tag?: string }).tag, at };
}

/** Save `tag`'s handler as an editor does, then invoke until it answers. @returns ms and the old answers on the way. */
async function reloadOnce(url: string, file: string, tag: string): Promise<{ ms: number; old: number }> {
  writeFileSync(`${file}.tmp~`, handler(tag));
  const saved = performance.now();
  renameSync(`${file}.tmp~`, file);
  for (let old = 0; ; old += 1) {
    const answer = await invoke(url);
    if (answer.tag === tag) return { ms: answer.at - saved, old };
    if (answer.at - saved > DEADLINE_MS) throw new Error(`${tag} not served after ${DEADLINE_MS} ms`);
  }
}

/** A new `$LATEST` through the API (not timed), then its first invoke: a cold start (timed). */
async function coldOnce(url: string, round: number): Promise<number> {
  const config = `${url}/2015-03-31/functions/${NAME}/configuration`;
  const put = await fetch(config, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ Description: `cold ${round} ${Math.random()}` }) });
  if (put.status !== 200) throw new Error(`UpdateFunctionConfiguration: ${put.status} ${await put.text()}`);
  for (;;) {
    const state = (await (await fetch(config)).json()) as { LastUpdateStatus?: string };
    if (state.LastUpdateStatus === 'Successful') break;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const started = performance.now();
  const answer = await invoke(url);
  return answer.at - started;
}

export const hotReloadScenario: Scenario = {
  name: 'hot-reload',
  title: 'Hot reload: a saved handler to the first invoke that runs it, against a cold start of the same function',
  async run(context: ScenarioContext): Promise<ScenarioResult> {
    const { options, workspace } = context;
    const rounds = options.rounds;
    const perRound = sized(options, 5, 2);
    const dir = join(workspace.dir, 'hot-reload');
    mkdirSync(join(dir, 'fn'), { recursive: true, mode: 0o755 });
    const file = join(dir, 'fn', 'index.js');
    writeFileSync(file, handler('start'));
    writeFileSync(join(dir, 'template.yaml'), TEMPLATE);
    // Under the workspace (not /tmp): with limits on, environments have a private /tmp.
    const lamina = await startLaminaServe(join(dir, 'template.yaml'), ['--state-dir', join(dir, 'state')]);
    const olds: number[] = [];
    let saves = 0;
    let samples: Map<'reload' | 'cold', number[]>;
    try {
      await invoke(lamina.url); // The first environment, not measured.
      const bar = context.progress(rounds * 2 * perRound);
      samples = await inRounds(['reload', 'cold'] as const, rounds, async (side, round) => {
        const each: number[] = [];
        for (let i = 0; i < perRound; i += 1) {
          if (side === 'reload') {
            const result = await reloadOnce(lamina.url, file, `save-${(saves += 1)}`);
            olds.push(result.old);
            each.push(result.ms);
          } else {
            each.push(await coldOnce(lamina.url, round * perRound + i));
          }
          // A warm invoke between samples, so each starts from a served, idle function.
          await invoke(lamina.url);
          bar.tick(side);
        }
        return median(each);
      });
      bar.done();
    } finally {
      await lamina.stop();
    }
    const reload = samples.get('reload') ?? [];
    const cold = samples.get('cold') ?? [];
    const ratio = ratioOf(reload, cold);
    const range = (values: readonly number[]): string => `${fmt(Math.min(...values), 0)}-${fmt(Math.max(...values), 0)}`;
    return {
      scenario: 'hot-reload',
      title: this.title,
      command: context.command,
      tables: [{
        title: `Saved file to the first invoke of the new code (ms; per round the median of ${perRound}, then the median of ${rounds} rounds and their range)`,
        columns: ['what', 'median', 'rounds range', '/ cold start', 'goal'],
        rows: [
          ['hot reload: atomic save to the first answer of the new code', fmt(median(reload), 0), range(reload), `${fmt(ratio.value, 2)}x (${fmt(ratio.low, 2)}-${fmt(ratio.high, 2)})`, `<= ${GOAL_MS} ms`],
          ['baseline: cold start of the same function (new $LATEST through the API, first invoke)', fmt(median(cold), 0), range(cold), '1.00x', ''],
        ],
        notes: [
          `nodejs20.x, ${MEMORY_MB} MB, one lamina serve (${lamina.limits}), one caller invoking in a loop; sides alternated in rounds.`,
          `Old-code answers between a save and the first new one: median ${fmt(median(olds), 0)} (warm invokes of the environment being replaced).`,
          'The difference between the two rows is hot reload\'s own part: the watcher\'s event, the 25 ms quiet time of a batch, the digest of the code directory and the registry\'s change.',
        ],
      }],
      targets: [
        { what: 'hot reload, saved file to the first new answer / cold start of the same function', ratio: ratio.value, goal: 'recorded (the issue sets 300 ms absolute)', range: ratio },
        { what: `hot reload, saved file to the first new answer / the ${GOAL_MS} ms goal`, ratio: median(reload) / GOAL_MS, goal: '<= 1', range: { low: Math.min(...reload) / GOAL_MS, high: Math.max(...reload) / GOAL_MS } },
      ],
      charts: [],
      skipped: [],
      raw: { reload, cold, olds },
    };
  },
};
