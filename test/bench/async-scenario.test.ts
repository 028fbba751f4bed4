/**
 * The async scenario on a small sample (`--quick`: 2 callers, 0.5 s per side, one round): the
 * synchronous and Event sides measured in the same lamina serve, the 0.8x target as a finite
 * ratio, and no accepted event lost. No timing is checked. And its pieces: the Event side
 * refusing answers that are not a fresh 202, the CLI's --callers and --seconds, the file system
 * line.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { describe, expect, it } from 'vitest';
import { parseBenchArgs } from '../../bench/cli.js';
import { fileSystemOf } from '../../bench/harness/event-queue-watch.js';
import { runScenarios } from '../../bench/harness/runner.js';
import { asyncScenario, eventCall, syncCall } from '../../bench/scenarios/async.js';
import type { BenchOptions } from '../../bench/scenarios/scenario.js';

const quick: BenchOptions = { quick: true, rounds: 1, accountConcurrency: 100, maxEnvironments: 2, peers: false };
const silent = { isTTY: false, write: () => undefined };

describe('async scenario', () => {
  it('refuses an Event answer that is not a 202 with a new request id, and a synchronous one that is not the echo', async () => {
    let answer: { status: number; body: string; id?: string } = { status: 202, body: '', id: 'a' };
    const server = createServer((_req, res) => {
      res.writeHead(answer.status, answer.id === undefined ? {} : { 'x-amzn-RequestId': answer.id }).end(answer.body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const pool = new Pool(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    try {
      const ids = new Set<string>();
      const call = eventCall(pool, 'Noop', '{}', ids);
      await call();
      expect([...ids]).toEqual(['a']);
      await expect(call()).rejects.toThrow(/request id already given: a/);
      answer = { status: 202, body: '' };
      await expect(call()).rejects.toThrow(/without an x-amzn-RequestId/);
      answer = { status: 200, body: '{}', id: 'b' };
      await expect(call()).rejects.toThrow(/Event answered 200/);
      answer = { status: 429, body: '{"Type":"User"}', id: 'c' };
      await expect(call()).rejects.toThrow(/Event answered 429/);
      expect([...ids]).toEqual(['a']);
      answer = { status: 200, body: '{"other":1}' };
      await expect(syncCall(pool, 'Noop', '{}')()).rejects.toThrow(/RequestResponse answered 200: \{"other":1\}/);
    } finally {
      await pool.close();
      server.close();
    }
  });

  it('takes --callers as a list and --seconds as a positive number, and puts them in the command', () => {
    const parsed = parseBenchArgs(['async', '--callers', '2,8,64', '--seconds', '1.5']);
    expect(parsed.options.callers).toEqual([2, 8, 64]);
    expect(parsed.options.seconds).toBe(1.5);
    expect(parsed.flags).toEqual(['--callers', '2,8,64', '--seconds', '1.5']);
    expect(parseBenchArgs(['async']).options.callers).toBeUndefined();
    expect(() => parseBenchArgs(['async', '--callers', '8,0'])).toThrow(/--callers wants a whole number/);
    expect(() => parseBenchArgs(['async', '--callers', '8,,2'])).toThrow(/--callers wants a whole number/);
    expect(() => parseBenchArgs(['async', '--seconds=-1'])).toThrow(/--seconds wants a number/);
    expect(() => parseBenchArgs(['async', '--seconds', 'soon'])).toThrow(/--seconds wants a number/);
    expect(() => parseBenchArgs(['async', '--seconds', '0'])).toThrow(/--seconds wants a number/);
  });

  it('names the file system a path is on', () => {
    expect(fileSystemOf('/proc/self')).toMatch(/^proc on proc \(mounted at \/proc\)$/);
    expect(fileSystemOf('/')).toMatch(/^\S+ on \S+ \(mounted at \/\)$/);
  });

  it('measures synchronous and Event invokes in the same serve on a small sample, and loses no event', async () => {
    const outcome = await runScenarios({ scenarios: [asyncScenario], options: quick, outDir: undefined, commandFor: () => 'npm run bench -- async --quick', progressSink: silent });
    expect(outcome.failures.map((f) => f.error.message)).toEqual([]);
    const result = outcome.results[0];
    const [summary, perRound, audit] = result?.tables ?? [];
    expect(summary?.rows.map((r) => r[0])).toEqual([2]);
    for (const row of summary?.rows ?? []) expect(row.join(' ')).not.toContain('NaN');
    expect(summary?.notes?.[0]).toMatch(/^State directory \/.+: \S+ on /);
    expect(perRound?.rows.map((r) => r.slice(0, 2))).toEqual([[2, 1]]);
    expect(perRound?.rows[0]?.at(-1)).toBe('0 / 0');
    // Every 202 received, started once, run to success; nothing left or failed.
    const [accepted, received, attempts, succeeded, pending, failed, dropped, lost, cross] = audit?.rows[0] ?? [];
    expect(accepted).toBeGreaterThan(0);
    expect([received, attempts, succeeded]).toEqual([accepted, accepted, accepted]);
    expect([pending, failed, dropped, lost]).toEqual([0, 0, 0, 0]);
    expect(cross).toBe(`${String(accepted)} / 0 / 0`);
    expect(result?.targets.map((t) => t.goal)).toEqual(['>= 0.8', '>= 1']);
    expect(result?.targets.every((t) => Number.isFinite(t.ratio) && t.ratio > 0)).toBe(true);
    expect(result?.targets[1]?.ratio).toBe(1);
  }, 120_000);
});
