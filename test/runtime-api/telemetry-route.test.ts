/**
 * `PUT /2022-07-01/telemetry` and `PUT /2020-08-15/logs` on a real Runtime API listener: Lambda's
 * answers (200 "OK", 400 ValidationError, 403 for identifiers and a closed subscription, 405).
 */
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { RUNTIME_API_ERRORS, type RuntimeApiErrorCode } from '../../src/errors.js';
import { HOST_LOOPBACK } from '../../src/observability/telemetry-delivery.js';
import { TelemetryHub } from '../../src/observability/telemetry-hub.js';
import { RuntimeApiServer } from '../../src/runtime-api/runtime-api-server.js';
import type { RuntimeApiTarget } from '../../src/runtime-api/runtime-api-target.js';
import type { TelemetrySubscription } from '../../src/runtime-api/telemetry-subscription.js';

let server: RuntimeApiServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A target whose only Runtime API is the Telemetry API, backed by a real hub. */
function telemetryTarget(hub: TelemetryHub, registered: readonly string[]): RuntimeApiTarget & { subscriptions: TelemetrySubscription[] } {
  const unused = (): never => {
    throw new Error('not part of this test');
  };
  const subscriptions: TelemetrySubscription[] = [];
  return {
    subscriptions,
    next: unused, beginAnswer: unused, abandonAnswer: unused, finishResponse: unused, finishError: unused,
    finishTooLarge: unused, beginStream: unused, endStream: unused, initError: unused,
    extensions: { register: unused, next: unused, reportError: unused },
    subscribeTelemetry(identifier: string, subscription: TelemetrySubscription): RuntimeApiErrorCode | undefined {
      const refused = hub.subscribeAs({ nameOf: (id) => (registered.includes(id) ? `ext-${id}` : undefined) }, identifier, subscription);
      if (refused === undefined) subscriptions.push(subscription);
      return refused;
    },
  };
}

function put(address: string, path: string, body: string, headers: Record<string, string>, method = 'PUT'): Promise<{ status: number; body: string }> {
  const [host, port] = address.split(':');
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path, method, headers }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const body = JSON.stringify({ schemaVersion: '2022-12-13', destination: { protocol: 'HTTP', URI: 'http://sandbox.localdomain:9' }, types: ['platform'] });
const ID = { 'Lambda-Extension-Identifier': 'ext-1' };

describe('Telemetry API subscribe', () => {
  it('answers 200 OK and hands the subscription over, on both paths', async () => {
    const target = telemetryTarget(new TelemetryHub(HOST_LOOPBACK), ['ext-1']);
    server = await RuntimeApiServer.listen(target, '127.0.0.1', 0);
    expect(await put(server.address, '/2022-07-01/telemetry', body, ID)).toEqual({ status: 200, body: 'OK' });
    expect(await put(server.address, '/2022-07-01/telemetry/', body, ID)).toEqual({ status: 200, body: 'OK' });
    expect(await put(server.address, '/2020-08-15/logs', body, ID)).toEqual({ status: 200, body: 'OK' });
    expect(target.subscriptions.map((s) => s.port)).toEqual([9, 9, 9]);
  });

  it.each([
    ['no identifier', body, {}, 'LAMINA_ERR_EXTENSION_MISSING_IDENTIFIER'],
    ['an unknown identifier', body, { 'Lambda-Extension-Identifier': 'stranger' }, 'LAMINA_ERR_EXTENSION_UNKNOWN'],
    ['a body that is not JSON', '{"schemaVersion":', ID, 'LAMINA_ERR_TELEMETRY_VALIDATION'],
    ['an out-of-range buffering', body.replace('"types"', '"buffering":{"timeoutMs":5},"types"'), ID, 'LAMINA_ERR_TELEMETRY_VALIDATION'],
  ] as const)('refuses %s with Lambda\'s error shape', async (_name, text, headers, code) => {
    server = await RuntimeApiServer.listen(telemetryTarget(new TelemetryHub(HOST_LOOPBACK), ['ext-1']), '127.0.0.1', 0);
    const answer = await put(server.address, '/2022-07-01/telemetry', text, headers);
    expect(answer.status).toBe(RUNTIME_API_ERRORS[code].status);
    const parsed = JSON.parse(answer.body) as { errorType: string; errorMessage: string };
    expect(parsed.errorType).toBe(RUNTIME_API_ERRORS[code].errorType);
    expect(parsed.errorMessage.length).toBeGreaterThan(0);
  });

  it('refuses a subscription after init, and one it cannot deliver', async () => {
    const closed = new TelemetryHub(HOST_LOOPBACK);
    closed.closeSubscriptions();
    server = await RuntimeApiServer.listen(telemetryTarget(closed, ['ext-1']), '127.0.0.1', 0);
    const late = await put(server.address, '/2022-07-01/telemetry', body, ID);
    expect([late.status, (JSON.parse(late.body) as { errorType: string }).errorType]).toEqual([403, 'Telemetry.SubscriptionClosed']);
    await server.close();
    server = await RuntimeApiServer.listen(telemetryTarget(new TelemetryHub(undefined), ['ext-1']), '127.0.0.1', 0);
    const isolated = await put(server.address, '/2022-07-01/telemetry', body, ID);
    expect([isolated.status, (JSON.parse(isolated.body) as { errorType: string }).errorType]).toEqual([501, 'Telemetry.Unavailable']);
  });

  it('answers 405 to another method', async () => {
    server = await RuntimeApiServer.listen(telemetryTarget(new TelemetryHub(HOST_LOOPBACK), ['ext-1']), '127.0.0.1', 0);
    const answer = await put(server.address, '/2022-07-01/telemetry', '', ID, 'POST');
    expect(answer.status).toBe(405);
  });
});
