/**
 * Container functions on a private network (issue 10, docs/isolation.md): a hostile container
 * function asks every port the host listens on, on its loopback and at the host's addresses, for
 * another container function's invocations, while that victim is being invoked. With a network
 * of its own it finds only its own Runtime API (127.0.0.1:9001) and steals nothing; with the
 * host's network (as before) it would reach the victim's listener and the Invoke API. A
 * `VpcConfig` container function has only its loopback. Both ways of starting containers: runc
 * directly and `podman run`. Root with the native launcher, podman and runc only.
 */
import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContainerEngine } from '../../src/containers/engine.js';
import { directRuncAvailable, unmountImages } from '../../src/containers/runc-direct.js';
import type { InvokeOutcome } from '../../src/platform/invoke-types.js';
import { detectSandboxLimits } from '../../src/platform/sandbox-factory.js';
import { probeEngine } from '../helpers/container-engine.js';
import { customRuntimeFunction, FIXTURES } from '../helpers/function-config.js';
import { hostListeningPorts, hostPidsWithArgument, invokeRequest, report, text } from '../helpers/hostile.js';
import { startLamina, type RunningLamina } from '../helpers/lamina-server.js';

const limits = detectSandboxLimits();
const probe = limits.isolation === undefined ? { reason: 'no full isolation here (needs root and the native launcher from `npm run build`)' } : probeEngine();
const skip = probe.reason ?? (probe.engine !== undefined && !directRuncAvailable(probe.engine) ? 'runc directly is not available (needs podman and runc)' : undefined);
if (skip !== undefined) console.warn(`[container network e2e] skipped: ${skip}`);

interface SpyReport {
  runtimeApi: string;
  rounds: number;
  targets: Record<string, string>;
  stolen: unknown[];
  interfaces: Record<string, string[]>;
  sandbox: string;
}

const zipInContainer = (name: string, dir: string, vpc = false) =>
  customRuntimeFunction(name, join(FIXTURES, 'containers', dir), { runtime: 'nodejs20.x', handler: 'index.handler', launch: { kind: 'node-ric', runtime: 'nodejs20.x', node: process.execPath }, timeout: 20, vpc });

/** The host's own IPv4 addresses besides loopback. */
function hostAddresses(): string[] {
  return Object.values(networkInterfaces()).flat().filter((a) => a !== undefined && !a.internal && a.family === 'IPv4').map((a) => a!.address);
}

/** Holders this process started that are still alive (their parent is this process). */
function ourHolders(): number[] {
  return hostPidsWithArgument('--hold-network').filter((pid) => {
    try {
      return Number(readFileSync(`/proc/${pid}/stat`, 'latin1').split(') ')[1]?.split(' ')[1]) === process.pid;
    } catch {
      return false;
    }
  });
}

for (const direct of [true, false]) {
  describe.skipIf(skip !== undefined)(`container functions on a private network (${direct ? 'runc directly' : 'podman run'})`, () => {
    const engine = probe.engine as ContainerEngine;
    let lamina: RunningLamina;

    beforeAll(async () => {
      const functions = [zipInContainer('victim', 'node-fn'), zipInContainer('spy', 'spy-fn'), zipInContainer('vpcspy', 'spy-fn', true)];
      lamina = await startLamina(functions, { limits: { ...limits, containers: { engine, all: true, direct } }, shutdownGraceMs: 200 });
    }, 60_000);

    afterAll(async () => {
      await lamina?.stop();
      unmountImages(engine);
    }, 30_000);

    const victim = async (marker: string): Promise<InvokeOutcome> => {
      const outcome = await lamina.platform.invoke(invokeRequest('victim', { marker }));
      expect(JSON.parse(text(outcome))).toMatchObject({ echo: { marker }, runtimeApi: '127.0.0.1:9001' });
      return outcome;
    };

    it('a hostile container function reaches no other Runtime API and no host loopback listener, and steals nothing', async () => {
      await Promise.all([victim('warm-0'), victim('warm-1')]); // two warm victim containers, listening
      const invokePort = Number(new URL(lamina.url).port);
      const ports = [9001, ...hostListeningPorts()];
      expect(ports).toContain(invokePort);
      const hosts = hostAddresses();
      let spyDone = false;
      const spying = lamina.platform
        .invoke(invokeRequest('spy', { durationMs: 1500, hosts, ports, marker: 'victim-answer' }))
        .finally(() => { spyDone = true; });
      let victims = 0;
      for (let wave = 2; !spyDone || victims < 10; wave = Math.min(wave + 1, 4)) {
        await Promise.all(Array.from({ length: wave }, (_, i) => victim(`victim-answer-${victims + i}`)));
        victims += wave;
      }
      const spy = report<SpyReport>(await spying);
      expect(spy.stolen).toEqual([]);
      expect(spy.runtimeApi).toBe('127.0.0.1:9001');
      expect(spy.rounds).toBeGreaterThan(0);
      for (const [target, outcome] of Object.entries(spy.targets)) {
        if (target === '127.0.0.1:9001') expect(outcome, target).toMatch(/^HTTP 4\d\d$/); // its own, busy with the spy's invocation
        else if (target.startsWith('127.')) expect(outcome, target).toBe('ECONNREFUSED'); // its own loopback holds nothing else
        else expect(outcome, target).not.toBe('HTTP 200'); // the host through the link: no Runtime API there
      }
      // Its own link to the host (no VpcConfig), and Lambda's name for its own address.
      expect(Object.keys(spy.interfaces).sort()).toEqual(['eth0', 'lo']);
      expect(spy.interfaces.eth0?.[0]).toMatch(/^198\.1[89]\./);
      expect(spy.sandbox).toBe('127.0.0.1');
    }, 90_000);

    it('a VpcConfig container function has only its loopback', async () => {
      const spy = report<SpyReport>(await lamina.platform.invoke(invokeRequest('vpcspy', { durationMs: 0, hosts: hostAddresses(), ports: [9001, Number(new URL(lamina.url).port)], marker: 'none' })));
      expect(spy.interfaces).toEqual({ lo: ['127.0.0.1'] });
      for (const [target, outcome] of Object.entries(spy.targets)) {
        if (target === '127.0.0.1:9001') expect(outcome, target).toMatch(/^HTTP 4\d\d$/);
        else if (target.startsWith('127.')) expect(outcome, target).toBe('ECONNREFUSED');
        else expect(outcome, target).toBe('ENETUNREACH');
      }
    }, 60_000);

    it('leaves no network holder behind once the environments are gone', async () => {
      expect(ourHolders().length).toBeGreaterThan(0); // one per live container
      await lamina.stop();
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(ourHolders()).toEqual([]);
    }, 30_000);
  });
}
