/** SIGTERM and onShutdown hooks, against the fake Runtime API. */
import { describe, expect, it } from 'vitest';
import { useRicHarness, FakeRuntimeApi, handlersDir, spawnRic } from './harness.js';

const track = useRicHarness();

async function warmThenTerm(handler: string) {
  const api = await FakeRuntimeApi.start();
  const ric = spawnRic({ api, taskRoot: `${handlersDir}/shutdown`, handler });
  track({ api, ric });
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
