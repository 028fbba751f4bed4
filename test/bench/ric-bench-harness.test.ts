/**
 * The RIC benchmarks' harness (bench/lib/runtime-api-stub.ts, bench/lib/ric-variants.ts) drives the
 * bundled client correctly. Functional checks only: timing figures belong in bench/RESULTS.md.
 */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { startColdStub, startWarmStub } from '../../bench/lib/runtime-api-stub.js';
import { lambdaEnv, makeTaskDir, ricVariants } from '../../bench/lib/ric-variants.js';
import { ricArtefacts } from '../../src/cli/package-command.js';

const task = makeTaskDir();
afterAll(() => rmSync(task.dir, { recursive: true, force: true }));

function run(key: string, address: string) {
  const variant = ricVariants(task.floorScript).find((v) => v.key === key);
  if (variant === undefined) throw new Error(key);
  const child = spawn(variant.command, [...variant.args], { env: lambdaEnv(address, task.dir), stdio: 'ignore' });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return { stop: async () => (child.kill('SIGKILL'), await exited) };
}

describe('RIC bench harness', () => {
  it.each(['lamina', 'launcher', 'floor'])('sees the first GET /next of %s', async (key) => {
    await ricArtefacts();
    const stub = await startColdStub();
    const runtime = run(key, stub.address);
    try {
      expect(await stub.nextArrival()).toBeGreaterThan(0);
    } finally {
      await runtime.stop();
      await stub.close();
    }
  });

  it('completes warm invokes of the bundled client without errors', async () => {
    await ricArtefacts();
    const stub = await startWarmStub();
    const runtime = run('lamina', stub.address);
    try {
      await stub.waitFor(20);
      expect(stub.completed).toBeGreaterThanOrEqual(20);
      expect(stub.errors).toBe(0);
    } finally {
      await runtime.stop();
      await stub.close();
    }
  });
});
