/**
 * sqs: an SQS event source mapping against synchronous invokes of the same no-op function, in one
 * `lamina serve` (issue 15, docs/event-sources.md). The function is the floor's runtime loop with
 * one stdout line per invocation saying when the event reached it (bench/floor/probe-loop.ts); the
 * template gives it a queue of the embedded SQS server and an `Events: SQS` mapping at BatchSize 10
 * and the default batching window (0). Each round runs in a fresh `lamina serve` on one state
 * directory:
 *   backlog: a first `lamina serve` of a template without the mapping fills the queue with M
 *     messages and stops; the measured one starts with the mapping, which drains them: messages/s =
 *     (M - the first batch) / (first to last batch's handler start), no sender in the way;
 * then, in the same serve, sides alternate:
 *   A (synchronous): C closed-loop RequestResponse callers for T seconds (invokes/s), then N
 *     sequential invokes, each timed from the call to the handler's start (and round trip);
 *   B (SQS): C closed-loop senders of SendMessageBatch (10 messages) for T seconds, then the wait
 *     until every message reached the function: messages/s = messages / (first send to the last
 *     batch's handler start), and batches (invokes)/s; then N sequential SendMessage calls, each timed
 *     from the call to its handler's start.
 * Ratios per round, median and range: backlog messages/s and B messages/s over A invokes/s, B
 * invokes/s over A invokes/s, and the SendMessage-to-handler latency over the synchronous
 * call-to-handler latency (the added latency in ms beside it). Recorded, not asserted: the issue
 * sets no goal.
 */
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { GetQueueUrlCommand } from '@aws-sdk/client-sqs';
import { callerPool, LOST_AFTER_MS } from '../harness/invoke-client.js';
import { closedLoop, type Throughput } from '../harness/load.js';
import { startLaminaServe, type LaminaServe } from '../harness/lamina-process.js';
import { ProbeLog, wallNow } from '../harness/probe-log.js';
import { freePort } from '../peers/peer-process.js';
import { batchSender, benchSqsClient, drainRate, fillQueue, Keys, PROBE_FUNCTION, PROBE_QUEUE, sqsLatency, syncLatency, writeProbeTemplate } from '../harness/sqs-load.js';
import { fmt, type Cell, type ScenarioResult, type Target } from '../harness/result.js';
import { alternation, median, quantile, ratioOf } from '../harness/stats.js';
import { syncCall } from './async.js';
import type { Scenario, ScenarioContext } from './scenario.js';

interface Round {
  readonly round: number;
  readonly syncPerSecond: number;
  /** The backlog of M messages drained by the mapping alone. */
  readonly backlogPerSecond: number;
  readonly backlogBatches: number;
  /** B: messages through while C senders send, and the mapping's invokes. */
  readonly messagesPerSecond: number;
  readonly batchesPerSecond: number;
  readonly sendPerSecond: number;
  readonly meanBatch: number;
  /** ms from the end of the sending window to the last batch's handler start. */
  readonly tailMs: number;
  /** p50 ms: synchronous call to handler start, its round trip, SendMessage call to handler start. */
  readonly syncToHandler: number;
  readonly syncRoundTrip: number;
  readonly sqsToHandler: number;
  readonly sqsToHandlerP90: number;
  readonly errors: string;
}

const spanOf = (values: readonly number[], digits: number): string => `${fmt(Math.min(...values), digits)}-${fmt(Math.max(...values), digits)}`;
const ratioCell = (r: { value: number; low: number; high: number }, bold = false): string => `${bold ? '**' : ''}${fmt(r.value, 2)}${bold ? '**' : ''} (${fmt(r.low, 2)}-${fmt(r.high, 2)})`;

interface Settings {
  readonly callers: number;
  readonly windowMs: number;
  readonly samples: number;
  readonly backlog: number;
  readonly sqsPort: number;
  readonly stateDir: string;
  readonly fillTemplate: string;
  readonly template: string;
}

/** A serve without the mapping fills the queue with `backlog` messages, then stops (they stay, on disk). */
async function fill(settings: Settings, keys: Keys): Promise<void> {
  const filler = await startLaminaServe(settings.fillTemplate, ['--sqs-port', String(settings.sqsPort), '--state-dir', settings.stateDir]);
  const sqs = benchSqsClient(settings.sqsPort);
  try {
    const QueueUrl = (await sqs.send(new GetQueueUrlCommand({ QueueName: PROBE_QUEUE }))).QueueUrl ?? '';
    await fillQueue(batchSender(sqs, QueueUrl, keys).call, settings.backlog, settings.callers);
  } finally {
    sqs.destroy();
    await filler.stop();
  }
}

/** One round: the backlog drained, then the synchronous and SQS sides in the order given. */
async function measureRound(settings: Settings, round: number, order: ReadonlyArray<'sync' | 'sqs'>, keys: Keys, problems: string[]): Promise<{ round: Round; lamina: LaminaServe }> {
  await fill(settings, keys);
  const lamina = await startLaminaServe(settings.template, ['--sqs-port', String(settings.sqsPort), '--state-dir', settings.stateDir], { logs: true });
  // Batches may reach the function before the serve says it is ready: its banner holds them.
  const probes = new ProbeLog(() => lamina.banner + lamina.logs());
  const sqs = benchSqsClient(settings.sqsPort);
  const pool = callerPool(lamina.url, settings.callers, LOST_AFTER_MS);
  try {
    const backlog = drainRate(await probes.waitForRecords(0, settings.backlog, 120_000));
    const QueueUrl = (await sqs.send(new GetQueueUrlCommand({ QueueName: PROBE_QUEUE }))).QueueUrl ?? '';
    const sync = syncCall(pool, PROBE_FUNCTION, JSON.stringify({ k: 'load' }));
    const sender = batchSender(sqs, QueueUrl, keys);
    // Warm-up, unrecorded: environments for the synchronous callers, the SDK's sockets.
    await closedLoop(sync, settings.callers, Math.min(1000, settings.windowMs));
    let a: Throughput | undefined;
    let b: { throughput: Throughput; messages: number; lines: number; firstSendAt: number; lastStartAt: number; windowEndAt: number } | undefined;
    let syncLat: { toHandler: number[]; roundTrip: number[] } | undefined;
    let sqsLat: number[] = [];
    for (const side of order) {
      if (side === 'sync') {
        a = await closedLoop(sync, settings.callers, settings.windowMs);
        syncLat = await syncLatency(pool, PROBE_FUNCTION, probes, settings.samples, keys);
        continue;
      }
      const mark = probes.mark();
      sender.reset();
      const firstSendAt = wallNow();
      const throughput = await closedLoop(sender.call, settings.callers, settings.windowMs);
      const windowEndAt = wallNow();
      const lines = await probes.waitForRecords(mark, sender.sent(), Math.max(60_000, settings.windowMs * 20));
      b = { throughput, messages: sender.sent(), lines: lines.length, firstSendAt, lastStartAt: Math.max(...lines.map((l) => l.at)), windowEndAt };
      sqsLat = await sqsLatency(sqs, QueueUrl, probes, settings.samples, keys);
    }
    if (a === undefined || b === undefined || syncLat === undefined) throw new Error('a side did not run');
    const errors = `${a.errors} / ${b.throughput.errors}`;
    if (a.errors + b.throughput.errors > 0) problems.push(`round ${round}: failed calls (A / B) ${errors}: ${a.firstError ?? b.throughput.firstError ?? ''}`);
    const spanS = (b.lastStartAt - b.firstSendAt) / 1000;
    return {
      lamina,
      round: {
        round,
        syncPerSecond: a.perSecond,
        backlogPerSecond: backlog.perSecond,
        backlogBatches: backlog.batches,
        messagesPerSecond: b.messages / spanS,
        batchesPerSecond: b.lines / spanS,
        sendPerSecond: (b.messages / (b.windowEndAt - b.firstSendAt)) * 1000,
        meanBatch: b.messages / b.lines,
        tailMs: b.lastStartAt - b.windowEndAt,
        syncToHandler: median(syncLat.toHandler),
        syncRoundTrip: median(syncLat.roundTrip),
        sqsToHandler: median(sqsLat),
        sqsToHandlerP90: quantile(sqsLat, 0.9),
        errors,
      },
    };
  } finally {
    await pool.close();
    sqs.destroy();
    await lamina.stop();
  }
}

export const sqsMappingScenario: Scenario = {
  name: 'sqs',
  title: 'SQS event source mapping: messages/s through a no-op function at batch size 10, and SendMessage-to-handler latency, against synchronous invokes',
  async run(context: ScenarioContext): Promise<ScenarioResult> {
    const { options, workspace } = context;
    const settings: Settings = {
      callers: options.callers?.[0] ?? (options.quick ? 2 : 8),
      windowMs: (options.seconds ?? (options.quick ? 0.5 : 5)) * 1000,
      samples: options.quick ? 10 : 100,
      backlog: options.quick ? 200 : 5000,
      sqsPort: await freePort(),
      stateDir: mkdtempSync(join(workspace.dir, 'sqs-state-')),
      fillTemplate: writeProbeTemplate(workspace.dir, false),
      template: writeProbeTemplate(workspace.dir, true),
    };
    const keys = new Keys();
    const rounds: Round[] = [];
    const problems: string[] = [];
    let limits = '';
    const bar = context.progress(options.rounds);
    for (const [index, order] of alternation(['sync', 'sqs'] as const, options.rounds).entries()) {
      const measured = await measureRound(settings, index + 1, order, keys, problems);
      rounds.push(measured.round);
      limits = measured.lamina.limits;
      bar.tick(`round ${index + 1}`);
    }
    bar.done();

    const { callers, windowMs, samples, backlog } = settings;
    const pick = (f: (r: Round) => number): number[] => rounds.map(f);
    const drained = ratioOf(pick((r) => r.backlogPerSecond), pick((r) => r.syncPerSecond));
    const messages = ratioOf(pick((r) => r.messagesPerSecond), pick((r) => r.syncPerSecond));
    const batches = ratioOf(pick((r) => r.batchesPerSecond), pick((r) => r.syncPerSecond));
    const latency = ratioOf(pick((r) => r.sqsToHandler), pick((r) => r.syncToHandler));
    const added = pick((r) => r.sqsToHandler - r.syncToHandler);
    const targets: Target[] = [
      { what: `SQS mapping messages/s draining a backlog of ${backlog} (batch size 10) / synchronous invokes/s (${callers} callers), same no-op function`, ratio: drained.value, goal: 'none set', range: drained },
      { what: `SQS mapping messages/s while ${callers} senders send / synchronous invokes/s`, ratio: messages.value, goal: 'none set', range: messages },
      { what: 'SQS mapping invokes (batches)/s while senders send / synchronous invokes/s', ratio: batches.value, goal: 'none set', range: batches },
      { what: 'SendMessage-to-handler-start p50 / synchronous call-to-handler-start p50 (default batching window)', ratio: latency.value, goal: 'none set', range: latency },
    ];
    const medianSpan = (values: number[], digits: number): string => `${fmt(median(values), digits)} (${spanOf(values, digits)})`;
    return {
      scenario: 'sqs',
      title: this.title,
      command: context.command,
      tables: [
        {
          title: `SQS mapping against synchronous invokes (backlog ${backlog} messages, ${windowMs / 1000} s of load per side, ${samples} sequential latency samples per side, ${options.rounds} round(s), alternating; median (range of rounds))`,
          columns: ['callers / senders', 'A: sync invokes/s', 'backlog drained: msgs/s', 'backlog / A', 'B: msgs/s while sending', 'B / A', 'B invokes/s / A', 'A: call to handler / round trip p50 (ms)', 'B: SendMessage to handler p50 (ms)', 'B / A latency', 'added latency (ms)'],
          rows: [[
            callers, medianSpan(pick((r) => r.syncPerSecond), 0), medianSpan(pick((r) => r.backlogPerSecond), 0), ratioCell(drained, true),
            medianSpan(pick((r) => r.messagesPerSecond), 0), ratioCell(messages), ratioCell(batches),
            `${fmt(median(pick((r) => r.syncToHandler)), 2)} / ${fmt(median(pick((r) => r.syncRoundTrip)), 2)}`,
            medianSpan(pick((r) => r.sqsToHandler), 2), ratioCell(latency, true), medianSpan(added, 2),
          ]],
          notes: [
            `lamina serve limits: ${limits}. One no-op function (the floor runtime loop printing one line per invocation, echoing its event; 1769 MB), the embedded SQS server of the same lamina serve (state on disk in the bench workspace), BatchSize 10, MaximumBatchingWindowInSeconds 0. Senders: @aws-sdk/client-sqs over HTTP; callers: undici keep-alive.`,
            'Each round is a fresh lamina serve: a first serve without the mapping fills the queue and stops; the measured serve drains that backlog (from the first batch\'s handler start to the last\'s), then runs both sides. Handler start: when the whole event reached the runtime (wall clock, µs, same machine).',
            'B msgs/s counts from the first SendMessageBatch of the window to the handler start of the batch holding the last message: it is bounded by the senders (its send rate is in the per-round table); the backlog figure is the mapping alone.',
            ...problems,
          ],
        },
        {
          title: 'Per round',
          columns: ['round', 'A: invokes/s', 'backlog: msgs/s', 'backlog batches', 'B: sent msgs/s', 'B: msgs/s through', 'B: invokes/s', 'B mean batch', 'B last batch after the window (ms)', 'A call->handler p50', 'A round trip p50', 'B send->handler p50', 'B send->handler p90', 'failed calls A / B'],
          rows: rounds.map((r) => [r.round, fmt(r.syncPerSecond, 0), fmt(r.backlogPerSecond, 0), r.backlogBatches, fmt(r.sendPerSecond, 0), fmt(r.messagesPerSecond, 0), fmt(r.batchesPerSecond, 0), fmt(r.meanBatch, 1), fmt(r.tailMs, 0), fmt(r.syncToHandler, 2), fmt(r.syncRoundTrip, 2), fmt(r.sqsToHandler, 2), fmt(r.sqsToHandlerP90, 2), r.errors]),
        },
      ],
      targets,
      charts: [],
      skipped: [],
      raw: { ...settings, limits, rounds },
    };
  },
};
