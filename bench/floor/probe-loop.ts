/**
 * The floor's runtime loop (./runtime-loop.ts) plus one stdout line per invocation, written the
 * moment the event arrives, for the SQS mapping benchmark (bench/scenarios/sqs-mapping.ts):
 *
 *   PROBE <wall-clock ms, µs precision> <key> <records>
 *
 * `key` is the `k` member of the event (a synchronous invoke) or of its first record's body (an SQS
 * batch), `records` the batch's size (0 for a synchronous invoke). The answer is the event's own
 * bytes, as the floor loop answers: a no-op function for the mapping (the batch is deleted).
 * The loop repeats the floor loop's rather than importing it: each file is copied alone into a
 * function's code directory (an isolated function sees nothing else), and the floor's own loop
 * stays free of the probe's work.
 */
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';

const api = process.env.AWS_LAMBDA_RUNTIME_API ?? '';
const colon = api.lastIndexOf(':');
const host = api.slice(0, colon);
const port = Number(api.slice(colon + 1));
const agent = new Agent({ keepAlive: true, maxSockets: 1 });
const base = '/2018-06-01/runtime/invocation';

/** The probe key and the batch size of an event (`-` when it carries none). */
function describe(body: Buffer): string {
  try {
    const event = JSON.parse(body.toString()) as { k?: unknown; Records?: Array<{ body?: string }> };
    if (Array.isArray(event.Records)) {
      const first = JSON.parse(event.Records[0]?.body ?? '{}') as { k?: unknown };
      return `${String(first.k ?? '-')} ${event.Records.length}`;
    }
    return `${String(event.k ?? '-')} 0`;
  } catch {
    return '- 0';
  }
}

function next(): void {
  request({ host, port, agent, path: `${base}/next` }, (res) => {
    const id = res.headers['lambda-runtime-aws-request-id'];
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => {
      // The handler's start: when the whole event is here (what a handler could first look at).
      const at = performance.timeOrigin + performance.now();
      const body = Buffer.concat(chunks);
      process.stdout.write(`PROBE ${at.toFixed(3)} ${describe(body)}\n`);
      request({ host, port, agent, method: 'POST', path: `${base}/${String(id)}/response`, headers: { 'Content-Length': body.length } }, (answer) => {
        answer.resume();
        answer.on('end', next);
      }).end(body);
    });
  }).end();
}

process.on('SIGTERM', () => process.exit(0));
next();
