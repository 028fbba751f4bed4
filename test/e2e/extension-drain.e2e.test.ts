/**
 * An invocation that finds no idle environment while one environment's extension still works on
 * its INVOKE event waits at most EXTENSION_DRAIN_WAIT_MS for it (src/platform/idle-waiters.ts),
 * then starts a new environment: an extension that takes its time never holds other callers up.
 */
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bootstrapFunction } from '../helpers/function-config.js';
import { startLamina, type RunningLamina } from '../helpers/lamina-server.js';

/** Goes back to event/next EXT_HOLD_MS after each INVOKE, saying so. */
const HOLDING_EXTENSION = (node: string): string => `#!${node}
const api = 'http://' + process.env.AWS_LAMBDA_RUNTIME_API + '/2020-01-01/extension';
(async () => {
  const registered = await fetch(api + '/register', { method: 'POST', headers: { 'Lambda-Extension-Name': 'hold' }, body: '{"events":["INVOKE"]}' });
  const id = registered.headers.get('lambda-extension-identifier');
  let event = await (await fetch(api + '/event/next', { headers: { 'Lambda-Extension-Identifier': id } })).json();
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, Number(process.env.EXT_HOLD_MS)));
    console.log('[hold] back after ' + event.requestId);
    event = await (await fetch(api + '/event/next', { headers: { 'Lambda-Extension-Identifier': id } })).json();
  }
})();
`;

let lamina: RunningLamina | undefined;
afterEach(async () => {
  await lamina?.stop();
  lamina = undefined;
});

async function invoke(url: string, body: string): Promise<{ text: string; requestId: string }> {
  const response = await fetch(`${url}/2015-03-31/functions/hold/invocations`, { method: 'POST', body });
  return { text: await response.text(), requestId: response.headers.get('x-amzn-requestid') ?? '' };
}

describe('an invocation while an extension finishes', () => {
  it('does not wait for a slow extension: a second environment takes it', async () => {
    const layer = mkdtempSync(join(tmpdir(), 'lamina-ext-hold-'));
    mkdirSync(join(layer, 'extensions'));
    writeFileSync(join(layer, 'extensions', 'hold'), HOLDING_EXTENSION(process.execPath));
    chmodSync(join(layer, 'extensions', 'hold'), 0o755);
    lamina = await startLamina([bootstrapFunction('hold', { layers: [layer], timeout: 30, environment: { EXT_HOLD_MS: '4000' } })]);
    const first = await invoke(lamina.url, '{"n":1}');
    expect(first.text).toBe('{"n":1}');
    const second = await invoke(lamina.url, '{"n":2}');
    expect(second.text).toBe('{"n":2}');
    // Answered by a new environment while the first one's extension still held its event.
    expect(lamina.output.join('')).not.toContain(`[hold] back after ${first.requestId}`);
    expect(lamina.platform.pool('hold')?.size).toBe(2);
  }, 30_000);
});
