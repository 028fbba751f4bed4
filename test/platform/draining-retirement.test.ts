/**
 * The platform follows the registry's changes (docs/control-plane.md): a replaced `$LATEST`, a
 * deleted version and a deleted function drain their environments: the invocation in flight ends
 * with the code and configuration it started with, idle environments exit at once, busy ones once
 * they are free, and the next invoke runs what the registry holds now. Real runtime processes.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Platform } from '../../src/platform/platform.js';
import type { InvokeOutcome } from '../../src/platform/invoke-types.js';
import { withLatest } from '../../src/registry/function-entry.js';
import { createFunction, deleteFunction, publishVersion, updateLatest } from '../../src/registry/latest-changes.js';
import { customRuntimeFunction } from '../helpers/function-config.js';
import { alive } from '../helpers/hostile.js';
import { invokeRequest } from '../helpers/invoke-request.js';
import { code, value } from '../registry/registry-fixture.js';

/**
 * A runtime that answers which code it is, its STAGE variable and its pid, after `sleepMs`; with
 * `mark` it also appends that to a file (how an `Event` invoke is seen to have run).
 */
function runtimeSource(tag: string): string {
  return `#!/usr/bin/env node
const http = require('node:http');
const [host, port] = process.env.AWS_LAMBDA_RUNTIME_API.split(':');
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const base = '/2018-06-01/runtime';
function request(method, path, body) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host, port, agent, method, path }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}
(async () => {
  for (;;) {
    const next = await request('GET', base + '/invocation/next');
    const id = next.headers['lambda-runtime-aws-request-id'];
    const event = JSON.parse(next.body.toString() || '{}');
    if (event.sleepMs) await new Promise((r) => setTimeout(r, event.sleepMs));
    if (event.mark) require('node:fs').appendFileSync(event.mark, JSON.stringify({ code: ${JSON.stringify(tag)}, stage: process.env.STAGE }) + '\\n');
    await request('POST', base + '/invocation/' + id + '/response', JSON.stringify({ code: ${JSON.stringify(tag)}, stage: process.env.STAGE, pid: process.pid }));
  }
})();
`;
}

const root = mkdtempSync(join(tmpdir(), 'lamina-drain-'));
function codeDir(tag: string): string {
  const dir = mkdtempSync(join(root, `${tag}-`));
  writeFileSync(join(dir, 'bootstrap'), runtimeSource(tag));
  chmodSync(join(dir, 'bootstrap'), 0o755);
  return dir;
}
const CODE_A = codeDir('a');
const CODE_B = codeDir('b');

/** The patch of an UpdateFunctionCode plus UpdateFunctionConfiguration to `tag`'s code and STAGE. */
function toCode(tag: 'a' | 'b'): Parameters<typeof updateLatest>[2] {
  const dir = tag === 'a' ? CODE_A : CODE_B;
  return {
    code: { identity: code(`sha-${tag}`), codeDir: dir },
    config: { environment: { STAGE: tag }, launch: { kind: 'bootstrap', command: join(dir, 'bootstrap'), args: [] } },
  };
}

let platform: Platform | undefined;
afterEach(async () => {
  await platform?.stop();
  platform = undefined;
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface Answer {
  readonly code: string;
  readonly stage: string;
  readonly pid: number;
}

function answerOf(outcome: InvokeOutcome): Answer {
  if (outcome.result.kind !== 'response') throw new Error(`expected a response, got ${JSON.stringify(outcome.result)}`);
  return JSON.parse(outcome.result.payload.toString()) as Answer;
}

/** Waits (polling) until the process is gone; the test's own timeout is the limit. */
async function exited(pid: number): Promise<void> {
  while (alive(pid)) await new Promise((resolve) => setTimeout(resolve, 10));
}

/**
 * Waits (polling) until no retired pool is draining. The kernel reaps a process before the
 * platform hears of it (its exit event and closed pipes come later), so `exited(pid)` alone
 * does not mean the pool has settled (CI saw that race once).
 */
async function drained(p: Platform): Promise<void> {
  while (p.drainingPools.length > 0) await new Promise((resolve) => setTimeout(resolve, 10));
}

function start(tag: 'a' | 'b' = 'a'): Platform {
  const dir = tag === 'a' ? CODE_A : CODE_B;
  platform = new Platform({ functions: [customRuntimeFunction('fn', dir, { environment: { STAGE: tag }, timeout: 10 })] });
  return platform;
}

async function invoke(p: Platform, event: unknown, qualifier?: string): Promise<Answer> {
  return answerOf(await p.invoke(invokeRequest('fn', event, { qualifier, tailLogs: false })));
}

describe('draining retirement of replaced and deleted versions', () => {
  it('lets an invocation in flight finish on the old code while $LATEST is updated; the next one runs the new code', async () => {
    const p = start('a');
    // Two environments, both idle afterwards.
    const [first, second] = await Promise.all([invoke(p, { sleepMs: 300 }), invoke(p, { sleepMs: 300 })]);
    expect(first?.pid).not.toBe(second?.pid);
    const oldPool = p.pool('fn');
    expect(oldPool?.idleCount).toBe(2);
    const long = invoke(p, { sleepMs: 1500 });
    value(await updateLatest(p.registry, 'fn', toCode('b')));
    expect(oldPool?.draining).toBe(true);
    // The idle one exits now; the busy one is still running its invocation.
    const pids = [first?.pid ?? 0, second?.pid ?? 0];
    await Promise.race(pids.map((pid) => exited(pid)));
    expect(pids.filter(alive)).toHaveLength(1);
    const next = await invoke(p, {});
    expect(next.code).toBe('b');
    expect(next.stage).toBe('b');
    expect(pids).not.toContain(next.pid);
    const old = await long;
    expect([old.code, old.stage]).toEqual(['a', 'a']);
    expect(pids).toContain(old.pid);
    await exited(old.pid);
    await drained(p);
    expect(p.drainingPools).toEqual([]);
    expect(p.pool('fn')).not.toBe(oldPool);
    expect(alive(next.pid)).toBe(true);
  });

  it('never reuses a pool made from a record the version no longer has, even one put in place without a change event', async () => {
    const p = start('a');
    const before = await invoke(p, {});
    const entry = p.registry.entry('fn');
    if (entry === undefined) throw new Error('no entry');
    // `load` (start-up loading) announces nothing: only the RevisionId check can notice.
    const patch = toCode('b');
    const config = { ...entry.latest.config, ...patch.config, codeDir: CODE_B };
    p.registry.load('fn', withLatest(entry, { config, code: code('sha-b') }, new Date()));
    const seen = await invoke(p, {});
    expect([seen.code, seen.stage]).toEqual(['b', 'b']);
    await exited(before.pid);
  });

  it('lets an invocation of a version finish when the version is deleted; the version is then gone', async () => {
    const p = start('a');
    value(await publishVersion(p.registry, 'fn'));
    value(await updateLatest(p.registry, 'fn', toCode('b')));
    const warm = await invoke(p, {}, '1');
    expect(warm.code).toBe('a');
    const inFlight = invoke(p, { sleepMs: 800 }, '1');
    value(await deleteFunction(p.registry, 'fn', '1'));
    const finished = await inFlight;
    expect([finished.code, finished.pid]).toEqual(['a', warm.pid]);
    await exited(warm.pid);
    await expect(invoke(p, {}, '1')).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    expect((await invoke(p, {})).code).toBe('b');
    await drained(p);
    expect(p.drainingPools).toEqual([]);
  });

  it('drains every pool of a deleted function; a function created later runs on first use', async () => {
    const p = start('a');
    value(await publishVersion(p.registry, 'fn'));
    const latest = await invoke(p, {});
    const one = await invoke(p, {}, '1');
    const inFlight = invoke(p, { sleepMs: 800 });
    value(await deleteFunction(p.registry, 'fn'));
    await exited(one.pid);
    expect((await inFlight).pid).toBe(latest.pid);
    await exited(latest.pid);
    await expect(invoke(p, {})).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    value(await createFunction(p.registry, customRuntimeFunction('fn', CODE_B, { environment: { STAGE: 'b' } }), code('sha-b')));
    const again = await invoke(p, {});
    expect([again.code, again.stage]).toEqual(['b', 'b']);
    // Version 1 of the new function is not the old one's.
    await expect(invoke(p, {}, '1')).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('gives a function that did not exist at start its environments on first use', async () => {
    const p = start('a');
    value(await createFunction(p.registry, customRuntimeFunction('later', CODE_B, { environment: { STAGE: 'b' } }), code('sha-later')));
    const outcome = answerOf(await p.invoke(invokeRequest('later', {}, { tailLogs: false })));
    expect([outcome.code, outcome.stage]).toEqual(['b', 'b']);
    expect(p.functions.map((fn) => fn.name)).toEqual(['fn', 'later']);
  });

  it('hostile: updates in a tight loop while invoking fail no invocation, never mix code and configuration, and leak no process', async () => {
    const p = start('a');
    const pids = new Set<number>();
    const answers: Answer[] = [];
    let updating = true;
    const invoker = async (): Promise<void> => {
      while (updating) {
        const answer = await invoke(p, { sleepMs: 5 });
        answers.push(answer);
        pids.add(answer.pid);
      }
    };
    const invokers = [invoker(), invoker(), invoker()];
    for (let i = 0; i < 40; i += 1) {
      value(await updateLatest(p.registry, 'fn', toCode(i % 2 === 0 ? 'b' : 'a')));
      // Let some invocations in between, but not always.
      if (i % 3 === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    updating = false;
    await Promise.all(invokers);
    expect(answers.length).toBeGreaterThan(0);
    expect(answers.filter((a) => a.code !== a.stage)).toEqual([]);
    // The last update set 'a': what runs now is that.
    const last = await invoke(p, {});
    expect([last.code, last.stage]).toEqual(['a', 'a']);
    pids.add(last.pid);
    await drained(p);
    const live = [...pids].filter(alive);
    expect(live.length).toBeLessThanOrEqual(p.pool('fn')?.size ?? 0);
    await p.stop();
    for (const pid of pids) await exited(pid);
  });

  it('runs queued Event invokes on whatever $LATEST is when their attempt starts, through updates', async () => {
    const p = start('a');
    const marks = join(root, 'marks.jsonl');
    rmSync(marks, { force: true });
    const events = 12;
    for (let i = 0; i < events; i += 1) {
      await p.accept(invokeRequest('fn', { mark: marks, sleepMs: 20 }, { invocationType: 'Event' }));
      value(await updateLatest(p.registry, 'fn', toCode(i % 2 === 0 ? 'b' : 'a')));
    }
    const lines = (): string[] => (existsSync(marks) ? readFileSync(marks, 'utf8').trim().split('\n') : []);
    while (lines().length < events) await new Promise((resolve) => setTimeout(resolve, 20));
    const ran = lines().map((line) => JSON.parse(line) as { code: string; stage: string });
    expect(ran).toHaveLength(events);
    expect(ran.filter((r) => r.code !== r.stage)).toEqual([]);
  });
});
