/**
 * sqs: an SQS event source mapping against synchronous invokes of the same no-op function, in one
 * `lamina serve` (issue 15, docs/event-sources.md). The function is the floor's runtime loop with
 * one stdout line per invocation saying when the event reached it (bench/floor/probe-loop.ts); the
 * template gives it a queue of the embedded SQS server and an `Events: SQS` mapping at BatchSize 10
 * and the default batching window (0). Sides alternate in rounds:
 *   A (synchronous): C closed-loop RequestResponse callers for T seconds (invokes/s), then N
 *     sequential invokes, each timed from the call to the handler's start (and round trip);
 *   B (SQS): C closed-loop senders of SendMessageBatch (10 messages) for T seconds, then the wait
 *     until every message reached the function: messages/s = messages / (first send to the last
 *     batch's handler start), and batches (invokes)/s; then N sequential SendMessage calls, each timed
 *     from the call to its handler's start.
 * Ratios per round, median and range: B messages/s over A invokes/s, B invokes/s over A invokes/s,
 * and the SendMessage-to-handler latency over the synchronous call-to-handler latency (the added
 * latency in ms beside it). Recorded, not asserted: the issue sets no goal.
 */
import { createServer } from 'node:net';
import { mkdirSync, writeFileSync, chmodSync, cpSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { GetQueueUrlCommand, SendMessageBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { callerPool, invoke, LOST_AFTER_MS } from '../harness/invoke-client.js';
import { closedLoop, type Throughput } from '../harness/load.js';
import { startLaminaServe } from '../harness/lamina-process.js';
import { ProbeLog, wallNow } from '../harness/probe-log.js';
import { fmt, type Cell, type ScenarioResult, type Target } from '../harness/result.js';
import { alternation, median, quantile, ratioOf } from '../harness/stats.js';
import { ROOT } from '../lib/processes.js';
import { syncCall } from './async.js';
import type { Scenario, ScenarioContext } from './scenario.js';

const FUNCTION = 'Noop';
const QUEUE = 'bench-jobs';
const PROBE_LOOP = join(ROOT, 'dist', 'bench', 'floor', 'probe-loop.js');

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === 'object' && address !== null ? address.port : 0;
}

/** The probe function and its queue, in the workspace (an isolated function sees only its own code). */
function writeTemplate(dir: string): string {
  const code = join(dir, 'sqs-probe');
  mkdirSync(code, { recursive: true });
  cpSync(PROBE_LOOP, join(code, 'probe-loop.mjs'));
  writeFileSync(join(code, 'bootstrap'), `#!/bin/sh\nexec ${process.execPath} "$(dirname "$0")/probe-loop.mjs"\n`);
  chmodSync(join(code, 'bootstrap'), 0o755);
  const template = join(dir, 'sqs.yaml');
  writeFileSync(template, `Transform: AWS::Serverless-2016-10-31
Resources:
  ${FUNCTION}:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: provided.al2023
      Handler: unused
      CodeUri: ${JSON.stringify(code)}
      MemorySize: 1769
      Timeout: 30
      Events:
        Jobs:
          Type: SQS
          Properties: { Queue: !GetAtt Jobs.Arn, BatchSize: 10 }
  Jobs:
    Type: AWS::SQS::Queue
    Properties: { QueueName: ${QUEUE}, VisibilityTimeout: 120 }
`);
  return template;
}

interface Round {
  readonly round: number;
  readonly syncPerSecond: number;
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

export const sqsMappingScenario: Scenario = {
  name: 'sqs',
  title: 'SQS event source mapping: messages/s through a no-op function at batch size 10, and SendMessage-to-handler latency, against synchronous invokes',
  async run(context: ScenarioContext): Promise<ScenarioResult> {
    const { options, workspace } = context;
    const callers = options.callers?.[0] ?? (options.quick ? 2 : 8);
    const windowMs = (options.seconds ?? (options.quick ? 0.5 : 5)) * 1000;
    const samples = options.quick ? 10 : 100;
    const sqsPort = await freePort();
    const lamina = await startLaminaServe(writeTemplate(workspace.dir), ['--sqs-port', String(sqsPort)], { logs: true });
    const probes = new ProbeLog(() => lamina.logs());
    const sqs = new SQSClient({ endpoint: `http://127.0.0.1:${sqsPort}`, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
    const pool = callerPool(lamina.url, callers, LOST_AFTER_MS);
    const rounds: Round[] = [];
    const problems: string[] = [];
    const bar = context.progress(options.rounds);
    let key = 0;
    const nextKey = (side: string): string => `${side}${(key += 1)}`;
    try {
      const QueueUrl = (await sqs.send(new GetQueueUrlCommand({ QueueName: QUEUE }))).QueueUrl ?? '';
      const payload = JSON.stringify({ k: 'load' });
      const sync = syncCall(pool, FUNCTION, payload);
      let sent = 0;
      const sendBatch = async (): Promise<void> => {
        const Entries = Array.from({ length: 10 }, (_, i) => ({ Id: String(i), MessageBody: JSON.stringify({ k: nextKey('m') }) }));
        const out = await sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries }));
        if ((out.Failed ?? []).length > 0) throw new Error(`SendMessageBatch failed: ${JSON.stringify(out.Failed?.[0])}`);
        sent += 10;
      };
      // Warm-up, unrecorded: environments for both sides, the SDK's sockets, the pollers' first polls.
      await closedLoop(sync, callers, Math.min(1000, windowMs));
      const warm = probes.mark();
      sent = 0;
      await closedLoop(sendBatch, callers, Math.min(1000, windowMs));
      await probes.waitForRecords(warm, sent, 60_000);
      for (const [index, order] of alternation(['sync', 'sqs'] as const, options.rounds).entries()) {
        let a: Throughput | undefined;
        let b: { throughput: Throughput; messages: number; lines: number; firstSendAt: number; lastStartAt: number; windowEndAt: number } | undefined;
        const syncLatency: number[] = [];
        const syncRoundTrip: number[] = [];
        const sqsLatency: number[] = [];
        for (const side of order) {
          if (side === 'sync') {
            a = await closedLoop(sync, callers, windowMs);
            for (let i = 0; i < samples; i++) {
              const k = nextKey('s');
              const body = JSON.stringify({ k });
              const t0 = wallNow();
              const answer = await invoke(pool, FUNCTION, body);
              const t1 = wallNow();
              if (answer.status !== 200) throw new Error(`RequestResponse answered ${answer.status}`);
              syncRoundTrip.push(t1 - t0);
              syncLatency.push((await probes.waitFor(k)).at - t0);
            }
            continue;
          }
          const mark = probes.mark();
          sent = 0;
          const firstSendAt = wallNow();
          const throughput = await closedLoop(sendBatch, callers, windowMs);
          const windowEndAt = wallNow();
          const lines = await probes.waitForRecords(mark, sent, Math.max(60_000, windowMs * 20));
          b = { throughput, messages: sent, lines: lines.length, firstSendAt, lastStartAt: Math.max(...lines.map((l) => l.at)), windowEndAt };
          for (let i = 0; i < samples; i++) {
            const k = nextKey('q');
            const t0 = wallNow();
            await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: JSON.stringify({ k }) }));
            sqsLatency.push((await probes.waitFor(k)).at - t0);
          }
        }
        if (a === undefined || b === undefined) throw new Error('a side did not run');
        const errors = `${a.errors} / ${b.throughput.errors}`;
        if (a.errors + b.throughput.errors > 0) problems.push(`round ${index + 1}: failed calls (A / B) ${errors}: ${a.firstError ?? b.throughput.firstError ?? ''}`);
        const spanS = (b.lastStartAt - b.firstSendAt) / 1000;
        rounds.push({
          round: index + 1,
          syncPerSecond: a.perSecond,
          messagesPerSecond: b.messages / spanS,
          batchesPerSecond: b.lines / spanS,
          sendPerSecond: (b.messages / (b.windowEndAt - b.firstSendAt)) * 1000,
          meanBatch: b.messages / b.lines,
          tailMs: b.lastStartAt - b.windowEndAt,
          syncToHandler: median(syncLatency),
          syncRoundTrip: median(syncRoundTrip),
          sqsToHandler: median(sqsLatency),
          sqsToHandlerP90: quantile(sqsLatency, 0.9),
          errors,
        });
        bar.tick(`round ${index + 1}`);
      }
      bar.done();
    } finally {
      await pool.close();
      sqs.destroy();
      await lamina.stop();
    }

    const pick = (f: (r: Round) => number): number[] => rounds.map(f);
    const messages = ratioOf(pick((r) => r.messagesPerSecond), pick((r) => r.syncPerSecond));
    const batches = ratioOf(pick((r) => r.batchesPerSecond), pick((r) => r.syncPerSecond));
    const latency = ratioOf(pick((r) => r.sqsToHandler), pick((r) => r.syncToHandler));
    const added = pick((r) => r.sqsToHandler - r.syncToHandler);
    const targets: Target[] = [
      { what: `SQS mapping messages/s (batch size 10, ${callers} senders) / synchronous invokes/s (${callers} callers), same no-op function`, ratio: messages.value, goal: 'none set', range: messages },
      { what: 'SQS mapping invokes (batches)/s / synchronous invokes/s', ratio: batches.value, goal: 'none set', range: batches },
      { what: 'SendMessage-to-handler-start p50 / synchronous call-to-handler-start p50 (default batching window)', ratio: latency.value, goal: 'none set', range: latency },
    ];
    const summary: Cell[][] = [[
      callers,
      `${fmt(median(pick((r) => r.syncPerSecond)), 0)} (${spanOf(pick((r) => r.syncPerSecond), 0)})`,
      `${fmt(median(pick((r) => r.messagesPerSecond)), 0)} (${spanOf(pick((r) => r.messagesPerSecond), 0)})`,
      `**${fmt(messages.value, 2)}** (${fmt(messages.low, 2)}-${fmt(messages.high, 2)})`,
      `${fmt(batches.value, 2)} (${fmt(batches.low, 2)}-${fmt(batches.high, 2)})`,
      `${fmt(median(pick((r) => r.syncToHandler)), 2)} / ${fmt(median(pick((r) => r.syncRoundTrip)), 2)}`,
      `${fmt(median(pick((r) => r.sqsToHandler)), 2)} (${spanOf(pick((r) => r.sqsToHandler), 2)})`,
      `**${fmt(latency.value, 2)}** (${fmt(latency.low, 2)}-${fmt(latency.high, 2)})`,
      `${fmt(median(added), 2)} (${spanOf(added, 2)})`,
    ]];
    return {
      scenario: 'sqs',
      title: this.title,
      command: context.command,
      tables: [
        {
          title: `SQS mapping against synchronous invokes (${windowMs / 1000} s of load per side per round, ${samples} sequential latency samples per side per round, ${options.rounds} round(s), alternating; median (range of rounds))`,
          columns: ['callers / senders', 'A: sync invokes/s', 'B: SQS messages/s', 'B msgs/s / A (range)', 'B invokes/s / A (range)', 'A: call to handler / round trip p50 (ms)', 'B: SendMessage to handler p50 (ms)', 'B / A latency (range)', 'added latency (ms)'],
          rows: summary,
          notes: [
            `lamina serve limits: ${lamina.limits}. One no-op function (the floor runtime loop printing one line per invocation, echoing its event; 1769 MB), the embedded SQS server of the same lamina serve, BatchSize 10, MaximumBatchingWindowInSeconds 0. Senders: @aws-sdk/client-sqs over HTTP; callers: undici keep-alive.`,
            'Handler start: when the whole event reached the runtime (wall clock, µs, same machine). B messages/s counts from the first SendMessageBatch of the window to the handler start of the batch holding the last message, so it is bounded by the senders as much as by the mapping: compare B\'s send rate below.',
            ...problems,
          ],
        },
        {
          title: 'Per round',
          columns: ['round', 'A: invokes/s', 'B: sent msgs/s', 'B: msgs/s through', 'B: invokes/s', 'mean batch', 'last batch after the window (ms)', 'A call->handler p50', 'A round trip p50', 'B send->handler p50', 'B send->handler p90', 'failed calls A / B'],
          rows: rounds.map((r) => [r.round, fmt(r.syncPerSecond, 0), fmt(r.sendPerSecond, 0), fmt(r.messagesPerSecond, 0), fmt(r.batchesPerSecond, 0), fmt(r.meanBatch, 1), fmt(r.tailMs, 0), fmt(r.syncToHandler, 2), fmt(r.syncRoundTrip, 2), fmt(r.sqsToHandler, 2), fmt(r.sqsToHandlerP90, 2), r.errors]),
        },
      ],
      targets,
      charts: [],
      skipped: [],
      raw: { callers, windowMs, samples, limits: lamina.limits, rounds },
    };
  },
};
