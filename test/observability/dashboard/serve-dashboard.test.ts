/**
 * The dashboard on the Invoke API's own server (src/observability/dashboard/serve-dashboard.ts
 * with the real front door and platform): the page's routes, and a cold then a warm invocation
 * over the WebSocket as the page sees them; when it is off, and why.
 */
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { DashboardMessage, InvocationView } from '../../../src/observability/dashboard/dashboard-protocol.js';
import { startDashboard } from '../../../src/observability/dashboard/serve-dashboard.js';
import { Platform } from '../../../src/platform/platform.js';
import { dashboardServer, type DashboardServer } from '../../helpers/dashboard-server.js';
import { bootstrapFunction } from '../../helpers/function-config.js';

let served: DashboardServer | undefined;
afterEach(async () => {
  await served?.stop();
  served = undefined;
});

async function serve(signingKey = false): Promise<string> {
  served = await dashboardServer([bootstrapFunction('echo')], { signingKey });
  return served.base;
}

describe('the dashboard on the front door', () => {
  it('serves the page, its script and stylesheet with a strict content policy, and only those', async () => {
    const base = await serve();
    const page = await fetch(`${base}/_lamina/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toContain("connect-src 'self'");
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await page.text();
    expect(html).toContain('<script src="dashboard.js" defer></script>');
    // Nothing from elsewhere: the page works offline.
    expect(html).not.toMatch(/https?:\/\//);
    const script = await fetch(`${base}/_lamina/dashboard.js`);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await script.text()).toContain('/_lamina/live');
    expect((await fetch(`${base}/_lamina/dashboard.css`)).status).toBe(200);
    const bare = await fetch(`${base}/_lamina`, { redirect: 'manual' });
    expect([bare.status, bare.headers.get('location')]).toEqual([308, '/_lamina/']);
    expect((await fetch(`${base}/_lamina/../../etc/passwd`)).status).not.toBe(200);
    expect((await fetch(`${base}/_lamina/%2e%2e/package.json`)).status).toBe(404);
    expect((await fetch(`${base}/_lamina/live`)).status).toBe(426);
    expect((await fetch(`${base}/_lamina/`, { method: 'POST', body: 'x' })).status).toBe(405);
    // Not under /_lamina: the front door's own answer, not the dashboard's.
    const other = await fetch(`${base}/_laminax`);
    expect(other.headers.get('content-security-policy')).toBeNull();
  });

  it('shows a cold invocation, then a warm one, over the WebSocket', async () => {
    const base = await serve();
    const messages: DashboardMessage[] = [];
    const ws = new WebSocket(`${base.replace('http', 'ws')}/_lamina/live`, { origin: base });
    ws.on('message', (data) => messages.push(JSON.parse(String(data)) as DashboardMessage));
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    const seen = (): InvocationView[] => messages.flatMap((m) => m.invocations ?? []);
    const invoke = async (): Promise<string> => {
      const answer = await fetch(`${base}/2015-03-31/functions/echo/invocations`, { method: 'POST', body: '{"echo":1}' });
      expect(answer.status).toBe(200);
      return answer.headers.get('x-amzn-requestid') ?? '';
    };
    const cold = await invoke();
    await expect.poll(() => seen().map((i) => [i.requestId, i.cold]), { timeout: 10_000 }).toEqual([[cold, true]]);
    const warm = await invoke();
    await expect.poll(() => seen().map((i) => [i.requestId, i.cold]), { timeout: 10_000 }).toEqual([[cold, true], [warm, false]]);
    const snapshot = messages[0];
    expect(snapshot?.type === 'snapshot' && snapshot.functions.map((f) => f.name)).toEqual(['echo']);
    ws.terminate();
  });

  it('shows a throttled invoke, and the environment busy while the first one runs', async () => {
    served = await dashboardServer([bootstrapFunction('echo', { reservedConcurrency: 1, timeout: 10 })]);
    const { base } = served;
    const messages: DashboardMessage[] = [];
    const ws = new WebSocket(`${base.replace('http', 'ws')}/_lamina/live`, { origin: base });
    ws.on('message', (data) => messages.push(JSON.parse(String(data)) as DashboardMessage));
    await new Promise((resolve) => ws.once('open', resolve));
    const states = (): string[] => messages.flatMap((m) => m.environments ?? []).map((e) => e.state);
    const slow = fetch(`${base}/2015-03-31/functions/echo/invocations`, { method: 'POST', body: '{"sleepMs":4000}' });
    await expect.poll(states, { timeout: 10_000 }).toContain('invoking');
    const refused = await fetch(`${base}/2015-03-31/functions/echo/invocations`, { method: 'POST', body: '{}' });
    expect(refused.status).toBe(429);
    await expect.poll(() => messages.flatMap((m) => m.throttles ?? []), { timeout: 10_000 }).toEqual([expect.objectContaining({ functionName: 'echo', version: '$LATEST', reason: 'ReservedFunctionConcurrentInvocationLimitExceeded', queued: false })]);
    expect((await slow).status).toBe(200);
    await expect.poll(() => messages.flatMap((m) => m.stats ?? []).at(-1), { timeout: 10_000 }).toMatchObject({ functionName: 'echo', invocations: 1, throttles: 1 });
    ws.terminate();
  });

  it('serves the page without a signature (a browser cannot sign) while invokes still need one', async () => {
    const base = await serve(true);
    expect((await fetch(`${base}/_lamina/`)).status).toBe(200);
    expect((await fetch(`${base}/2015-03-31/functions/echo/invocations`, { method: 'POST', body: '{}' })).status).toBe(403);
  });
});

describe('when the dashboard is off', () => {
  it('says why: --no-dashboard, or signatures on a reachable address', async () => {
    const observers = { observers: new Platform({ functions: [] }).observers, registry: { names: [], versions: () => undefined, aliases: () => undefined, onChange: () => () => undefined } };
    const off = startDashboard(observers, { disabled: true, host: '127.0.0.1', signaturesVerified: false });
    expect(off.route).toBeUndefined();
    expect(off.banner('http://127.0.0.1:9000')).toBe('Dashboard: off (--no-dashboard)');
    const exposed = startDashboard(observers, { disabled: false, host: '0.0.0.0', signaturesVerified: true });
    expect(exposed.route).toBeUndefined();
    expect(exposed.banner('http://0.0.0.0:9000')).toContain('a browser cannot sign');
    const on = startDashboard(observers, { disabled: false, host: '127.0.0.1', signaturesVerified: true });
    expect(on.banner('http://127.0.0.1:9000')).toBe('Dashboard: http://127.0.0.1:9000/_lamina/ (--no-dashboard turns it off)');
    on.stop();
  });
});
