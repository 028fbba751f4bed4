/**
 * Hostile functions (issue 10, docs/isolation.md): a forker whose processes try to outlive its
 * timed-out environment, and a /tmp filler that tries to turn disk into memory or to fill the
 * host's disk. Each attack must fail, and the platform and a victim must keep working. Root with
 * the native launcher only.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import {
  attackerFunction, expectVictimAnswers, hostilePlatform, hostileSkipReason, hostPidsWithArgument, invokeRequest, report, text,
} from '../helpers/hostile.js';

const skip = hostileSkipReason();

interface Fill {
  status: number | null;
  stderr: string;
  writtenKb: number;
  dfSizeKb: number;
  dfAvailKb: number;
}

const MB = 1024;

/** The forker's processes carry this argument, which no other process on the host has. */
const FORK_MARKER = `hostile-fork-${randomUUID()}`;

describe.skipIf(skip !== undefined)('hostile functions: processes and /tmp', () => {
  const world = hostilePlatform((dir) => [
    attackerFunction('forker', dir, { memorySize: 128, timeout: 1, environment: { HOSTILE_FORK_MARKER: FORK_MARKER } }),
    attackerFunction('filler', dir, { memorySize: 128, timeout: 60 }),
    attackerFunction('filler-512', dir, { memorySize: 1024, timeout: 60, ephemeralStorageMb: 512 }),
  ]);

  it('leaves none of a timed-out forker\'s processes behind, setsid and double forks included', async () => {
    const { platform } = world;
    await expectVictimAnswers(platform, 1, 1);
    let peak = 0;
    let returned = false;
    // 200 forked at init, 100 more during the invoke (as many as its CPU allows before the timeout).
    const invoking = platform.invoke(invokeRequest('forker', { attack: 'fork', marker: FORK_MARKER, count: 100 })).finally(() => { returned = true; });
    while (!returned) {
      peak = Math.max(peak, hostPidsWithArgument(FORK_MARKER).length);
      await sleep(20);
    }
    const outcome = await invoking;
    const end = performance.now();
    expect(outcome.result.kind).toBe('function-error');
    expect(JSON.parse(text(outcome))).toMatchObject({ errorType: 'Sandbox.Timedout' });
    // Poll for up to 2 s; `goneMs` bounds (from above) how long the processes outlived the answer.
    let left = hostPidsWithArgument(FORK_MARKER);
    const leftAtAnswer = left.length;
    let goneMs = 0;
    while (left.length > 0 && performance.now() - end < 2000) {
      await sleep(5);
      goneMs = performance.now() - end;
      left = hostPidsWithArgument(FORK_MARKER);
    }
    console.log(`[hostile] forker: ${peak} of its processes seen on the host at most; ${leftAtAnswer} left when the invoke returned, none ${goneMs.toFixed(1)} ms later`);
    expect(left).toEqual([]);
    // The attack did run: the forker and its 200 init children were all there (a double fork's
    // grandchild stands for its exited parent).
    expect(peak).toBeGreaterThanOrEqual(201);
    await expectVictimAnswers(platform, 5, 1);
    // The forker itself starts afresh.
    const again = await platform.invoke(invokeRequest('forker', { attack: 'nothing' }));
    expect(JSON.parse(text(again))).toEqual({ error: 'no attack nothing' });
  }, 90_000); // two inits of 200 forks each on 128 MB's sliver of a CPU: 17-18 s alone, over 30 s in a loaded full run

  it('keeps /tmp on disk: 400 MB in /tmp of a 128 MB function is no OOM and no memory used', async () => {
    const { platform } = world;
    const outcome = await platform.invoke(invokeRequest('filler', { attack: 'fill', mb: 400, clean: true }));
    const fill = report<Fill>(outcome);
    expect(fill, fill.stderr).toMatchObject({ status: 0, writtenKb: 400 * MB });
    const used = Number(/Max Memory Used: (\d+) MB/.exec(outcome.logs())?.[1]);
    console.log(`[hostile] filler: 400 MB written to /tmp, Max Memory Used ${used} MB of 128`);
    expect(used).toBeGreaterThan(0);
    expect(used).toBeLessThan(100); // the runtime's own memory; the page cache of /tmp is not counted
    await expectVictimAnswers(platform, 3, 1);
  });

  it('stops a /tmp filler at EphemeralStorage with ENOSPC, and its environment stays healthy', async () => {
    const { platform } = world;
    const full = report<Fill>(await platform.invoke(invokeRequest('filler-512', { attack: 'fill', mb: 600 })));
    console.log(`[hostile] filler-512: dd exit ${full.status}, ${Math.round(full.writtenKb / MB)} MB written, df /tmp ${Math.round(full.dfSizeKb / MB)} MB`);
    expect(full.status).not.toBe(0);
    expect(full.stderr).toContain('No space left on device');
    expect(full.writtenKb).toBeLessThan(600 * MB);
    expect(full.dfSizeKb).toBeGreaterThan(480 * MB); // `df /tmp` shows about the 512 MB asked
    expect(full.dfSizeKb).toBeLessThan(560 * MB);
    expect(full.dfAvailKb).toBeLessThan(MB);
    const next = await platform.invoke(invokeRequest('filler-512', { attack: 'fill', mb: 10, clean: true }));
    expect(next.logs()).not.toContain('Init Duration'); // the same environment, still working
    expect(report<Fill>(next)).toMatchObject({ status: 0, writtenKb: 10 * MB });
    await expectVictimAnswers(platform, 3, 1);
  });
});
