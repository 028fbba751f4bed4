/**
 * An EventInvokeConfig set through the management API governs asynchronous invokes on real
 * runtime processes: the event queue reads it on every attempt (src/platform/queue-host.ts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ControlPlane } from '../../../src/control/api/control-plane.js';
import { eventInvokeLookup } from '../../../src/control/api/event-invoke-store.js';
import { MemorySettingsStore } from '../../../src/control/settings-store.js';
import { matchManagementRoute, toManagementCall } from '../../../src/management/match-route.js';
import { Platform } from '../../../src/platform/platform.js';
import { bootstrapFunction } from '../../helpers/function-config.js';
import { invokeRequest } from '../../helpers/invoke-request.js';

let platform: Platform | undefined;
afterEach(async () => {
  await platform?.stop();
  platform = undefined;
});

describe('event invoke configs set through the API', () => {
  it('MaximumRetryAttempts 0 stops retries and sends the failure to the API-set OnFailure destination; deleting the config brings Lambda\'s two retries back', async () => {
    const output: string[] = [];
    const settings = new MemorySettingsStore();
    const p = new Platform({
      functions: [bootstrapFunction('failing', {}, 'recorder'), bootstrapFunction('sink', {}, 'recorder')],
      logOutput: (text) => output.push(text),
      events: { timeScale: 0.001, eventInvokeConfig: eventInvokeLookup(settings) },
    });
    platform = p;
    const control = new ControlPlane({ registry: p.registry, region: 'us-east-1', accountId: '000000000000', stateDir: '/nonexistent', now: () => new Date(), settings });
    const call = (method: string, url: string, body?: unknown) => {
      const match = matchManagementRoute(method, url);
      if (match === undefined) throw new Error(`no route ${url}`);
      return control.handle(toManagementCall(match, Buffer.from(body === undefined ? '' : JSON.stringify(body))));
    };
    const attempts = (fn: string, id?: string) => output.join('').split('\n').filter((line) => line.startsWith(`[${fn}] RECEIVED ${id ?? ''}`)).length;

    await call('PUT', '/2019-09-25/functions/failing/event-invoke-config', {
      MaximumRetryAttempts: 0,
      DestinationConfig: { OnFailure: { Destination: 'arn:aws:lambda:us-east-1:000000000000:function:sink' } },
    });
    const first = (await p.accept(invokeRequest('failing', { fail: 'always' }, { invocationType: 'Event' }))).requestId;
    await expect.poll(() => attempts('sink'), { timeout: 10_000 }).toBe(1);
    expect(attempts('failing', first)).toBe(1);
    const record = output.join('').split('\n').find((line) => line.startsWith('[sink] RECEIVED'));
    expect(record).toContain('"approximateInvokeCount":1');
    expect(record).toContain('"condition":"RetriesExhausted"');

    await call('DELETE', '/2019-09-25/functions/failing/event-invoke-config');
    const second = (await p.accept(invokeRequest('failing', { fail: 'again' }, { invocationType: 'Event' }))).requestId;
    await expect.poll(() => attempts('failing', second), { timeout: 10_000 }).toBe(3);
    expect(output.join('')).toContain(`event ${second} dropped (RetriesExhausted after 3 attempt(s)`);
  });
});
