/**
 * Hostile functions (issue 10, docs/isolation.md): a spy that hunts for other environments'
 * Runtime APIs to take their invocations, and for the platform's Invoke API. In its own network
 * namespace it must find nothing on its loopback but its own 127.0.0.1:9001, and nothing through
 * its link to the host that answers a GET /next, while a victim answers every invocation itself,
 * warm and through cold starts. Root with the native launcher only.
 */
import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InvokeOutcome } from '../../src/platform/invoke-types.js';
import { startLamina, type RunningLamina } from '../helpers/lamina-server.js';
import {
  attackerCode, attackerFunction, expectVictimAnswers, hostileSkipReason, hostListeningPorts, invokeRequest, LIMITS, report, text, VICTIM_SECRET, victimFunction,
} from '../helpers/hostile.js';

const skip = hostileSkipReason();

interface SpyReport {
  scanned: number;
  rounds: number;
  open: number[];
  stolen: unknown[];
  targeted: Record<string, string>;
  invokeApi: string | true;
}

/** The host's own addresses besides loopback: a way out of the namespace, if there were a route. */
function hostAddresses(): string[] {
  return Object.values(networkInterfaces()).flat().filter((a) => a !== undefined && !a.internal && a.family === 'IPv4').map((a) => a!.address);
}

describe.skipIf(skip !== undefined)('hostile functions: Runtime API spy', () => {
  let lamina: RunningLamina;
  let code: ReturnType<typeof attackerCode>;
  beforeAll(async () => {
    code = attackerCode();
    // 1769 MB: a full vCPU for the port sweep (128 MB gets a fourteenth of one, as on Lambda).
    lamina = await startLamina([victimFunction(), attackerFunction('spy', code.dir, { timeout: 30, memorySize: 1769 })], { limits: LIMITS, shutdownGraceMs: 100 });
  });
  afterAll(async () => {
    await lamina.stop();
    code.remove();
  });

  it('steals no invocation and reaches no other listener, while a victim answers warm and cold', async () => {
    await expectVictimAnswers(lamina.platform, 2, 2); // two warm victim environments before the spy starts
    const invokePort = Number(new URL(lamina.url).port);
    const hosts = hostAddresses();
    const ports = hostListeningPorts();
    expect(ports).toContain(invokePort);
    let spyDone = false;
    const spying = lamina.platform
      .invoke(invokeRequest('spy', { attack: 'spy', durationMs: 1500, marker: 'victim-answer', hosts, invokePort, ports }))
      .finally(() => { spyDone = true; });
    // Victims for as long as the spy runs (at least 50), in waves one wider each time: each wave
    // needs one more environment, so victim cold starts happen while the spy is looking.
    const victims: InvokeOutcome[] = [];
    for (let wave = 2; !spyDone || victims.length < 50; wave = Math.min(wave + 1, 12)) {
      const echoes = Array.from({ length: wave }, (_, i) => `victim-answer-${victims.length + i}`);
      const answers = await Promise.all(echoes.map((echo) => lamina.platform.invoke(invokeRequest('victim', { echo, sleepMs: 50 }))));
      expect(answers.map(text)).toEqual(echoes.map((echo) => JSON.stringify(echo)));
      victims.push(...answers);
    }
    const spy = report<SpyReport>(await spying);
    const coldStarts = victims.filter((v) => v.logs().includes('Init Duration')).length;
    const outcomes = Object.values(spy.targeted).reduce<Record<string, number>>((counts, o) => ({ ...counts, [o]: (counts[o] ?? 0) + 1 }), {});
    console.log(`[hostile] spy: ${spy.scanned} ports swept, open ${JSON.stringify(spy.open)}; ${spy.rounds} rounds of GET /next at ${Object.keys(spy.targeted).length} address:port pairs, last answers ${JSON.stringify(outcomes)}; ${victims.length} victim invokes (${coldStarts} cold starts) all answered by the victim`);
    expect(spy.stolen).toEqual([]);
    expect(spy.scanned).toBeGreaterThanOrEqual(65535);
    expect(spy.open).toEqual([9001]); // its own Runtime API, nothing else
    expect(spy.invokeApi).toBe('ECONNREFUSED');
    for (const [target, outcome] of Object.entries(spy.targeted)) {
      if (target === '127.0.0.1:9001') expect(outcome, target).toMatch(/^HTTP 4\d\d$/); // its own, busy with the spy's invocation
      // Its own loopback holds nothing else; through its link to the host (no VpcConfig) a service
      // the host binds to 0.0.0.0 answers as it would a container (docs/isolation.md), but no
      // Runtime API and no Invoke API is there: nothing answers a GET /next with an invocation.
      else if (target.startsWith('127.')) expect(outcome, target).toMatch(/^(ECONNREFUSED|ENETUNREACH|EHOSTUNREACH)$/);
      else expect(outcome, target).not.toBe('HTTP 200');
    }
    expect(coldStarts).toBeGreaterThan(0);
    await expectVictimAnswers(lamina.platform, 5, 1);
    expect(lamina.output.join('')).not.toContain(VICTIM_SECRET);
  });
});
