/**
 * Kernel limits per environment (docs/limits.md): memory (OOM kill and recovery), processes,
 * open files, and Max Memory Used from the cgroup. Skipped, with the reason printed, where this
 * machine gives no writable cgroup hierarchy.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectCgroups } from '../../src/sandbox/cgroups.js';
import type { InvokeOutcome } from '../../src/platform/invoke-types.js';
import { Platform } from '../../src/platform/platform.js';
import { OPEN_FILES_PER_ENVIRONMENT } from '../../src/platform/sandbox-factory.js';
import { STANDBY_SUPPORTED } from '../../src/sandbox/process-sandbox.js';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { bootstrapFunction } from '../helpers/function-config.js';
import { invokeRequest } from '../helpers/invoke-request.js';

const cgroups = detectCgroups();
if (cgroups.version === undefined) console.warn(`skipping cgroup limit tests: ${cgroups.summary}`);

function text(outcome: InvokeOutcome): string {
  const result = outcome.result;
  if (result.kind === 'response') return result.payload.toString();
  if (result.kind === 'function-error') return result.error.payload.toString();
  throw new Error('stream');
}

describe.skipIf(cgroups.version === undefined)('per-environment cgroups', () => {
  let platform: Platform;
  beforeAll(() => {
    platform = new Platform({
      functions: [bootstrapFunction('small', { memorySize: 128, timeout: 20 }), bootstrapFunction('big', { memorySize: 1769, timeout: 20 })],
      shutdownGraceMs: 100,
      limits: { cgroups, maxOpenFiles: OPEN_FILES_PER_ENVIRONMENT },
    });
  });
  afterAll(() => platform.stop());

  it('kills an environment that goes over MemorySize with Runtime.OutOfMemory, then recovers', async () => {
    const outcome = await platform.invoke(invokeRequest('small', { allocMb: 400 }));
    expect(outcome.result.kind).toBe('function-error');
    expect(JSON.parse(text(outcome))).toEqual({
      errorType: 'Runtime.OutOfMemory',
      errorMessage: `RequestId: ${outcome.requestId} Error: Runtime exited with error: signal: killed`,
    });
    expect(outcome.logs()).toContain('Error Type: Runtime.OutOfMemory');
    const next = await platform.invoke(invokeRequest('small', { echo: 'alive' }));
    expect(text(next)).toBe('"alive"');
    expect(next.logs()).toContain('Init Duration');
  });

  it('reports Max Memory Used from the cgroup peak', async () => {
    const outcome = await platform.invoke(invokeRequest('big', { allocMb: 200 }));
    expect(text(outcome)).toBe('200');
    const used = Number(/Max Memory Used: (\d+) MB/.exec(outcome.logs())?.[1]);
    expect(used).toBeGreaterThanOrEqual(200);
    expect(used).toBeLessThan(1769);
  });

  it('stops a fork loop at the pids limit', async () => {
    const outcome = await platform.invoke(invokeRequest('big', { forkBomb: 2000 }));
    const { spawned, error } = JSON.parse(text(outcome)) as { spawned: number; error: string };
    expect(error).not.toBe('');
    expect(spawned).toBeLessThan(1024);
    expect(spawned).toBeGreaterThan(100);
  });

  it('limits open files to 1024', async () => {
    const outcome = await platform.invoke(invokeRequest('big', { openFiles: 5000 }));
    const { opened, error } = JSON.parse(text(outcome)) as { opened: number; error: string };
    expect(error).toBe('EMFILE');
    expect(opened).toBeLessThan(1024);
    expect(opened).toBeGreaterThan(900);
  });

  it('starts cold environments from a standby that already joined its cgroups, and from scratch when the standby died', async () => {
    let before = new Set<number>();
    if (!STANDBY_SUPPORTED) return void console.warn('[limits] standby check skipped: no native launcher (npm run build without a C compiler)');
    const own = new Platform({ functions: [bootstrapFunction('standby', { memorySize: 256, timeout: 20 })], shutdownGraceMs: 100, limits: { cgroups, maxOpenFiles: OPEN_FILES_PER_ENVIRONMENT } });
    try {
      before = new Set(standbys());
      await expect.poll(() => standbys().filter((pid) => !before.has(pid)).length, { timeout: 5000 }).toBe(1);
      const [held] = standbys().filter((pid) => !before.has(pid));
      const first = await own.invoke(invokeRequest('standby', { env: true }));
      const seen = JSON.parse(text(first)) as { env: Record<string, string> };
      expect(seen.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE).toBe('256');
      expect(seen.env.AWS_LAMBDA_RUNTIME_API).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(first.logs()).toContain('Init Duration');
      expect(standbys()).not.toContain(held); // it became the runtime
      // The next standby is killed before it is used: the next cold start spawns from scratch.
      await expect.poll(() => standbys().filter((pid) => !before.has(pid)).length, { timeout: 5000 }).toBe(1);
      for (const pid of standbys().filter((p) => !before.has(p))) process.kill(pid, 'SIGKILL');
      const [a, b] = await Promise.all([
        own.invoke(invokeRequest('standby', { sleepMs: 300, echo: 'a' })),
        own.invoke(invokeRequest('standby', { sleepMs: 300, echo: 'b' })),
      ]);
      expect([text(a), text(b)]).toEqual(['"a"', '"b"']);
    } finally {
      await own.stop();
    }
    expect(standbys().filter((pid) => !before.has(pid))).toEqual([]); // stop() removes the standby
  });

  it('keeps LAMINA_STANDBYS standbys per function version, prepared at start, and all gone at stop', async () => {
    if (!STANDBY_SUPPORTED) return;
    const before = new Set(standbys());
    process.env.LAMINA_STANDBYS = '3';
    const own = new Platform({ functions: [bootstrapFunction('prepared', { memorySize: 128, timeout: 20 })], shutdownGraceMs: 100, limits: { cgroups, maxOpenFiles: OPEN_FILES_PER_ENVIRONMENT } });
    delete process.env.LAMINA_STANDBYS;
    try {
      await expect.poll(() => standbys().filter((pid) => !before.has(pid)).length, { timeout: 10_000 }).toBe(3);
      // Two at once take two of them: both start from a standby, one is left until they answer.
      const [a, b] = await Promise.all([own.invoke(invokeRequest('prepared', { echo: 'a' })), own.invoke(invokeRequest('prepared', { echo: 'b' }))]);
      expect([text(a), text(b)]).toEqual(['"a"', '"b"']);
      await expect.poll(() => standbys().filter((pid) => !before.has(pid)).length, { timeout: 10_000 }).toBe(3);
    } finally {
      await own.stop();
    }
    expect(standbys().filter((pid) => !before.has(pid))).toEqual([]);
  });
});

/**
 * This process's own standbys only (children, or grandchildren through the spawner): other
 * platforms on the machine (other test runs) have theirs. Launchers the platform spawned itself
 * show --env-from-stdin; those the spawner runs without an exec (src/sandbox/native/spawner.c)
 * keep its command line, and are the spawner's children.
 */
function standbys(): number[] {
  return [
    ...spawnSync('pgrep', ['-f', '^[^ ]*lamina-sandbox --env-from-stdin'], { encoding: 'utf8' }).stdout.split('\n'),
    ...spawnSync('pgrep', ['-x', 'lamina-sandbox'], { encoding: 'utf8' }).stdout.split('\n').filter((pid) => pid !== '' && spawnedBySpawner(Number(pid))),
  ]
    .filter(Boolean)
    .map(Number)
    .filter(descendsFromUs);
}

/** Is `pid` a child of a spawner (`lamina-sandbox --spawner`), rather than the spawner itself? */
function spawnedBySpawner(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    return readFileSync(`/proc/${parent}/cmdline`, 'utf8').split('\0').includes('--spawner');
  } catch {
    return false; // gone meanwhile
  }
}

/** Is `pid` below this process (its parent, or its parent's parent)? */
function descendsFromUs(pid: number): boolean {
  const parentOf = (child: number): number => {
    try {
      const stat = readFileSync(`/proc/${child}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    } catch {
      return 0;
    }
  };
  const parent = parentOf(pid);
  return parent === process.pid || parentOf(parent) === process.pid;
}

describe('open files without cgroups', () => {
  it('applies the 1024 limit through the launcher alone', async () => {
    const platform = new Platform({ functions: [bootstrapFunction('echo')], shutdownGraceMs: 100, limits: { cgroups: undefined, maxOpenFiles: 1024 } });
    try {
      const outcome = await platform.invoke(invokeRequest('echo', { openFiles: 5000 }));
      expect((JSON.parse(text(outcome)) as { error: string }).error).toBe('EMFILE');
    } finally {
      await platform.stop();
    }
  });
});
