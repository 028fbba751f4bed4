/**
 * The http scenario on a small sample (`--quick`, no peers): the Invoke API and the HTTP API
 * measured in the same lamina serve, the 1.2x target as a finite ratio. No timing is checked. And
 * its pieces: the HttpApi event in the generated template, serverless-offline's httpApi event, the
 * HTTP side refusing a wrong answer.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadTemplate } from '../../src/config/sam-template.js';
import { createWorkspace } from '../../bench/harness/bench-functions.js';
import { runScenarios } from '../../bench/harness/runner.js';
import { serviceConfig } from '../../bench/peers/serverless-offline.js';
import { httpScenario, httpSide } from '../../bench/scenarios/http.js';
import type { BenchOptions } from '../../bench/scenarios/scenario.js';

const quick: BenchOptions = { quick: true, rounds: 1, accountConcurrency: 100, maxEnvironments: 2, peers: false };
const silent = { isTTY: false, write: () => undefined };

describe('http scenario', () => {
  it('puts an HttpApi event in the generated template, and an httpApi event in serverless-offline\'s service', () => {
    const workspace = createWorkspace();
    try {
      const template = workspace.template([{ name: 'HttpEcho', runtime: 'lamina-ric', httpApi: { method: 'GET', path: '/hello' } }, { name: 'Plain', runtime: 'lamina-ric' }]);
      const { apis } = loadTemplate(template, { region: 'us-east-1', accountId: '000000000000' });
      expect(apis.map((api) => [api.id, api.routes.map((r) => `${r.method} ${r.path} -> ${r.functionName}`)])).toEqual([['ServerlessHttpApi', ['GET /hello -> HttpEcho']]]);
    } finally {
      workspace.remove();
    }
    const config = parse(serviceConfig({ name: 'HttpEcho', handlerDir: '/x', handler: 'index.handler', memoryMb: 1024, timeoutSeconds: 30, httpApi: { method: 'GET', path: '/hello' } })) as { functions: Record<string, { events?: unknown }> };
    expect(config.functions.HttpEcho?.events).toEqual([{ httpApi: { method: 'GET', path: '/hello' } }]);
    const without = parse(serviceConfig({ name: 'E', handlerDir: '/x', handler: 'index.handler', memoryMb: 1024, timeoutSeconds: 30 })) as { functions: Record<string, { events?: unknown }> };
    expect(without.functions.E?.events).toBeUndefined();
  });

  it('refuses a wrong answer from an HTTP front end rather than timing it', async () => {
    let answer = { status: 200, body: '{"routeKey":"GET /hello","rawQueryString":"name=bench"}' };
    const server = createServer((_req, res) => res.writeHead(answer.status).end(answer.body));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const pool = new Pool(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    try {
      const side = httpSide('t', 'test', pool, true);
      await side.call();
      answer = { status: 502, body: '{"message":"Internal Server Error"}' };
      await expect(side.call()).rejects.toThrow(/test: answered 502/);
      answer = { status: 200, body: '{"routeKey":"GET /other"}' };
      await expect(side.call()).rejects.toThrow(/test: answered 200/);
    } finally {
      await pool.close();
      server.close();
    }
  });

  it('measures the Invoke API and the HTTP API in the same serve on a small sample', async () => {
    const outcome = await runScenarios({ scenarios: [httpScenario], options: quick, outDir: undefined, commandFor: () => 'npm run bench -- http --quick', progressSink: silent });
    expect(outcome.failures.map((f) => f.error.message)).toEqual([]);
    const result = outcome.results[0];
    const [table] = result?.tables ?? [];
    expect(table?.rows.map((r) => r[0])).toEqual(['lamina serve: Invoke API (1 KB payload)', 'lamina serve: HTTP API GET /hello (payload 2.0)']);
    for (const row of table?.rows ?? []) expect(row.join(' ')).not.toContain('NaN');
    expect(result?.targets.map((t) => t.goal)).toEqual(['<= 1.2']);
    expect(result?.targets.every((t) => Number.isFinite(t.ratio) && t.ratio > 0)).toBe(true);
  }, 120_000);
});
