/** SIGTERM and onShutdown hooks, against the fake Runtime API. */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildRicOnce, FakeRuntimeApi, handlersDir, spawnRic, type RicProcess } from './harness.js';

beforeAll(buildRicOnce, 120_000);

const running: Array<{ api: FakeRuntimeApi; ric: RicProcess }> = [];
afterEach(async () => {
  for (const { api, ric } of running.splice(0)) {
    if (ric.child.exitCode === null && ric.child.signalCode === null) ric.child.kill('SIGKILL');
    await ric.exited;
    await api.close();
  }
});

async function warmThenTerm(handler: string) {
  const api = await FakeRuntimeApi.start();
  const ric = spawnRic({ api, taskRoot: `${handlersDir}/shutdown`, handler });
  running.push({ api, ric });
  api.enqueue({ requestId: 'req-1' });
  expect((await api.nextPost()).body).toBe('"ok"');
  await api.waitForWaitingNext(1);
  ric.child.kill('SIGTERM');
  return { exit: await ric.exited, stdout: ric.stdout() };
}

describe('onShutdown', () => {
  it('runs the hooks on SIGTERM, then exits 0', async () => {
    const { exit, stdout } = await warmThenTerm('index.handler');
    expect(exit).toEqual({ code: 0, signal: null });
    expect(stdout).toMatch(/\tINFO\tsecond hook done\n/);
    expect(stdout).toMatch(/\tINFO\tfirst hook done\n/);
  });

  it('gives up on a hook that never settles after the time bound, and still exits 0', async () => {
    const { exit, stdout } = await warmThenTerm('stuck.handler');
    expect(exit).toEqual({ code: 0, signal: null });
    expect(stdout).toMatch(/\tWARN\tShutdown hooks did not finish within 50 ms\n/);
  });
});
