/**
 * An external extension in Python (standard library only) end to end: the fixture layer
 * test/fixtures/layers/python-extension has `extensions/py-probe` (`#!/usr/bin/python3`). A real
 * platform and front door, the echo runtime; full isolation when this machine can (root), so the
 * extension runs from /opt/extensions in the environment's namespaces. It registers for INVOKE and
 * SHUTDOWN, prints each event, and exits after SHUTDOWN at idle retirement.
 */
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { detectSandboxLimits } from '../../src/platform/sandbox-factory.js';
import { bootstrapFunction, FIXTURES } from '../helpers/function-config.js';
import { startLamina, type RunningLamina } from '../helpers/lamina-server.js';

const LAYER = join(FIXTURES, 'layers', 'python-extension');
const PYTHON = '/usr/bin/python3';
const python = ((): string | undefined => {
  try {
    accessSync(PYTHON, constants.X_OK);
    return undefined;
  } catch {
    return `${PYTHON} is missing (the extension's #! line)`;
  }
})();
if (python !== undefined) console.warn(`[python extension] skipped: ${python}`);

let lamina: RunningLamina | undefined;
afterEach(async () => {
  await lamina?.stop();
  lamina = undefined;
});

async function invoke(url: string, body: string): Promise<{ status: number; text: string; requestId: string }> {
  const response = await fetch(`${url}/2015-03-31/functions/py-ext/invocations`, { method: 'POST', body });
  return { status: response.status, text: await response.text(), requestId: response.headers.get('x-amzn-requestid') ?? '' };
}

describe('a Python external extension', () => {
  const limits = detectSandboxLimits();
  const mode = limits.isolation !== undefined ? 'isolated' : 'not isolated (not root)';

  it.skipIf(python !== undefined)(`registers, gets INVOKE for each invocation and SHUTDOWN at retirement (${mode})`, async () => {
    const fn = bootstrapFunction('py-ext', { layers: [LAYER], timeout: 10 });
    lamina = await startLamina([fn], { idleTimeoutMs: 1500, ...(limits.isolation !== undefined ? { limits } : {}) });
    const output = (): string => lamina?.output.join('') ?? '';

    const first = await invoke(lamina.url, '{"n":1}');
    expect(first).toMatchObject({ status: 200, text: '{"n":1}' });
    // Registration answered with the function's identity, before init ended (one Init Duration).
    expect(output()).toContain('[py-probe] registered 200 {"functionName":"py-ext","functionVersion":"$LATEST","handler":"function.handler"}');
    await expect.poll(output).toContain(`[py-probe] got INVOKE ${first.requestId} arn=arn:aws:lambda:`);
    const line = new RegExp(`\\[py-probe\\] got INVOKE ${first.requestId} arn=(\\S+) deadline=(\\d+) event-id=(\\S+)`).exec(output());
    expect(line?.[1]).toMatch(/^arn:aws:lambda:[a-z0-9-]+:\d{12}:function:py-ext$/);
    expect(Number(line?.[2])).toBeGreaterThan(Date.now() - 60_000);
    expect(line?.[3]).not.toBe('None');

    // The same environment takes the second invocation once the extension is back at event/next.
    await expect.poll(() => lamina?.platform.pool('py-ext')?.idleCount).toBe(1);
    const second = await invoke(lamina.url, '{"n":2}');
    expect(second.text).toBe('{"n":2}');
    await expect.poll(output).toContain(`[py-probe] got INVOKE ${second.requestId} `);
    expect(output().match(/Init Duration/g)).toHaveLength(1);
    expect(output().match(/\[py-probe\] registered/g)).toHaveLength(1);

    // Idle retirement: SHUTDOWN (spindown) reaches it, it exits, the environment ends.
    await expect.poll(output, { timeout: 8000 }).toContain('[py-probe] got SHUTDOWN spindown');
    await expect.poll(() => lamina?.platform.pool('py-ext')?.size, { timeout: 8000 }).toBe(0);
    expect(output()).not.toMatch(/Traceback|Extension\.\w+/);
  }, 30_000);
});
