/**
 * The durable event queue survives SIGKILL (issue 14's crash test): `Event` invokes are sent to the
 * real `lamina serve` while it is killed with SIGKILL at random moments and started again on the
 * same state directory. Every event that was answered 202 must have run at least once; duplicates
 * (an attempt cut off by the kill runs again) are counted and printed, none may be missing.
 * 1,000 events locally; 200 in CI (`CI` set) to keep CI short.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { FIXTURES } from '../helpers/function-config.js';
import { LAMINA_BIN, startServe, type ServeProcess } from '../helpers/serve-process.js';

const TOTAL = process.env.CI === undefined ? 1000 : 200;
const KILLS = 3;
const CALLERS = 16;

const dir = mkdtempSync(join(tmpdir(), 'lamina-crash-'));
const ran = join(dir, 'ran.log');
let serve: ServeProcess | undefined;

afterAll(async () => {
  await serve?.stop();
  rmSync(dir, { recursive: true, force: true });
});

writeFileSync(
  join(dir, 'template.yaml'),
  `Transform: AWS::Serverless-2016-10-31
Resources:
  Counted:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: provided.al2023
      Handler: unused
      CodeUri: ${join(FIXTURES, 'runtimes', 'recorder')}
      ReservedConcurrentExecutions: 8
      Environment:
        Variables:
          RECORDER_FILE: ${ran}
`,
);

async function startLamina(): Promise<string> {
  const started = await startServe(['--template', 'template.yaml', '--port', '0', '--state-dir', join(dir, 'state'), '--no-limits', '--quiet'], dir, /Event invokes are queued durably/);
  serve = started.serve;
  return /on (http:\/\/\S+)\n/.exec(serve.output())?.[1] ?? '';
}

/** Send events `from` .. `to - 1` with CALLERS callers; returns the request ids answered 202 (by event number). */
async function send(endpoint: string, from: number, to: number, accepted: Map<number, string>, stopAt?: number): Promise<number> {
  let next = from;
  const caller = async (): Promise<void> => {
    while (next < to) {
      if (stopAt !== undefined && Date.now() >= stopAt) return;
      const n = next++;
      try {
        const res = await fetch(`${endpoint}/2015-03-31/functions/Counted/invocations`, { method: 'POST', headers: { 'X-Amz-Invocation-Type': 'Event' }, body: JSON.stringify({ n }) });
        if (res.status === 202) accepted.set(n, res.headers.get('x-amzn-requestid') ?? '');
        else next = Math.min(next, n); // refused (the server is going away): not accepted, retried later
      } catch {
        return; // the server was killed under this call: not acknowledged, so it may or may not run
      }
    }
  };
  await Promise.all(Array.from({ length: CALLERS }, caller));
  return next;
}

function runs(): Map<string, number> {
  const counts = new Map<string, number>();
  if (!existsSync(ran)) return counts;
  for (const line of readFileSync(ran, 'utf8').split('\n')) {
    const id = line.split(' ')[0];
    if (id !== undefined && id !== '') counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

describe('SIGKILL of lamina serve at random moments', () => {
  it(`loses none of ${TOTAL} accepted events`, async () => {
    const accepted = new Map<number, string>();
    let sent = 0;
    for (let k = 0; k < KILLS; k++) {
      const endpoint = await startLamina();
      // Kill somewhere in the middle of this round's sending (or of the queue's draining).
      const killAfter = 50 + Math.floor(Math.random() * 600);
      const sending = send(endpoint, sent, Math.min(TOTAL, sent + Math.ceil(TOTAL / (KILLS + 1)) * 2), accepted, Date.now() + killAfter + 200);
      await new Promise((r) => setTimeout(r, killAfter));
      serve?.child.kill('SIGKILL');
      await new Promise((r) => serve?.child.once('exit', r));
      sent = Math.max(...[sent, ...accepted.keys()].map((n) => n + 1));
      await sending;
    }
    const endpoint = await startLamina();
    // Re-send whatever was never acknowledged, then the rest.
    const missing = Array.from({ length: TOTAL }, (_, n) => n).filter((n) => !accepted.has(n));
    for (const n of missing) await send(endpoint, n, n + 1, accepted);
    expect(accepted.size).toBe(TOTAL);
    const ids = [...accepted.values()];
    await expect.poll(() => ids.filter((id) => !runs().has(id)).length, { timeout: 120_000, interval: 500 }).toBe(0);
    const counts = runs();
    const duplicates = ids.filter((id) => (counts.get(id) ?? 0) > 1).length;
    console.log(`crash test: ${TOTAL} events accepted across ${KILLS} SIGKILLs; every one ran; ${duplicates} ran more than once (attempts cut off by a kill)`);
    await expect.poll(async () => {
      const out = await promisify(execFile)(process.execPath, [LAMINA_BIN, 'events', '--state-dir', join(dir, 'state'), '--json']);
      const s = JSON.parse(out.stdout) as { functions: Array<{ queued: number; inFlight: number; retrying: number; failed: number }> };
      return s.functions.map((f) => f.queued + f.inFlight + f.retrying + f.failed);
    }, { timeout: 30_000 }).toEqual([0]);
  }, 300_000);
});
