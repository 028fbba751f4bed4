/**
 * The open-loop generator: arrivals on a fixed schedule, never more in flight than allowed, and
 * latency from the intended send time, checked against a local server that stalls on purpose.
 * Structural checks only (who waited, for what), never timing thresholds.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { callerPool } from '../../bench/harness/invoke-client.js';
import { arrivalTimes, openLoop } from '../../bench/harness/open-loop.js';
import { trueStallPercentile } from '../../bench/harness/generator-check.js';

describe('open-loop schedule', () => {
  it('places arrivals 1000/rate ms apart from the start, computed from the index', () => {
    const times = arrivalTimes(100, 3, 2000);
    expect(times).toHaveLength(6);
    [0, 1, 2, 3, 4, 5].forEach((i) => expect(times[i]).toBeCloseTo(100 + (i * 1000) / 3, 9));
    expect(arrivalTimes(0, 10, 50)).toHaveLength(0);
  });

  it('refuses a rate, duration or in-flight of zero', async () => {
    const call = async (): Promise<void> => undefined;
    await expect(openLoop(call, { rate: 0, durationMs: 100, maxInFlight: 1 })).rejects.toThrow(/rate/);
    await expect(openLoop(call, { rate: 10, durationMs: 100, maxInFlight: 0 })).rejects.toThrow(/in-flight/);
  });

  it('sends each arrival no earlier than meant, in order, never above the in-flight limit', async () => {
    let inFlight = 0;
    let most = 0;
    let calls = 0;
    const call = async (): Promise<void> => {
      calls += 1;
      const n = calls; // this call's own number (the counter moves on while it waits)
      inFlight += 1;
      most = Math.max(most, inFlight);
      // Every fifth call is slow: the others pile up behind the limit.
      await new Promise((resolve) => setTimeout(resolve, n % 5 === 0 ? 30 : 1));
      inFlight -= 1;
      if (n === 7) throw new Error('seventh call fails');
    };
    const result = await openLoop(call, { rate: 400, durationMs: 150, maxInFlight: 3 });
    const { intended, sent, done } = result.timeline;
    expect(result.scheduled).toBe(60);
    expect(calls).toBe(60);
    expect(most).toBeLessThanOrEqual(3);
    expect(result.errors).toBe(1);
    expect(result.firstError).toBe('seventh call fails');
    expect(result.completed).toBe(59);
    expect(result.corrected.summary().count).toBe(59);
    expect(result.service.summary().count).toBe(59);
    for (let i = 0; i < result.scheduled; i += 1) {
      expect(sent[i]).toBeGreaterThanOrEqual(intended[i] as number);
      if (i > 0) expect(sent[i]).toBeGreaterThanOrEqual(sent[i - 1] as number);
      if (i > 0) expect((intended[i] as number) - (intended[i - 1] as number)).toBeCloseTo(2.5, 9);
    }
    expect(done.filter((t) => Number.isNaN(t))).toHaveLength(1);
  });
});

describe('coordinated omission', () => {
  it('counts the wait of requests that arrived while the server stalled, from their intended time', async () => {
    // The server holds every request from the 3rd one's arrival for 120 ms, then answers all.
    let seen = 0;
    let stallStart = Number.NaN;
    let release = Number.NaN;
    const held: ServerResponse[] = [];
    const answer = (res: ServerResponse): void => {
      res.writeHead(200, { 'content-length': 2 });
      res.end('ok');
    };
    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
      req.resume();
      req.on('end', () => {
        seen += 1;
        if (seen === 3) {
          stallStart = performance.now();
          setTimeout(() => {
            release = performance.now();
            for (const r of held.splice(0)) answer(r);
          }, 120);
        }
        if (Number.isFinite(stallStart) && Number.isNaN(release)) held.push(res);
        else answer(res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const pool = callerPool(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, 2);
    try {
      const call = async (): Promise<void> => {
        const r = await pool.request({ method: 'GET', path: '/' });
        await r.body.arrayBuffer();
      };
      const result = await openLoop(call, { rate: 200, durationMs: 600, maxInFlight: 2 });
      const { intended, sent, done } = result.timeline;
      expect(result.errors).toBe(0);
      expect(Number.isFinite(release)).toBe(true);
      // Arrivals meant during the stall: both connections were held, so they waited in the
      // generator and went only after the release.
      const during = [...intended.keys()].filter((i) => (intended[i] as number) > stallStart && (intended[i] as number) < release);
      expect(during.length).toBeGreaterThan(0);
      const queued = during.filter((i) => (sent[i] as number) >= release);
      expect(queued.length).toBeGreaterThan(0);
      for (const i of during) {
        // Corrected latency includes the whole wait from the intended time to the release...
        expect((done[i] as number) - (intended[i] as number)).toBeGreaterThanOrEqual(release - (intended[i] as number));
      }
      for (const i of queued) {
        // ...which the time from the actual send leaves out.
        expect((done[i] as number) - (sent[i] as number)).toBeLessThan((done[i] as number) - (intended[i] as number));
        expect((sent[i] as number) - (intended[i] as number)).toBeGreaterThanOrEqual(release - (intended[i] as number));
      }
      // The recorder holds exactly those corrected latencies (µs), not the times from the send.
      const expected = [...intended.keys()].map((i) => Math.max(1, Math.round(((done[i] as number) - (intended[i] as number)) * 1000))).sort((a, b) => a - b);
      expect([...result.corrected.samples].sort((a, b) => a - b)).toEqual(expected);
      expect(result.corrected.samples.reduce((a, b) => a + b, 0)).toBeGreaterThan(result.service.samples.reduce((a, b) => a + b, 0));
      // The first held request was sent before the stall began, so the worst corrected latency is
      // at least the stall; the recorder holds microseconds rounded to whole ones.
      expect(result.corrected.summary().max).toBeGreaterThanOrEqual(Math.floor((release - stallStart) * 1000));
      expect(result.corrected.summary().max).toBeGreaterThanOrEqual(result.service.summary().max);
    } finally {
      await pool.close();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('knows the true percentiles of a server stalling 200 ms a second', () => {
    expect(trueStallPercentile(50)).toBe(0);
    expect(trueStallPercentile(80)).toBeCloseTo(0, 9);
    expect(trueStallPercentile(90)).toBeCloseTo(100, 9);
    expect(trueStallPercentile(99)).toBeCloseTo(190, 9);
  });
});
