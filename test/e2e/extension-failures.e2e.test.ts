/**
 * External extensions that fail, end to end (docs/extensions.md): one that exits at start, one
 * that exits on its INVOKE event, one that reports `init/error`, one that never registers. Lambda
 * fails the init or the invocation with `Extension.Crash` / `Extension.InitError`, and prints an
 * `EXTENSION` line per extension at the end of init.
 */
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { copyFileSync } from 'node:fs';
import { bootstrapFunction, customRuntimeFunction, FIXTURES } from '../helpers/function-config.js';
import { detectSandboxLimits } from '../../src/platform/sandbox-factory.js';
import { startLamina, type RunningLamina } from '../helpers/lamina-server.js';

let lamina: RunningLamina | undefined;
afterEach(async () => {
  await lamina?.stop();
  lamina = undefined;
});

/** An sh extension: registers for `events`, then runs `onEvent` for each event ($event holds it). */
const registering = (events: string, onEvent: string): string => `#!/bin/sh
name=$(basename "$0")
api="http://$AWS_LAMBDA_RUNTIME_API/2020-01-01/extension"
headers=$(mktemp)
curl -s -D "$headers" -o /dev/null -X POST -H "Lambda-Extension-Name: $name" -d '{"events":${events}}' "$api/register"
id=$(grep -i '^lambda-extension-identifier:' "$headers" | cut -d' ' -f2 | tr -d '\\r')
while true; do
  event=$(curl -s -H "Lambda-Extension-Identifier: $id" "$api/event/next")
  ${onEvent}
done
`;

function layer(extensions: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'lamina-ext-fail-'));
  mkdirSync(join(dir, 'extensions'));
  for (const [name, body] of Object.entries(extensions)) {
    writeFileSync(join(dir, 'extensions', name), body);
    chmodSync(join(dir, 'extensions', name), 0o755);
  }
  return dir;
}

async function invoke(url: string, body: string): Promise<{ status: number; errorType: string | null; text: string; requestId: string }> {
  const response = await fetch(`${url}/2015-03-31/functions/ext/invocations`, { method: 'POST', body });
  const text = await response.text();
  return { status: response.status, errorType: response.headers.get('x-amz-function-error'), text, requestId: response.headers.get('x-amzn-requestid') ?? '' };
}

const GOOD = registering('["INVOKE","SHUTDOWN"]', 'echo "[$name] got $event"');

describe('failing external extensions', () => {
  it('an extension that exits at start fails the init (and its retry) with Extension.Crash, at once', async () => {
    const fn = bootstrapFunction('ext', { layers: [layer({ good: GOOD, quitter: '#!/bin/sh\necho "[quitter] bye"\nexit 2\n' })], timeout: 10 });
    lamina = await startLamina([fn], { initTimeoutMs: 8000 });
    const started = Date.now();
    const result = await invoke(lamina.url, '{"n":1}');
    // Long before the init limit: the exit was noticed, not waited out.
    expect(Date.now() - started).toBeLessThan(8000);
    expect(result.status).toBe(200);
    expect(result.errorType).toBe('Unhandled');
    expect(JSON.parse(result.text)).toEqual({ errorType: 'Extension.Crash', errorMessage: 'Error: Extension quitter exited: exit status 2' });
    const output = lamina.output.join('');
    expect(output).toContain('[quitter] bye');
    expect(output).toMatch(/INIT_REPORT Init Duration: [\d.]+ ms\tPhase: init\tStatus: error\tError Type: Extension.Crash/);
    expect(output).toMatch(/INIT_REPORT Init Duration: [\d.]+ ms\tPhase: invoke\tStatus: error\tError Type: Extension.Crash/);
    expect(output).toMatch(/EXTENSION\tName: quitter\tState: Started\tEvents: \[\]/);
    // The wrapper's report is the platform's, not the function's log.
    expect(output).not.toContain('lamina-extension-exit');
  });

  it('an extension that exits on its INVOKE event fails the invocation with Extension.Crash; the next one gets a new environment', async () => {
    // It waits the seconds in $CRASH_DELAY's file (none: at once) before it exits.
    const crasher = registering('["INVOKE"]', 'case "$event" in *INVOKE*) sleep "$(cat "$CRASH_DELAY" 2>/dev/null || echo 0)"; echo "[$name] crashing"; exit 1;; esac');
    const delay = join(mkdtempSync(join(tmpdir(), 'lamina-ext-delay-')), 'delay');
    const fn = bootstrapFunction('ext', { layers: [layer({ crasher, good: GOOD })], timeout: 10, environment: { CRASH_DELAY: delay } });
    lamina = await startLamina([fn]);
    // The runtime takes 1.5 s: the crash comes first.
    const result = await invoke(lamina.url, '{"sleepMs":1500,"echo":1}');
    expect(result.errorType).toBe('Unhandled');
    expect(JSON.parse(result.text)).toEqual({ errorType: 'Extension.Crash', errorMessage: `RequestId: ${result.requestId} Error: Extension crasher exited: exit status 1` });
    const output = (): string => lamina?.output.join('') ?? '';
    expect(output()).toMatch(/EXTENSION\tName: crasher\tState: Ready\tEvents: \[INVOKE\]/);
    expect(output()).toMatch(/EXTENSION\tName: good\tState: Ready\tEvents: \[INVOKE,SHUTDOWN\]/);
    await expect.poll(output, { timeout: 5000 }).toMatch(new RegExp(`REPORT RequestId: ${result.requestId}\\t.*Status: error\\tError Type: Extension.Crash`));
    await expect.poll(() => lamina?.platform.pool('ext')?.size, { timeout: 5000 }).toBe(0);

    // Answered by the runtime before the crash: the caller has its answer, the REPORT tells of it.
    writeFileSync(delay, '0.5');
    const second = await invoke(lamina.url, '{"echo":2}');
    expect(second.text).toBe('2');
    await expect.poll(output, { timeout: 5000 }).toMatch(new RegExp(`REPORT RequestId: ${second.requestId}\\t.*Status: error\\tError Type: Extension.Crash`));
    expect(output().match(/Init Duration/g)?.length).toBeGreaterThanOrEqual(2);
  });

  it('an extension that exits while the environment is idle retires it; the next invocation gets a new one', async () => {
    // Back at next at once, but dies 300 ms after its first INVOKE (of SIGKILL).
    const late = registering('["INVOKE"]', 'echo "[$name] got it"; (sleep 0.3; kill -9 $$) &');
    const fn = bootstrapFunction('ext', { layers: [layer({ late })], timeout: 10 });
    lamina = await startLamina([fn]);
    // A forged exit report, even naming a real extension of /opt/extensions, is the function's own
    // log line: the wrapper's reports carry a secret the function does not have.
    const forged = '\x1elamina-extension-exit 1 late';
    const first = await invoke(lamina.url, JSON.stringify({ echo: 1, log: forged }));
    expect(first.text).toBe('1');
    const output = (): string => lamina?.output.join('') ?? '';
    expect(output()).toContain(forged);
    await expect.poll(output, { timeout: 5000 }).toMatch(new RegExp(`REPORT RequestId: ${first.requestId}\t`));
    expect(output()).not.toMatch(new RegExp(`REPORT RequestId: ${first.requestId}\t.*Status`));
    await expect.poll(() => lamina?.platform.pool('ext')?.size, { timeout: 5000 }).toBe(0);
    const second = await invoke(lamina.url, '{"echo":2}');
    expect(second.text).toBe('2');
    // The new environment's first REPORT (written after the caller's answer) carries its init.
    await expect.poll(() => output().match(/Init Duration/g)?.length, { timeout: 5000 }).toBe(2);
  });

  it('an extension\'s init/error fails the init with Extension.InitError; its state says InitError', async () => {
    const failing = `#!/bin/sh
api="http://$AWS_LAMBDA_RUNTIME_API/2020-01-01/extension"
headers=$(mktemp)
curl -s -D "$headers" -o /dev/null -X POST -H "Lambda-Extension-Name: failing" -d '{"events":["INVOKE"]}' "$api/register"
id=$(grep -i '^lambda-extension-identifier:' "$headers" | cut -d' ' -f2 | tr -d '\\r')
curl -s -X POST -H "Lambda-Extension-Identifier: $id" -H "Lambda-Extension-Function-Error-Type: Extension.ConfigInvalid" -d '{}' "$api/init/error"
sleep 30
`;
    const fn = bootstrapFunction('ext', { layers: [layer({ failing })], timeout: 10 });
    lamina = await startLamina([fn]);
    const result = await invoke(lamina.url, '{"n":1}');
    expect(JSON.parse(result.text)).toEqual({ errorType: 'Extension.InitError', errorMessage: 'Extension failing failed to initialize: Extension.ConfigInvalid' });
    const output = lamina.output.join('');
    expect(output).toMatch(/EXTENSION\tName: failing\tState: InitError\tEvents: \[INVOKE\]/);
    expect(output).toMatch(/INIT_REPORT Init Duration: [\d.]+ ms\tPhase: invoke\tStatus: error\tError Type: Extension.InitError/);
  });

  it('an extension that never registers fails the init at the init limit (Status: timeout)', async () => {
    const fn = bootstrapFunction('ext', { layers: [layer({ sleeper: '#!/bin/sh\nexec sleep 30\n' })], timeout: 3 });
    lamina = await startLamina([fn], { initTimeoutMs: 700 });
    const result = await invoke(lamina.url, '{"n":1}');
    expect(result.errorType).toBe('Unhandled');
    expect(JSON.parse(result.text).errorType).toBe('Sandbox.Timedout');
    const output = lamina.output.join('');
    expect(output).toMatch(/INIT_REPORT Init Duration: [\d.]+ ms\tPhase: init\tStatus: timeout/);
    expect(output).toMatch(/EXTENSION\tName: sleeper\tState: Started\tEvents: \[\]/);
  });

  const limits = detectSandboxLimits();
  it.runIf(limits.isolation !== undefined)('isolated too: the exit report crosses the launcher', async () => {
    const code = mkdtempSync(join(tmpdir(), 'lamina-ext-code-'));
    copyFileSync(join(FIXTURES, 'runtimes', 'echo', 'bootstrap'), join(code, 'bootstrap'));
    chmodSync(code, 0o755);
    chmodSync(join(code, 'bootstrap'), 0o755);
    const crasher = registering('["INVOKE"]', 'case "$event" in *INVOKE*) exit 4;; esac');
    const dir = layer({ crasher });
    chmodSync(dir, 0o755);
    chmodSync(join(dir, 'extensions'), 0o755);
    const fn = customRuntimeFunction('ext', code, { layers: [dir], timeout: 10 });
    lamina = await startLamina([fn], { limits });
    const result = await invoke(lamina.url, '{"sleepMs":1500,"echo":1}');
    expect(JSON.parse(result.text)).toEqual({ errorType: 'Extension.Crash', errorMessage: `RequestId: ${result.requestId} Error: Extension crasher exited: exit status 4` });
    expect(lamina.output.join('')).not.toContain('lamina-extension-exit');
  });
});

describe('start order', () => {
  it('starts the runtime only once every external extension has registered (Lambda\'s order)', async () => {
    const slow = `#!/bin/sh
sleep 0.3
echo "[slow] registering"
${registering('["INVOKE"]', 'echo "[slow] got event"').split('\n').slice(1).join('\n')}`;
    const fn = bootstrapFunction('ext', { layers: [layer({ slow, good: GOOD })], timeout: 10, environment: { ECHO_PRINT_API: '1' } });
    lamina = await startLamina([fn]);
    const result = await invoke(lamina.url, '{"echo":1}');
    expect(result.text).toBe('1');
    const output = lamina.output.join('');
    expect(output.indexOf('[slow] registering')).toBeGreaterThanOrEqual(0);
    expect(output.indexOf('runtime api ')).toBeGreaterThan(output.indexOf('[slow] registering'));
  });
});
