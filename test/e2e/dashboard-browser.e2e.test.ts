/**
 * The live dashboard in a real browser (Debian's chromium driven by playwright-core): a real
 * `lamina serve` (limits and isolation as by default), its page at /_lamina/, a cold invoke then a
 * warm one shown as such, a screenshot kept under test-output/dashboard/; a cross-origin
 * WebSocket refused; `--no-dashboard`. Then the trace timeline, drawn from an in-memory trace
 * source on an in-process server (the X-Ray store has the same shape).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { dashboardServer, type DashboardServer } from '../helpers/dashboard-server.js';
import { findChromium, launchChromium, screenshotPath } from '../helpers/chromium.js';
import { bootstrapFunction } from '../helpers/function-config.js';
import { MemoryTraces } from '../helpers/memory-traces.js';
import { serveProject, startServe } from '../helpers/serve-process.js';

const found = findChromium();
if ('skip' in found) process.stdout.write(`dashboard browser tests skipped: ${found.skip}\n`);
const executable = 'path' in found ? found.path : '';

const TEMPLATE = `Transform: AWS::Serverless-2016-10-31
Resources:
  Hello:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: hello
      Runtime: nodejs20.x
      Handler: index.handler
      CodeUri: code/
      MemorySize: 128
      Timeout: 10
`;
const HANDLER = `export const handler = async (event) => {
  console.log('hello from the dashboard test', JSON.stringify(event));
  console.log('<img src=x onerror="document.title=\\'pwned\\'">');
  return { ok: true };
};
`;

let browser: Browser | undefined;
beforeAll(async () => {
  if (executable !== '') browser = await launchChromium(executable);
}, 60_000);
afterAll(async () => {
  await browser?.close();
});

/** A page that records its console errors and uncaught exceptions (a CSP violation is one). */
async function openPage(url: string): Promise<{ page: Page; errors: string[] }> {
  const page = await (browser as Browser).newPage({ viewport: { width: 1400, height: 1000 } });
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(url);
  await page.waitForSelector('#status[data-state="live"]');
  return { page, errors };
}

/**
 * Labels that overlap each other or are cut off (wider content than their box). Plain browser
 * JavaScript as a string: the tests are compiled without the DOM's types.
 */
const UNREADABLE = `(() => {
  const problems = [];
  for (const label of document.querySelectorAll('.bars .label, .legend li, th, .timeline .name, .histogram .caption, .badge')) {
    if (label.scrollWidth > label.clientWidth + 1) problems.push('cut: ' + label.textContent);
  }
  const boxes = [...document.querySelectorAll('.bars .label, .timeline .name')].map((e) => ({ text: e.textContent, r: e.getBoundingClientRect() }));
  for (let i = 0; i < boxes.length; i += 1) {
    for (let j = i + 1; j < boxes.length; j += 1) {
      const a = boxes[i].r, b = boxes[j].r;
      if (a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1) problems.push('overlap: ' + boxes[i].text + ' / ' + boxes[j].text);
    }
  }
  return problems;
})()`;

/** The page is readable and threw nothing; its screenshot is kept under test-output/dashboard/ and its path printed. */
async function readableThenShot(page: Page, errors: string[], name: string): Promise<void> {
  expect(await page.evaluate(UNREADABLE)).toEqual([]);
  expect(errors).toEqual([]);
  const shot = screenshotPath('dashboard', name);
  await page.screenshot({ path: shot, fullPage: true });
  process.stdout.write(`dashboard screenshot: ${shot}\n`);
  await page.close();
}

describe.skipIf(executable === '')('the dashboard of a real lamina serve in chromium', () => {
  const project = serveProject('lamina-dashboard-');
  let dashboardUrl = '';
  let invokeBase = '';

  beforeAll(async () => {
    mkdirSync(join(project.dir, 'code'));
    writeFileSync(join(project.dir, 'code', 'index.mjs'), HANDLER);
    const serve = await project.start(TEMPLATE, ['--port', '0'], /Dashboard: (http:\/\/\S+\/_lamina\/)/);
    dashboardUrl = /Dashboard: (http:\/\/\S+\/_lamina\/)/.exec(serve.output())?.[1] ?? '';
    invokeBase = /on (http:\/\/\S+)\n/.exec(serve.output())?.[1] ?? '';
  }, 120_000);

  async function invoke(event: unknown): Promise<string> {
    const answer = await fetch(`${invokeBase}/2015-03-31/functions/hello/invocations`, { method: 'POST', body: JSON.stringify(event) });
    expect(answer.status).toBe(200);
    return answer.headers.get('x-amzn-requestid') ?? '';
  }

  it('shows a cold invocation, then a warm one, with the function, its environment, the histogram and the log tail', async () => {
    const { page, errors } = await openPage(dashboardUrl);
    await page.waitForSelector('#functions tr[data-function="hello"]');
    const cold = await invoke({ n: 1 });
    await page.waitForSelector(`#invocations tr[data-request-id="${cold}"][data-start="cold"]`);
    const warm = await invoke({ n: 2 });
    await page.waitForSelector(`#invocations tr[data-request-id="${warm}"][data-start="warm"]`);
    const stat = (name: string): Promise<string | null> => page.textContent(`#functions tr[data-function="hello"] td[data-stat="${name}"]`);
    await expect.poll(() => stat('invocations')).toBe('2');
    expect([await stat('cold'), await stat('warm')]).toEqual(['1', '1']);
    expect(await page.textContent(`#invocations tr[data-request-id="${cold}"] .badge`)).toBe('cold');
    await page.waitForSelector('#environments tr[data-state="idle"]');
    await page.waitForSelector('.histogram[data-function="hello"] .bar');
    await page.waitForSelector('#logs .log-line >> text=hello from the dashboard test');
    // A log line that looks like markup is shown as text, not run.
    expect(await page.locator('#logs .log-line .text', { hasText: '<img src=x' }).count()).toBe(2);
    expect(await page.locator('#logs img').count()).toBe(0);
    expect(await page.title()).toBe('Lamina dashboard');
    // Readable on a narrow window too (one column; wide tables scroll).
    await page.setViewportSize({ width: 720, height: 1000 });
    expect(await page.evaluate(UNREADABLE)).toEqual([]);
    await page.setViewportSize({ width: 1400, height: 1000 });
    await readableThenShot(page, errors, 'serve-cold-warm.png');
  }, 60_000);

  it('refuses a WebSocket from another origin', async () => {
    const live = `${dashboardUrl.replace(/^http/, 'ws')}live`;
    const status = await new Promise<number | string>((resolve) => {
      const ws = new WebSocket(live, { origin: 'http://evil.example' });
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.once('open', () => {
        ws.terminate();
        resolve('accepted');
      });
      ws.once('error', (error) => resolve(error.message));
    });
    expect(status).toBe(403);
  });

  it('is not served with --no-dashboard, and the banner says so', async () => {
    const { serve } = await startServe(['--template', 'template.yaml', '--state-dir', join(project.dir, 'state-off'), '--port', '0', '--no-dashboard'], project.dir, /Dashboard: off \(--no-dashboard\)/);
    try {
      const base = /on (http:\/\/\S+)\n/.exec(serve.output())?.[1] ?? '';
      const answer = await fetch(`${base}/_lamina/`);
      expect(answer.headers.get('content-type')).not.toContain('text/html');
    } finally {
      expect(await serve.stop()).toBe(0);
    }
  }, 120_000);
});

describe.skipIf(executable === '')('the trace timeline in chromium', () => {
  let served: DashboardServer | undefined;
  afterAll(async () => {
    await served?.stop();
  });

  it('draws each trace\'s segments on one time axis, and a new trace as it arrives', async () => {
    const traces = new MemoryTraces();
    const t0 = 1_764_500_000;
    traces.put({
      traceId: '1-6750a000-aaaaaaaaaaaaaaaaaaaaaaaa', functionName: 'hello', version: '$LATEST', requestId: 'req-1',
      segments: [
        { id: 'a1', name: 'hello', origin: 'AWS::Lambda', startTime: t0, endTime: t0 + 1, subsegments: [
          { id: 'a2', name: 'Initialization', startTime: t0, endTime: t0 + 0.4 },
          { id: 'a3', name: 'Invocation', startTime: t0 + 0.4, endTime: t0 + 0.9, subsegments: [{ id: 'a4', name: 'DynamoDB GetItem', startTime: t0 + 0.5, endTime: t0 + 0.7, fault: true }] },
          { id: 'a5', name: 'Overhead', startTime: t0 + 0.9, endTime: t0 + 1 },
        ] },
      ],
    });
    served = await dashboardServer([bootstrapFunction('hello')], { traces });
    const { page, errors } = await openPage(`${served.base}/_lamina/`);
    const first = page.locator('.trace[data-trace-id="1-6750a000-aaaaaaaaaaaaaaaaaaaaaaaa"]');
    await first.waitFor();
    expect(await first.locator('.timeline .name').allTextContents()).toEqual(['hello', 'Initialization', 'Invocation', 'DynamoDB GetItem', 'Overhead']);
    const spans = await first.locator('.timeline .span').evaluateAll((nodes) => nodes.map((n) => [n.getAttribute('style') ?? '', n.className]));
    const pct = (style: string | undefined, key: string): number => Math.round(Number.parseFloat(new RegExp(`${key}: ([0-9.]+)%`).exec(style ?? '')?.[1] ?? 'NaN'));
    expect(spans.map(([style]) => [pct(style, 'left'), pct(style, 'width')])).toEqual([[0, 100], [0, 40], [40, 50], [50, 20], [90, 10]]);
    expect(spans[3]?.[1]).toContain('seg-fault');
    traces.put({ traceId: '1-6750a001-bbbbbbbbbbbbbbbbbbbbbbbb', functionName: 'hello', version: '$LATEST', requestId: 'req-2', segments: [{ id: 'b1', name: 'hello', startTime: t0 + 5 }] });
    await page.locator('.trace[data-trace-id="1-6750a001-bbbbbbbbbbbbbbbbbbbbbbbb"] .timeline .dur >> text=in progress').waitFor();
    await readableThenShot(page, errors, 'trace-timeline.png');
  }, 60_000);
});
