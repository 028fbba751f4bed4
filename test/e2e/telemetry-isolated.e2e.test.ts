/**
 * Telemetry delivery into a fully isolated environment (docs/telemetry.md): the subscriber listens
 * on the environment's own loopback, which the platform reaches through a relay inside the
 * environment's network namespace. Skipped, with the reason, where the platform cannot isolate.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Platform } from '../../src/platform/platform.js';
import { detectSandboxLimits } from '../../src/platform/sandbox-factory.js';
import { customRuntimeFunction, FIXTURES } from '../helpers/function-config.js';
import { invokeRequest } from '../helpers/invoke-request.js';

const limits = detectSandboxLimits();
const reason = limits.isolation === undefined ? 'no isolation here (needs root and the native launcher)' : undefined;
if (reason !== undefined) console.warn(`[telemetry-isolated] skipped: ${reason}`);

interface Seen {
  subscribed: string;
  events: { type: string; requestId?: string }[];
}

describe.skipIf(reason !== undefined)('Telemetry API in an isolated environment', () => {
  let platform: Platform | undefined;
  afterAll(async () => platform?.stop());

  it('delivers the platform events to a subscriber on the environment\'s own loopback', async () => {
    const codeDir = join(FIXTURES, 'handlers', 'telemetry');
    const fn = customRuntimeFunction('inside', codeDir, {
      runtime: 'nodejs20.x', handler: 'index.handler', launch: { kind: 'node-ric', runtime: 'nodejs20.x', node: process.execPath }, timeout: 10,
    });
    platform = new Platform({ functions: [fn], shutdownGraceMs: 100, limits, logOutput: () => undefined });
    const first = await platform.invoke(invokeRequest('inside', {}));
    const seen = async (): Promise<Seen> => {
      const outcome = await platform?.invoke(invokeRequest('inside', {}));
      if (outcome?.result.kind !== 'response') throw new Error(`expected a response, got ${outcome?.result.kind ?? 'nothing'}`);
      return JSON.parse(outcome.result.payload.toString()) as Seen;
    };
    expect((await seen()).subscribed).toBe('200 OK');
    const types = async (): Promise<string[]> => (await seen()).events.slice(0, 8).map((e) => e.type);
    await expect.poll(types, { timeout: 5000, interval: 100 }).toEqual([
      'platform.initStart', 'platform.telemetrySubscription', 'platform.initRuntimeDone', 'platform.extension', 'platform.initReport',
      'platform.start', 'platform.runtimeDone', 'platform.report',
    ]);
    expect((await seen()).events[5]?.requestId).toBe(first.requestId);
  });
});
