/**
 * update-code: from sending UpdateFunctionCode to the first answer of the new code, for a 1 MB
 * and a 50 MB zip (docs/management-api.md, "Functions"; bench/RESULTS.md has the runs).
 *
 * One real `lamina serve`, driven by @aws-sdk/client-lambda as a user deploys: UpdateFunctionCode
 * with `ZipFile`, GetFunctionConfiguration polled until `LastUpdateStatus` is `Successful` (what
 * `waitUntilFunctionUpdatedV2` polls, without its one-second delays), then Invoke in a loop until
 * the answer is the new code's. Split: the UpdateFunctionCode answer (with the client's own base64
 * and SigV4 hashing of the body measured apart), the wait, the first invoke (a cold start).
 *
 * The baseline, in the same run and alternated with the updates: a CreateFunction of a tiny zip
 * (the handler alone) to its first answer, the same pipeline with nothing to carry. An update with
 * the same tiny zip is measured too, so the size's own cost shows against an update's.
 */
import { performance } from 'node:perf_hooks';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  CreateFunctionCommand,
  DeleteFunctionCommand,
  GetFunctionConfigurationCommand,
  InvokeCommand,
  LambdaClient,
  UpdateFunctionCodeCommand,
} from '@aws-sdk/client-lambda';
import { sizedZips } from '../harness/code-zips.js';
import { startLaminaServe } from '../harness/lamina-process.js';
import { fmt, type ScenarioResult, type Target } from '../harness/result.js';
import { alternation, median, ratioOf } from '../harness/stats.js';
import { sized, type Scenario, type ScenarioContext } from './scenario.js';

const ROLE = 'arn:aws:iam::123456789012:role/lamina-bench';
const MEMORY_MB = 1769;
/** Sizes of the scenario's packages (decimal MB: a zip of 50 MiB is one byte over Lambda's body limit in base64). */
export const UPDATE_SIZES = [
  { key: 'update-1mb', label: 'UpdateFunctionCode, 1 MB zip', bytes: 1_000_000 },
  { key: 'update-50mb', label: 'UpdateFunctionCode, 50 MB zip', bytes: 50_000_000 },
] as const;
const TINY = { key: 'update-tiny', label: 'UpdateFunctionCode, tiny zip (handler only)', bytes: 0 } as const;
const BASELINE = { key: 'create-tiny', label: 'baseline: CreateFunction, tiny zip (handler only)', bytes: 0 } as const;
/** Give up on a deployment that has not answered with its new code after this long. */
const DEADLINE_MS = 120_000;
const POLL_MS = 5;

export interface UpdateSample {
  /** Sending the operation to the first answer of the new code. */
  readonly totalMs: number;
  /** Sending the operation to its answer. */
  readonly answerMs: number;
  /** Of `answerMs`: the client's serialisation and signing, before the request left. */
  readonly clientMs: number;
  /** The answer to `LastUpdateStatus: Successful` (or `State: Active` for a create). */
  readonly waiterMs: number;
  readonly polls: number;
  /** Successful/Active to the first answer of the new code. */
  readonly firstInvokeMs: number;
  /** Invokes that answered with the old code after the wait (expected 0). */
  readonly oldAnswers: number;
}

interface Side {
  readonly key: string;
  readonly label: string;
  readonly bytes: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A client whose middleware notes when each request is handed to the HTTP handler. */
function benchClient(endpoint: string): { client: LambdaClient; sentAt: () => number } {
  const client = new LambdaClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }, maxAttempts: 1 });
  let sent = NaN;
  client.middlewareStack.add((next) => async (args) => {
    sent = performance.now();
    return next(args);
  }, { step: 'deserialize', priority: 'low', name: 'laminaBenchSentAt' });
  return { client, sentAt: () => sent };
}

/** What one deployment's first invoke must answer, and the time it took. */
async function deployedAnswer(client: LambdaClient, name: string, tag: string, started: number): Promise<{ at: number; old: number }> {
  let old = 0;
  for (;;) {
    const out = await client.send(new InvokeCommand({ FunctionName: name, Payload: Buffer.from('{}') }));
    const text = Buffer.from(out.Payload ?? new Uint8Array()).toString();
    if (out.FunctionError === undefined && text === JSON.stringify({ code: tag })) return { at: performance.now(), old };
    old += 1;
    if (performance.now() - started > DEADLINE_MS) throw new Error(`${name}: no answer from the new code (${tag}) after ${DEADLINE_MS} ms; last: ${out.FunctionError ?? ''} ${text.slice(0, 200)}`);
  }
}

async function settled(client: LambdaClient, name: string, create: boolean, started: number): Promise<{ at: number; polls: number }> {
  for (let polls = 1; ; polls += 1) {
    const config = await client.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
    const status = create ? config.State : config.LastUpdateStatus;
    if (status === (create ? 'Active' : 'Successful')) return { at: performance.now(), polls };
    if (status === 'Failed') throw new Error(`${name}: ${config.StateReason ?? config.LastUpdateStatusReason ?? 'failed'}`);
    if (performance.now() - started > DEADLINE_MS) throw new Error(`${name}: still ${String(status)} after ${DEADLINE_MS} ms`);
    await sleep(POLL_MS);
  }
}

/**
 * One deployment measured: `send` starts it (an UpdateFunctionCode or a CreateFunction), then the
 * wait and the invokes until `tag` answers.
 */
async function measure(client: LambdaClient, sentAt: () => number, name: string, tag: string, create: boolean, send: () => Promise<unknown>): Promise<UpdateSample> {
  const started = performance.now();
  await send();
  const answered = performance.now();
  const sent = sentAt();
  const wait = await settled(client, name, create, started);
  const first = await deployedAnswer(client, name, tag, started);
  return { totalMs: first.at - started, answerMs: answered - started, clientMs: sent - started, waiterMs: wait.at - answered, polls: wait.polls, firstInvokeMs: first.at - wait.at, oldAnswers: first.old };
}

/** The medians of a side's samples, one figure per split. */
export function medians(samples: readonly UpdateSample[]): UpdateSample {
  const of = (pick: (s: UpdateSample) => number): number => median(samples.map(pick));
  return { totalMs: of((s) => s.totalMs), answerMs: of((s) => s.answerMs), clientMs: of((s) => s.clientMs), waiterMs: of((s) => s.waiterMs), polls: of((s) => s.polls), firstInvokeMs: of((s) => s.firstInvokeMs), oldAnswers: samples.reduce((n, s) => n + s.oldAnswers, 0) };
}

/**
 * The scenario over given package sizes (the tests use small ones; `lamina bench update-code`
 * uses 1 MB and 50 MB).
 *
 * @example const scenario = updateCodeScenarioOf([{ key: 'update-64kb', label: '64 KB', bytes: 65_536 }]);
 */
export function updateCodeScenarioOf(sizes: readonly Side[]): Scenario {
  return {
    name: 'update-code',
    title: 'UpdateFunctionCode to the first invoke of the new code, 1 MB and 50 MB zips',
    async run(context: ScenarioContext): Promise<ScenarioResult> {
      const { options, workspace } = context;
      const rounds = options.rounds;
      const perRound = sized(options, 3, 1);
      const sides: Side[] = [BASELINE, TINY, ...sizes];
      const built = performance.now();
      // Two variants per size: each update switches to the other, so the new code's answer differs from the old one's.
      const zips = new Map<string, Buffer[]>();
      for (const side of sides) zips.set(side.key, await sizedZips(side.bytes, [`${side.key}-a`, `${side.key}-b`]));
      const buildMs = performance.now() - built;
      const template = workspace.template([{ name: 'UpdateCodeSeed', runtime: 'floor-loop', memoryMb: 128 }], 'update-code.yaml');
      // Under the workspace (not /tmp): with limits on, environments have a private /tmp.
      const stateDir = join(template, '..', 'update-code-state');
      mkdirSync(stateDir, { recursive: true });
      const lamina = await startLaminaServe(template, ['--state-dir', stateDir]);
      const { client, sentAt } = benchClient(lamina.url);
      const samples = new Map<string, UpdateSample[]>(sides.map((side) => [side.key, []]));
      const variant = new Map<string, number>();
      const functionOf = (side: Side): string => `UpdateCode-${side.key}`;
      const zipFor = (side: Side, which: number): { zip: Buffer; tag: string } => ({ zip: zips.get(side.key)?.[which % 2] ?? Buffer.alloc(0), tag: `${side.key}-${which % 2 === 0 ? 'a' : 'b'}` });
      const createInput = (name: string, zip: Buffer): ConstructorParameters<typeof CreateFunctionCommand>[0] => ({ FunctionName: name, Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, MemorySize: MEMORY_MB, Timeout: 30, Code: { ZipFile: zip } });
      let created = 0;
      try {
        // The updated functions exist first, with their variant a, invoked once (not measured).
        for (const side of sides.filter((s) => s !== BASELINE)) {
          const { zip, tag } = zipFor(side, 0);
          await measure(client, sentAt, functionOf(side), tag, true, () => client.send(new CreateFunctionCommand(createInput(functionOf(side), zip))));
          variant.set(side.key, 0);
        }
        const bar = context.progress(rounds * sides.length * perRound);
        for (const order of alternation(sides, rounds)) {
          for (const side of order) {
            for (let i = 0; i < perRound; i += 1) {
              let sample: UpdateSample;
              if (side === BASELINE) {
                const name = `UpdateCodeBase${(created += 1)}`;
                const { zip, tag } = zipFor(side, 0);
                sample = await measure(client, sentAt, name, tag, true, () => client.send(new CreateFunctionCommand(createInput(name, zip))));
                await client.send(new DeleteFunctionCommand({ FunctionName: name }));
              } else {
                const next = (variant.get(side.key) ?? 0) + 1;
                variant.set(side.key, next);
                const { zip, tag } = zipFor(side, next);
                sample = await measure(client, sentAt, functionOf(side), tag, false, () => client.send(new UpdateFunctionCodeCommand({ FunctionName: functionOf(side), ZipFile: zip })));
              }
              samples.get(side.key)?.push(sample);
              bar.tick(side.key);
            }
          }
        }
        bar.done();
      } finally {
        client.destroy();
        await lamina.stop();
      }
      const base = samples.get(BASELINE.key) ?? [];
      const totals = (key: string): number[] => (samples.get(key) ?? []).map((s) => s.totalMs);
      const ms = (v: number): string => fmt(v, 0);
      const targets: Target[] = sides.filter((s) => s !== BASELINE).map((side) => {
        const r = ratioOf(totals(side.key), totals(BASELINE.key));
        return { what: `${side.label} to the first new answer / ${BASELINE.label} to its first answer`, ratio: r.value, goal: 'recorded (the issue sets no bound)', range: r };
      });
      return {
        scenario: 'update-code',
        title: this.title,
        command: context.command,
        tables: [{
          title: `Deployment to the first answer of the new code (ms, medians of ${rounds} rounds x ${perRound}; range of the totals)`,
          columns: ['what', 'zip bytes', 'to first new answer', 'range', '/ baseline', 'UpdateFunctionCode answer', 'of which client encode+sign', 'wait to Successful', 'first invoke (cold)', 'old answers'],
          rows: sides.map((side) => {
            const all = samples.get(side.key) ?? [];
            const m = medians(all);
            const t = totals(side.key);
            const r = ratioOf(t, base.map((s) => s.totalMs));
            return [side.label, zipFor(side, 0).zip.length, ms(m.totalMs), `${ms(Math.min(...t))}-${ms(Math.max(...t))}`, `${fmt(r.value, 2)}x (${fmt(r.low, 2)}-${fmt(r.high, 2)})`, ms(m.answerMs), ms(m.clientMs), ms(m.waiterMs), ms(m.firstInvokeMs), m.oldAnswers];
          }),
          notes: [
            `nodejs20.x, ${MEMORY_MB} MB, one lamina serve (${lamina.limits}); @aws-sdk/client-lambda, one request at a time; GetFunctionConfiguration polled every ${POLL_MS} ms; sides alternated in rounds.`,
            `Zips: index.mjs (deflated) + assets/filler.bin (random bytes, stored), built once in ${fmt(buildMs / 1000, 1)} s; each update switches between two variants whose handlers answer different tags.`,
            'For the baseline row, "UpdateFunctionCode answer" is the CreateFunction answer and the wait is until State Active.',
          ],
        }],
        targets,
        charts: [],
        skipped: [],
        raw: { buildMs, samples: Object.fromEntries(samples) },
      };
    },
  };
}

export const updateCodeScenario: Scenario = updateCodeScenarioOf(UPDATE_SIZES);
