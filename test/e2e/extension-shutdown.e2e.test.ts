/**
 * The shutdown phase with a real external extension (docs/extensions.md): SHUTDOWN with the reason
 * Lambda gives (`timeout` after an invocation timed out, `failure` after the runtime crashed,
 * `spindown` at idle retirement), the caller answered without waiting for it, and the extension
 * keeps its budget after the runtime has exited: a line it writes 800 ms into the shutdown still
 * reaches the log. Isolated too when run as root.
 */
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { detectSandboxLimits } from '../../src/platform/sandbox-factory.js';
import { customRuntimeFunction, FIXTURES } from '../helpers/function-config.js';
import { startLamina, type RunningLamina } from '../helpers/lamina-server.js';

let lamina: RunningLamina | undefined;
afterEach(async () => {
  await lamina?.stop();
  lamina = undefined;
});

/** Registers for both events; on SHUTDOWN prints its reason and budget, then a last line 800 ms later. */
const SHUTDOWN_EXTENSION = (node: string): string => `#!${node}
const api = 'http://' + process.env.AWS_LAMBDA_RUNTIME_API + '/2020-01-01/extension';
(async () => {
  const registered = await fetch(api + '/register', { method: 'POST', headers: { 'Lambda-Extension-Name': 'shut' }, body: JSON.stringify({ events: ['INVOKE', 'SHUTDOWN'] }) });
  const id = registered.headers.get('lambda-extension-identifier');
  for (;;) {
    const event = await (await fetch(api + '/event/next', { headers: { 'Lambda-Extension-Identifier': id } })).json();
    if (event.eventType === 'INVOKE' && process.env.SHUT_EXIT_ERROR) {
      // Something broke: say so (exit/error), then leave.
      const said = await fetch(api + '/exit/error', { method: 'POST', headers: { 'Lambda-Extension-Identifier': id, 'Lambda-Extension-Function-Error-Type': 'Extension.Broken' }, body: '{}' });
      console.log('[shut] exit/error ' + said.status);
      process.exit(1);
    }
    if (event.eventType !== 'SHUTDOWN') continue;
    console.log('[shut] got SHUTDOWN ' + event.shutdownReason + ' budget ' + (event.deadlineMs - Date.now()));
    setTimeout(() => { console.log('[shut] still here at 800 ms'); process.exit(0); }, 800);
    return;
  }
})();
`;

/** A second extension that registers for INVOKE and dies (exit 2) at its first one. */
const CRASHING_EXTENSION = (node: string): string => `#!${node}
const api = 'http://' + process.env.AWS_LAMBDA_RUNTIME_API + '/2020-01-01/extension';
(async () => {
  const registered = await fetch(api + '/register', { method: 'POST', headers: { 'Lambda-Extension-Name': 'crash' }, body: JSON.stringify({ events: ['INVOKE'] }) });
  const id = registered.headers.get('lambda-extension-identifier');
  await fetch(api + '/event/next', { headers: { 'Lambda-Extension-Identifier': id } });
  console.log('[crash] dying');
  process.exit(2);
})();
`;

function functionWithExtension(name: string, overrides: { timeout: number; environment?: Record<string, string>; crashing?: boolean; memorySize?: number }): ReturnType<typeof customRuntimeFunction> {
  // Readable by Lambda's user when isolated: the code and the layer are bound into the environment.
  const code = mkdtempSync(join(tmpdir(), 'lamina-shut-code-'));
  copyFileSync(join(FIXTURES, 'runtimes', 'echo', 'bootstrap'), join(code, 'bootstrap'));
  const layer = mkdtempSync(join(tmpdir(), 'lamina-shut-layer-'));
  mkdirSync(join(layer, 'extensions'));
  writeFileSync(join(layer, 'extensions', 'shut'), SHUTDOWN_EXTENSION(process.execPath));
  if (overrides.crashing === true) writeFileSync(join(layer, 'extensions', 'crash'), CRASHING_EXTENSION(process.execPath), { mode: 0o755 });
  for (const path of [code, join(code, 'bootstrap'), layer, join(layer, 'extensions'), join(layer, 'extensions', 'shut')]) chmodSync(path, 0o755);
  // 1,024 MB (0.58 vCPU when isolated): the phases, not CPU shares, are what these tests read; at
  // 128 MB (0.07 vCPU) each isolated Node start took seconds and the file took a minute.
  return customRuntimeFunction(name, code, { layers: [layer], timeout: overrides.timeout, environment: overrides.environment ?? {}, memorySize: overrides.memorySize ?? 1024 });
}

async function invoke(url: string, name: string, body: string): Promise<{ status: number; text: string; error: string | null }> {
  const response = await fetch(`${url}/2015-03-31/functions/${name}/invocations`, { method: 'POST', body });
  return { status: response.status, text: await response.text(), error: response.headers.get('x-amz-function-error') };
}

const limits = detectSandboxLimits();
const modes = [{ mode: 'plain', limits: undefined }, ...(limits.isolation === undefined ? [] : [{ mode: 'isolated', limits }])];

describe.each(modes)('the shutdown phase ($mode)', ({ mode, limits: sandboxLimits }) => {
  const options = sandboxLimits === undefined ? {} : { limits: sandboxLimits };

  it('after a timeout: SHUTDOWN timeout, the caller answered first, the extension keeps its budget', async () => {
    lamina = await startLamina([functionWithExtension('shut-timeout', { timeout: 1 })], options);
    const output = (): string => lamina?.output.join('') ?? '';
    const answer = await invoke(lamina.url, 'shut-timeout', '{"sleepMs":5000}');
    expect(answer.error).toBe('Unhandled');
    expect(answer.text).toContain('Task timed out after 1.00 seconds');
    expect(output()).not.toContain('[shut] still here');
    await expect.poll(output, { timeout: 5000 }).toMatch(/\[shut\] got SHUTDOWN timeout budget (\d+)/);
    const budget = Number(/budget (\d+)/.exec(output())?.[1]);
    expect(budget).toBeGreaterThan(1000);
    expect(budget).toBeLessThanOrEqual(2000);
    // The runtime was told too (SIGTERM to it alone) and is gone; the extension's last line still arrives.
    await expect.poll(output, { timeout: 5000 }).toContain('[shut] still here at 800 ms');
    expect(output()).toContain('got SIGTERM');
    await expect.poll(() => lamina?.platform.pool('shut-timeout')?.size, { timeout: 5000 }).toBe(0);
  });

  it('after the runtime crashed: SHUTDOWN failure, and the extension outlives the runtime', async () => {
    lamina = await startLamina([functionWithExtension('shut-crash', { timeout: 10 })], options);
    const output = (): string => lamina?.output.join('') ?? '';
    const answer = await invoke(lamina.url, 'shut-crash', '{"exit":3}');
    expect(answer.error).toBe('Unhandled');
    expect(answer.text).toContain('Runtime.ExitError');
    expect(output()).not.toContain('[shut] still here');
    await expect.poll(output, { timeout: 5000 }).toContain('[shut] got SHUTDOWN failure');
    await expect.poll(output, { timeout: 5000 }).toContain('[shut] still here at 800 ms');
    await expect.poll(() => lamina?.platform.pool('shut-crash')?.size, { timeout: 5000 }).toBe(0);
    // The next caller gets a new environment, not the one shutting down.
    const next = await invoke(lamina.url, 'shut-crash', '{"echo":"again"}');
    expect(next.text).toBe('"again"');
  });

  it('after another extension crashed: Extension.Crash for the caller first, then SHUTDOWN failure with its budget', async () => {
    // A whole vCPU: at 128 MB (0.07 vCPU) the extension's exit can take longer than the handler's sleep.
    lamina = await startLamina([functionWithExtension('shut-ext-crash', { timeout: 20, crashing: true, memorySize: 1769 })], options);
    const output = (): string => lamina?.output.join('') ?? '';
    const answer = await invoke(lamina.url, 'shut-ext-crash', '{"sleepMs":10000}');
    expect(answer.error).toBe('Unhandled');
    expect(JSON.parse(answer.text)).toMatchObject({ errorType: 'Extension.Crash', errorMessage: expect.stringContaining('Extension crash exited: exit status 2') });
    expect(output()).toContain('[crash] dying');
    expect(output()).not.toContain('[shut] still here');
    await expect.poll(output, { timeout: 5000 }).toMatch(/\[shut\] got SHUTDOWN failure budget (\d+)/);
    const budget = Number(/SHUTDOWN failure budget (\d+)/.exec(output())?.[1]);
    expect(budget).toBeGreaterThan(1000);
    expect(budget).toBeLessThanOrEqual(2000);
    // The runtime is told (SIGTERM to it alone); the other extension keeps its budget.
    await expect.poll(output, { timeout: 5000 }).toContain('got SIGTERM');
    await expect.poll(output, { timeout: 5000 }).toContain('[shut] still here at 800 ms');
    await expect.poll(() => lamina?.platform.pool('shut-ext-crash')?.size, { timeout: 5000 }).toBe(0);
  });

  it('at idle retirement: SHUTDOWN spindown, SIGTERM to the runtime alone, the extension keeps its budget', async () => {
    lamina = await startLamina([functionWithExtension('shut-idle', { timeout: 10 })], { ...options, idleTimeoutMs: 200 });
    const output = (): string => lamina?.output.join('') ?? '';
    const answer = await invoke(lamina.url, 'shut-idle', '{"echo":"hi"}');
    expect(answer.text).toBe('"hi"');
    await expect.poll(output, { timeout: 5000 }).toContain('[shut] got SHUTDOWN spindown');
    await expect.poll(output, { timeout: 5000 }).toContain('got SIGTERM');
    await expect.poll(output, { timeout: 5000 }).toContain('[shut] still here at 800 ms');
    // SIGTERM came before the extension's last line: it outlived the runtime.
    expect(output().indexOf('got SIGTERM')).toBeLessThan(output().indexOf('[shut] still here'));
    await expect.poll(() => lamina?.platform.pool('shut-idle')?.size, { timeout: 5000 }).toBe(0);
  });

  it('records an extension\'s exit/error: its log line, and its exit fails the invocation with Extension.ExitError', async () => {
    lamina = await startLamina([functionWithExtension('shut-exit', { timeout: 10, environment: { SHUT_EXIT_ERROR: '1' } })], options);
    const output = (): string => lamina?.output.join('') ?? '';
    const answer = await invoke(lamina.url, 'shut-exit', '{"sleepMs":6000}');
    expect(answer.error).toBe('Unhandled');
    expect(JSON.parse(answer.text)).toMatchObject({ errorType: 'Extension.ExitError', errorMessage: expect.stringContaining('Extension shut exited: exit status 1') });
    expect(output()).toContain('[shut] exit/error 202');
    expect(output()).toContain('Extension shut reported an exit error: Extension.Broken');
    await expect.poll(output, { timeout: 5000 }).toMatch(/REPORT RequestId: .*Status: error\tError Type: Extension\.ExitError/);
  });
});
