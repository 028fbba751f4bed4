/**
 * The SQS mapping benchmark's setup and load (bench/scenarios/sqs-mapping.ts): the probe function's
 * template, senders of SendMessageBatch, filling a queue, the backlog's drain rate, and the
 * sequential latency samples of both sides, each timed from the call to the handler's start as the
 * probe runtime reports it (./probe-log.ts).
 */
import { chmodSync, cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SendMessageBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Pool } from 'undici';
import { invoke } from './invoke-client.js';
import type { Call } from './load.js';
import { wallNow, type ProbeLine, type ProbeLog } from './probe-log.js';
import { ROOT } from '../lib/processes.js';

/** The probe function and its queue in the benchmark's template. */
export const PROBE_FUNCTION = 'Noop';
export const PROBE_QUEUE = 'bench-jobs';
const PROBE_LOOP = join(ROOT, 'dist', 'bench', 'floor', 'probe-loop.js');

/**
 * The probe function and its queue, in the workspace (an isolated function sees only its own code);
 * without the mapping, for the serve that fills the queue.
 */
export function writeProbeTemplate(dir: string, mapping: boolean): string {
  const code = join(dir, 'sqs-probe');
  mkdirSync(code, { recursive: true });
  cpSync(PROBE_LOOP, join(code, 'probe-loop.mjs'));
  writeFileSync(join(code, 'bootstrap'), `#!/bin/sh\nexec ${process.execPath} "$(dirname "$0")/probe-loop.mjs"\n`);
  chmodSync(join(code, 'bootstrap'), 0o755);
  const template = join(dir, mapping ? 'sqs.yaml' : 'sqs-fill.yaml');
  const events = mapping ? '\n      Events:\n        Jobs:\n          Type: SQS\n          Properties: { Queue: !GetAtt Jobs.Arn, BatchSize: 10 }' : '';
  writeFileSync(template, `Transform: AWS::Serverless-2016-10-31
Resources:
  ${PROBE_FUNCTION}:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: provided.al2023
      Handler: unused
      CodeUri: ${JSON.stringify(code)}
      MemorySize: 1769
      Timeout: 30${events}
  Jobs:
    Type: AWS::SQS::Queue
    Properties: { QueueName: ${PROBE_QUEUE}, VisibilityTimeout: 120 }
`);
  return template;
}


/** An SDK client for the embedded SQS server on 127.0.0.1:port (one try per request: a failure is counted, not hidden). */
export function benchSqsClient(port: number): SQSClient {
  return new SQSClient({ endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
}

/** Unique probe keys: `<side><n>`. */
export class Keys {
  #n = 0;
  next(side: string): string {
    this.#n += 1;
    return `${side}${this.#n}`;
  }
}

/** A Call that sends 10 messages in one SendMessageBatch, each with its own probe key; `sent` counts them. */
export function batchSender(sqs: SQSClient, QueueUrl: string, keys: Keys): { call: Call; sent: () => number; reset: () => void } {
  let sent = 0;
  const call: Call = async () => {
    const Entries = Array.from({ length: 10 }, (_, i) => ({ Id: String(i), MessageBody: JSON.stringify({ k: keys.next('m') }) }));
    const out = await sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries }));
    if ((out.Failed ?? []).length > 0) throw new Error(`SendMessageBatch failed: ${JSON.stringify(out.Failed?.[0])}`);
    sent += 10;
  };
  return { call, sent: () => sent, reset: () => { sent = 0; } };
}

/** Sends `messages` (a multiple of 10) with `senders` concurrent senders. */
export async function fillQueue(send: Call, messages: number, senders: number): Promise<void> {
  let left = Math.ceil(messages / 10);
  await Promise.all(Array.from({ length: senders }, async () => {
    while (left > 0) {
      left -= 1;
      await send();
    }
  }));
}

/**
 * Messages per second of a drained backlog: the records after the first batch over the time from
 * the first batch's handler start to the last's (the first batch's own cold start left out).
 */
export function drainRate(lines: readonly ProbeLine[]): { perSecond: number; batches: number; spanMs: number } {
  const sorted = [...lines].sort((a, b) => a.at - b.at);
  const first = sorted[0];
  const last = sorted.at(-1);
  if (first === undefined || last === undefined || last.at <= first.at) return { perSecond: Number.NaN, batches: sorted.length, spanMs: 0 };
  const records = sorted.reduce((sum, l) => sum + l.records, 0) - first.records;
  return { perSecond: (records / (last.at - first.at)) * 1000, batches: sorted.length, spanMs: last.at - first.at };
}

/** `samples` sequential synchronous invokes: ms from the call to the handler's start, and round trips. */
export async function syncLatency(pool: Pool, functionName: string, probes: ProbeLog, samples: number, keys: Keys): Promise<{ toHandler: number[]; roundTrip: number[] }> {
  const toHandler: number[] = [];
  const roundTrip: number[] = [];
  for (let i = 0; i < samples; i++) {
    const k = keys.next('s');
    const t0 = wallNow();
    const answer = await invoke(pool, functionName, JSON.stringify({ k }));
    roundTrip.push(wallNow() - t0);
    if (answer.status !== 200) throw new Error(`RequestResponse answered ${answer.status}: ${answer.body.toString().slice(0, 200)}`);
    toHandler.push((await probes.waitFor(k)).at - t0);
  }
  return { toHandler, roundTrip };
}

/** `samples` sequential SendMessage calls: ms from the call to the handler's start of the batch that carried it. */
export async function sqsLatency(sqs: SQSClient, QueueUrl: string, probes: ProbeLog, samples: number, keys: Keys): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < samples; i++) {
    const k = keys.next('q');
    const t0 = wallNow();
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: JSON.stringify({ k }) }));
    out.push((await probes.waitFor(k)).at - t0);
  }
  return out;
}
