/**
 * A thousand concurrent in-flight invocations (the default account limit), each in its own
 * environment running a tiny C runtime; invocation 1001 is throttled, and every accepted
 * invocation gets exactly one answer. Skipped, with the reason printed, without a C compiler.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customRuntimeFunction, FIXTURES } from '../helpers/function-config.js';
import { startLamina, type RunningLamina } from '../helpers/lamina-server.js';

const CONCURRENCY = 1000;
const work = mkdtempSync(join(tmpdir(), 'lamina-scale-'));
const compiled = spawnSync('cc', ['-O2', '-o', join(work, 'bootstrap'), join(FIXTURES, 'runtimes', 'tiny-c', 'runtime.c')], { encoding: 'utf8' });
const noCompiler = compiled.status !== 0 ? `no working C compiler (cc): ${(compiled.stderr || String(compiled.error)).split('\n')[0]}` : undefined;
if (noCompiler !== undefined) console.warn(`skipping the 1000-environment test: ${noCompiler}`);

describe.skipIf(noCompiler !== undefined)(`${CONCURRENCY} concurrent invocations`, () => {
  let lamina: RunningLamina;
  const release = join(work, 'release');
  beforeAll(async () => {
    lamina = await startLamina(
      [customRuntimeFunction('tiny', work, { timeout: 120, environment: { RELEASE_FILE: release } })],
      { accountConcurrency: CONCURRENCY, logOutput: (t) => { if (!t.includes('START') && !t.includes('END') && !t.includes('\tDuration')) process.stderr.write(t); } },
    );
  });
  afterAll(async () => {
    await lamina?.stop();
  });

  it('holds 1000 in flight, throttles the 1001st, and answers every accepted one exactly once', async () => {
    const pool = new Pool(lamina.url, { connections: CONCURRENCY + 10, pipelining: 1 });
    const invoke = async (i: number) => {
      const answer = await pool.request({ method: 'POST', path: '/2015-03-31/functions/tiny/invocations', body: JSON.stringify({ i }), headersTimeout: 120_000, bodyTimeout: 120_000 });
      return { status: answer.statusCode, body: await answer.body.text(), error: answer.headers['x-amzn-errortype'] };
    };
    const inFlight = Array.from({ length: CONCURRENCY }, (_, i) => invoke(i));
    const fn = lamina.platform.pool('tiny')!.fn;
    await expect.poll(() => lamina.platform.admission.inFlight(fn), { timeout: 60_000, interval: 100 }).toBe(CONCURRENCY);
    const extra = await invoke(CONCURRENCY);
    expect(extra.status).toBe(429);
    expect(extra.error).toBe('TooManyRequestsException');
    expect(JSON.parse(extra.body)).toMatchObject({ Reason: 'ConcurrentInvocationLimitExceeded' });
    // every environment has started and holds its invocation
    await expect.poll(() => lamina.platform.pool('tiny')!.size, { timeout: 60_000, interval: 100 }).toBe(CONCURRENCY);
    writeFileSync(release, 'go');
    const answers = await Promise.all(inFlight);
    expect(answers.filter((a) => a.status !== 200)).toEqual([]);
    expect(new Set(answers.map((a) => a.body)).size).toBe(CONCURRENCY);
    expect(answers.map((a) => JSON.parse(a.body).i).sort((x: number, y: number) => x - y)).toEqual(Array.from({ length: CONCURRENCY }, (_, i) => i));
    expect(lamina.platform.admission.inFlight(fn)).toBe(0);
    expect(existsSync(release)).toBe(true);
    await pool.close();
  }, 180_000);
});
