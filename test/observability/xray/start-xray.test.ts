import { afterEach, describe, expect, it } from 'vitest';
import { nsenter } from '../../../src/observability/namespace-relay.js';
import { daemonEnvironment, startXRay, type StartedXRay } from '../../../src/observability/xray/start-xray.js';
import { bootstrapFunction } from '../../helpers/function-config.js';

describe('startXRay', () => {
  let xray: StartedXRay | undefined;
  afterEach(async () => xray?.close());

  it('gives functions the receiver\'s address as Lambda\'s variables, and decides headers', async () => {
    xray = await startXRay({ host: '127.0.0.1', port: 0, isolated: false });
    expect(xray.environment).toEqual(daemonEnvironment('127.0.0.1', xray.receiver.port));
    expect(xray.environment).toEqual({
      AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${xray.receiver.port}`,
      _AWS_XRAY_DAEMON_ADDRESS: '127.0.0.1',
      _AWS_XRAY_DAEMON_PORT: String(xray.receiver.port),
      AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR',
    });
    expect(xray.banner).toEqual([`X-Ray daemon on udp://127.0.0.1:${xray.receiver.port}`]);
    // A queued event's header leaves the decision to the attempt.
    expect(xray.traceHeaders.fresh()).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=\?$/);
    expect(xray.traceHeaders.invocation(undefined, bootstrapFunction('f', { tracing: 'Active' }))).toMatch(/;Sampled=1$/);
  });

  it('says how isolated functions reach a receiver on the loopback: through relays, or not at all without nsenter', async () => {
    xray = await startXRay({ host: '127.0.0.1', port: 0, isolated: true });
    expect(xray.banner[1]).toMatch(nsenter() === undefined
      ? /isolated functions cannot reach the host's loopback and nsenter is missing.*--host 0\.0\.0\.0 or --no-isolation/
      : /isolated functions with Tracing: Active reach it through a relay in their own network/);
  });
});
