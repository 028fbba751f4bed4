/** The CodeDeploy endpoint as hook functions are given it (src/deploy/serve-deployments.ts, docs/deployments.md). */
import { networkInterfaces } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { reachableEndpoint, startDeployments, type StartedDeployments } from '../../src/deploy/serve-deployments.js';
import { runtimeEnvironment } from '../../src/platform/environment-variables.js';
import { bootstrapFunction } from '../helpers/function-config.js';

const IDENTITY = { runtimeApi: '127.0.0.1:9001', version: '$LATEST', logStreamName: 'stream', initializationType: 'on-demand' } as const;

let started: StartedDeployments | undefined;
afterEach(async () => {
  await started?.stop();
  started = undefined;
});

const api = bootstrapFunction('api', { publishedAlias: 'live', deployment: { type: 'AllAtOnce', preTraffic: 'pre', postTraffic: 'post', alarms: [] } });

describe('the hook endpoint', () => {
  it('names a loopback or specific listener as it is, and a wildcard one by a non-loopback address of the host', () => {
    expect(reachableEndpoint('http://127.0.0.1:9500', '127.0.0.1')).toBe('http://127.0.0.1:9500');
    expect(reachableEndpoint('http://10.1.2.3:9500', '10.1.2.3')).toBe('http://10.1.2.3:9500');
    const named = new URL(reachableEndpoint('http://0.0.0.0:9500', '0.0.0.0'));
    expect(named.port).toBe('9500');
    const external = Object.values(networkInterfaces()).flat().filter((info) => info?.family === 'IPv4' && !info.internal).map((info) => info?.address);
    expect(named.hostname).toBe(external[0] ?? '127.0.0.1');
    expect(named.hostname).not.toBe('0.0.0.0');
  });

  it('adds the endpoint to hook functions only, below a hook\'s own AWS_ENDPOINT_URL_CODEDEPLOY, and warns when isolated hooks cannot reach a loopback endpoint', async () => {
    const own = bootstrapFunction('pre', { environment: { AWS_ENDPOINT_URL_CODEDEPLOY: 'http://192.0.2.2:9500', OTHER: 'x' } });
    started = await startDeployments([api, own, bootstrapFunction('post')], { host: '127.0.0.1', port: 0, timeScale: 1, log: () => undefined, isolated: true });
    // What the platform adds, below each function's own Environment (so the hook's own value wins in the runtime).
    expect(started.environmentOf('pre')).toEqual({ AWS_ENDPOINT_URL_CODEDEPLOY: started.endpoint });
    expect(started.environmentOf('post')).toEqual({ AWS_ENDPOINT_URL_CODEDEPLOY: started.endpoint });
    expect(started.environmentOf('api')).toBeUndefined();
    const pre = runtimeEnvironment({ ...own, inheritedEnvironment: started.environmentOf('pre') }, IDENTITY, undefined);
    expect([pre.AWS_ENDPOINT_URL_CODEDEPLOY, pre.OTHER]).toEqual(['http://192.0.2.2:9500', 'x']);
    const post = runtimeEnvironment({ ...bootstrapFunction('post'), inheritedEnvironment: started.environmentOf('post') }, IDENTITY, undefined);
    expect(post.AWS_ENDPOINT_URL_CODEDEPLOY).toBe(started.endpoint);
    expect(started.banner.at(-1)).toMatch(/isolated hook functions cannot reach the host's loopback/);
    await started.stop();
    started = await startDeployments([api, own, bootstrapFunction('post')], { host: '127.0.0.1', port: 0, timeScale: 1, log: () => undefined, isolated: false });
    expect(started.banner.join('\n')).not.toMatch(/isolated/);
  });
});
