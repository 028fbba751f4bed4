/**
 * A runtime's own cold start with no platform: spawn to the arrival of its first
 * `GET /runtime/invocation/next` at a Runtime API stub (bench/lib/runtime-api-stub.ts).
 */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import type { ColdStub } from './runtime-api-stub.js';

export interface Spawnable {
  readonly label: string;
  readonly command: string;
  readonly args: readonly string[];
}

/**
 * Spawn one runtime and return milliseconds from spawn to its first GET /next; it is killed then.
 *
 * @example const ms = await coldStart(stub, { label: 'c', command: '/tmp/bootstrap', args: [] }, env);
 */
export async function coldStart(stub: ColdStub, variant: Spawnable, env: Record<string, string>): Promise<number> {
  const arrival = stub.nextArrival();
  const t0 = performance.now();
  const child = spawn(variant.command, [...variant.args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const early = exited.then(() => {
    throw new Error(`${variant.label} exited before its first GET /next: ${stderr.trim()}`);
  });
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${variant.label}: no GET /next within 10 s`)), 10_000).unref());
  try {
    const t1 = await Promise.race([arrival, early, timeout]);
    return t1 - t0;
  } finally {
    child.kill('SIGKILL');
    await exited;
    early.catch(() => undefined);
  }
}

