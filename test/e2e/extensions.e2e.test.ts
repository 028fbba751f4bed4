/**
 * External extensions end to end: a layer with `extensions/<name>` executables (one in sh with
 * curl, one in Node), a real platform and front door, the echo runtime. Each extension registers,
 * waits at event/next, gets the INVOKE event of the caller's request and works on after the answer.
 */
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bootstrapFunction, customRuntimeFunction, FIXTURES } from '../helpers/function-config.js';
import { copyFileSync } from 'node:fs';
import { detectSandboxLimits } from '../../src/platform/sandbox-factory.js';
import { startLamina, type RunningLamina } from '../helpers/lamina-server.js';

let lamina: RunningLamina | undefined;
afterEach(async () => {
  await lamina?.stop();
  lamina = undefined;
});

const SH_EXTENSION = `#!/bin/sh
name=$(basename "$0")
api="http://$AWS_LAMBDA_RUNTIME_API/2020-01-01/extension"
headers=$(mktemp)
curl -s -D "$headers" -o /dev/null -X POST -H "Lambda-Extension-Name: $name" -d '{"events":["INVOKE"]}' "$api/register"
n=0
id=$(grep -i '^lambda-extension-identifier:' "$headers" | cut -d' ' -f2 | tr -d '\\r')
while true; do
  event=$(curl -s -H "Lambda-Extension-Identifier: $id" "$api/event/next")
  echo "[$name] got $event"
  # Work on after the runtime's answer until the test says so (EXT_RELEASE: the function's env).
  n=$((n+1))
  while [ ! -e "$EXT_RELEASE.$n" ]; do sleep 0.05; done
  echo "[$name] done"
done
`;

const NODE_EXTENSION = (node: string): string => `#!${node}
const name = require('node:path').basename(__filename);
const api = 'http://' + process.env.AWS_LAMBDA_RUNTIME_API + '/2020-01-01/extension';
(async () => {
  const registered = await fetch(api + '/register', { method: 'POST', headers: { 'Lambda-Extension-Name': name }, body: JSON.stringify({ events: ['INVOKE', 'SHUTDOWN'] }) });
  const id = registered.headers.get('lambda-extension-identifier');
  console.log('[' + name + '] registered ' + registered.status + ' ' + JSON.stringify(await registered.json()));
  for (;;) {
    const event = await (await fetch(api + '/event/next', { headers: { 'Lambda-Extension-Identifier': id } })).json();
    console.log('[' + name + '] got ' + event.eventType + ' ' + (event.requestId ?? event.shutdownReason));
    if (event.eventType === 'SHUTDOWN') process.exit(0);
  }
})();
`;

function layerWithExtensions(): string {
  const layer = mkdtempSync(join(tmpdir(), 'lamina-ext-layer-'));
  mkdirSync(join(layer, 'extensions'));
  writeFileSync(join(layer, 'extensions', 'sh-probe'), SH_EXTENSION);
  writeFileSync(join(layer, 'extensions', 'node-probe'), NODE_EXTENSION(process.execPath));
  // Not executable: Lambda could not start it, and neither does Lamina.
  writeFileSync(join(layer, 'extensions', 'README'), 'not an extension');
  chmodSync(join(layer, 'extensions', 'sh-probe'), 0o755);
  chmodSync(join(layer, 'extensions', 'node-probe'), 0o755);
  return layer;
}

async function invoke(url: string, body: string): Promise<{ status: number; text: string; requestId: string }> {
  const response = await fetch(`${url}/2015-03-31/functions/ext/invocations`, { method: 'POST', body });
  return { status: response.status, text: await response.text(), requestId: response.headers.get('x-amzn-requestid') ?? '' };
}

describe('external extensions', () => {
  it('start with the runtime, get INVOKE with the request id, and the caller is answered before they finish', async () => {
    const release = join(mkdtempSync(join(tmpdir(), 'lamina-ext-release-')), 'release');
    const fn = bootstrapFunction('ext', { layers: [layerWithExtensions()], timeout: 10, environment: { EXT_RELEASE: release } });
    lamina = await startLamina([fn]);
    const output = lamina.output;
    const first = await invoke(lamina.url, '{"n":1}');
    expect(first.status).toBe(200);
    expect(first.text).toBe('{"n":1}');
    // The answer is here while the sh extension still works on the event (until released).
    await expect.poll(() => output.join('')).toContain(`[sh-probe] got {"eventType":"INVOKE","deadlineMs":`);
    await expect.poll(() => output.join('')).toContain(`[node-probe] got INVOKE ${first.requestId}`);
    const atAnswer = output.join('');
    expect(atAnswer).toContain(`"requestId":"${first.requestId}"`);
    expect(atAnswer).toContain(`[node-probe] registered 200 {"functionName":"ext","functionVersion":"$LATEST","handler":"function.handler"}`);
    expect(atAnswer).not.toContain('[sh-probe] done');
    expect(atAnswer).not.toContain(`END RequestId: ${first.requestId}`);
    expect(lamina.platform.pool('ext')?.idleCount).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    writeFileSync(`${release}.1`, '');
    // The invoke phase ends when both are back at next: then END and REPORT, billed for their time.
    await expect.poll(() => output.join(''), { timeout: 5000 }).toMatch(new RegExp(`\\[sh-probe\\] done[\\s\\S]*END RequestId: ${first.requestId}`));
    const report = /REPORT RequestId: \S+\tDuration: ([\d.]+) ms\tBilled Duration: (\d+) ms/.exec(output.join(''));
    expect(Number(report?.[2])).toBeGreaterThanOrEqual(300);
    expect(Number(report?.[1])).toBeLessThan(Number(report?.[2]));
    // Runtime and two extensions' processes together: never more than the memory size, as on Lambda.
    const memory = /Memory Size: (\d+) MB\tMax Memory Used: (\d+) MB/.exec(output.join(''));
    expect(Number(memory?.[2])).toBeGreaterThan(0);
    expect(Number(memory?.[2])).toBeLessThanOrEqual(Number(memory?.[1]));

    // The same environment (no second init) takes the next invocation, extensions included.
    await expect.poll(() => lamina?.platform.pool('ext')?.idleCount).toBe(1);
    writeFileSync(`${release}.2`, '');
    const second = await invoke(lamina.url, '{"n":2}');
    expect(second.text).toBe('{"n":2}');
    // The caller is answered at the runtime's answer; the extension may print its event just after.
    await expect.poll(() => output.join(''), { timeout: 5000 }).toContain(`"requestId":"${second.requestId}"`);
    expect(output.join('').match(/Init Duration/g)).toHaveLength(1);
    expect(lamina.platform.pool('ext')?.size).toBe(1);
  });

  it('on idle retirement: SHUTDOWN (spindown) to its subscriber, then the environment ends', async () => {
    const release = join(mkdtempSync(join(tmpdir(), 'lamina-ext-release-')), 'release');
    writeFileSync(`${release}.1`, '');
    const fn = bootstrapFunction('ext', { layers: [layerWithExtensions()], timeout: 10, environment: { EXT_RELEASE: release } });
    lamina = await startLamina([fn], { idleTimeoutMs: 200 });
    const first = await invoke(lamina.url, '{"n":1}');
    expect(first.status).toBe(200);
    await expect.poll(() => lamina?.output.join(''), { timeout: 5000 }).toContain('[node-probe] got SHUTDOWN spindown');
    expect(lamina.output.join('')).not.toContain('[sh-probe] got {"eventType":"SHUTDOWN"');
    // The runtime alone got SIGTERM; the extensions were told by their SHUTDOWN event.
    await expect.poll(() => lamina?.output.join('')).toContain('[ext] got SIGTERM');
    await expect.poll(() => lamina?.platform.pool('ext')?.size, { timeout: 5000 }).toBe(0);
  });

  const limits = detectSandboxLimits();
  it.runIf(limits.isolation !== undefined)('run isolated too: in the environment\'s namespaces, from /opt/extensions', async () => {
    // The code dir is seen live at /var/task: the release files reach the extension there.
    const code = mkdtempSync(join(tmpdir(), 'lamina-ext-code-'));
    copyFileSync(join(FIXTURES, 'runtimes', 'echo', 'bootstrap'), join(code, 'bootstrap'));
    chmodSync(code, 0o755);
    chmodSync(join(code, 'bootstrap'), 0o755);
    const layer = layerWithExtensions();
    chmodSync(layer, 0o755);
    chmodSync(join(layer, 'extensions'), 0o755);
    // 1,024 MB: at 128 MB (0.07 vCPU) the two Node processes took seconds each to start.
    const fn = customRuntimeFunction('ext', code, { layers: [layer], timeout: 10, memorySize: 1024, environment: { EXT_RELEASE: '/var/task/release' } });
    lamina = await startLamina([fn], { limits });
    const output = lamina.output;
    const first = await invoke(lamina.url, '{"n":1}');
    expect(first.text).toBe('{"n":1}');
    await expect.poll(() => output.join('')).toContain(`[node-probe] got INVOKE ${first.requestId}`);
    await expect.poll(() => output.join('')).toContain(`"requestId":"${first.requestId}"`);
    expect(output.join('')).not.toContain(`END RequestId: ${first.requestId}`);
    writeFileSync(join(code, 'release.1'), '');
    await expect.poll(() => output.join(''), { timeout: 5000 }).toMatch(new RegExp(`\\[sh-probe\\] done[\\s\\S]*END RequestId: ${first.requestId}`));
  });
});
