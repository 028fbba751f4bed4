/** Validation of Telemetry and Logs API subscribe bodies (docs/telemetry.md). */
import { describe, expect, it } from 'vitest';
import { parseTelemetrySubscription } from '../../src/runtime-api/telemetry-subscription.js';

const valid = { schemaVersion: '2022-12-13', destination: { protocol: 'HTTP', URI: 'http://sandbox.localdomain:8080/in' }, types: ['platform', 'function'] };

describe('parseTelemetrySubscription', () => {
  it('applies the documented defaults', () => {
    expect(parseTelemetrySubscription(valid)).toEqual({
      api: 'telemetry', schemaVersion: '2022-12-13', protocol: 'HTTP', uri: 'http://sandbox.localdomain:8080/in', host: 'sandbox.localdomain', port: 8080, path: '/in',
      types: ['platform', 'function'], buffering: { maxItems: 1000, maxBytes: 262_144, timeoutMs: 1000 },
    });
    expect(parseTelemetrySubscription({ ...valid, schemaVersion: undefined }, 'logs')).toMatchObject({ api: 'logs', buffering: { maxItems: 10_000 } });
  });

  it('takes a bare TCP address and each schema version', () => {
    for (const schemaVersion of ['2022-07-01', '2022-12-13', '2025-01-29']) {
      expect(parseTelemetrySubscription({ ...valid, schemaVersion, destination: { protocol: 'TCP', URI: 'sandbox.localdomain:4243' } })).toMatchObject({ protocol: 'TCP', port: 4243 });
    }
  });

  it.each([
    ['not an object', [], 'JSON object'],
    ['no schemaVersion', { ...valid, schemaVersion: undefined }, 'schemaVersion'],
    ['unknown schemaVersion', { ...valid, schemaVersion: '2021-01-01' }, 'schemaVersion'],
    ['no destination', { ...valid, destination: undefined }, 'destination is required'],
    ['bad protocol', { ...valid, destination: { protocol: 'UDP', URI: 'http://sandbox:1' } }, 'protocol'],
    ['no URI', { ...valid, destination: { protocol: 'HTTP' } }, 'URI is required'],
    ['URI not a URI', { ...valid, destination: { protocol: 'HTTP', URI: 'http://' } }, 'not a valid URI'],
    ['https for HTTP', { ...valid, destination: { protocol: 'HTTP', URI: 'https://sandbox.localdomain:1' } }, 'must use http'],
    ['no port', { ...valid, destination: { protocol: 'HTTP', URI: 'http://sandbox.localdomain/' } }, 'port'],
    ['foreign host', { ...valid, destination: { protocol: 'HTTP', URI: 'http://example.com:8080' } }, 'sandbox.localdomain'],
    ['no types', { ...valid, types: [] }, 'types'],
    ['types not an array', { ...valid, types: 'platform' }, 'types'],
    ['unknown type', { ...valid, types: ['platform', 'metrics'] }, 'unknown type "metrics"'],
    ['buffering not an object', { ...valid, buffering: 5 }, 'buffering must be an object'],
    ['maxItems too small', { ...valid, buffering: { maxItems: 999 } }, 'buffering.maxItems'],
    ['maxItems too large', { ...valid, buffering: { maxItems: 10_001 } }, 'buffering.maxItems'],
    ['maxBytes too small', { ...valid, buffering: { maxBytes: 262_143 } }, 'buffering.maxBytes'],
    ['maxBytes too large', { ...valid, buffering: { maxBytes: 1_048_577 } }, 'buffering.maxBytes'],
    ['timeoutMs too small', { ...valid, buffering: { timeoutMs: 24 } }, 'buffering.timeoutMs must be an integer from 25 to 30000'],
    ['timeoutMs too large', { ...valid, buffering: { timeoutMs: 30_001 } }, 'buffering.timeoutMs'],
    ['timeoutMs not an integer', { ...valid, buffering: { timeoutMs: 100.5 } }, 'buffering.timeoutMs'],
    ['timeoutMs a string', { ...valid, buffering: { timeoutMs: '100' } }, 'buffering.timeoutMs'],
  ])('refuses %s', (_name, body, message) => {
    const result = parseTelemetrySubscription(body);
    expect(typeof result).toBe('string');
    expect(result).toContain(message);
  });

  it('keeps an explicit port 80', () => {
    expect(parseTelemetrySubscription({ ...valid, destination: { protocol: 'HTTP', URI: 'http://sandbox:80/' } })).toMatchObject({ port: 80, path: '/' });
  });

  it('accepts the bounds themselves', () => {
    const buffering = { maxItems: 10_000, maxBytes: 1_048_576, timeoutMs: 25 };
    expect(parseTelemetrySubscription({ ...valid, buffering })).toMatchObject({ buffering });
  });
});
