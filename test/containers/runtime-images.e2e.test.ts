/**
 * End to end with a real container engine (issue 11): under `--sandbox container` a `nodejs22.x`
 * zip function runs on Node 22 in `lamina/base:nodejs22.x`, a `python3.12` one on Python 3.12 in
 * `lamina/base:python3.12`, each image built on demand once and reused while nothing changed;
 * through runc directly and through `<engine> run`. Without podman/docker able to run a
 * container, Node 22 (no registry) or a python3.12 on this machine, the tests print why and skip.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findPython } from '../../src/config/python-runtime.js';
import type { FunctionConfig } from '../../src/config/function-config.js';
import type { ContainerEngine } from '../../src/containers/engine.js';
import { directRuncAvailable, unmountImages } from '../../src/containers/runc-direct.js';
import { DIGEST_LABEL, ensureRuntimeImages } from '../../src/containers/runtime-images.js';
import { customRuntimeFunction, FIXTURES } from '../helpers/function-config.js';
import { startLamina, type RunningLamina } from '../helpers/lamina-server.js';
import { probeEngine } from '../helpers/container-engine.js';
import { installTestNodes, nodeBinaryMissing } from '../helpers/node-binaries.js';
import { findInstalledNode, type InstalledNode } from '../../src/runtimes/runtime-cache.js';

const probe = probeEngine();
if (probe.reason !== undefined) console.warn(`[runtime images e2e] skipped: ${probe.reason}`);
const python = findPython('python3.12');
const pythonMissing = python === undefined || python.warning !== undefined ? 'no python3.12 on this machine' : undefined;
if (pythonMissing !== undefined) console.warn(`[runtime images e2e] Python tests skipped: ${pythonMissing}`);

async function invoke(url: string, name: string, event: unknown): Promise<{ error: string | null; body: Record<string, unknown> }> {
  const response = await fetch(`${url}/2015-03-31/functions/${name}/invocations`, { method: 'POST', body: JSON.stringify(event) });
  return { error: response.headers.get('x-amz-function-error'), body: (await response.json()) as Record<string, unknown> };
}

/** `<engine> run --rm` of an image, with the limits this host's runc needs (as probeEngine runs it). */
function runImage(engine: ContainerEngine, args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(engine.name, [...engine.globalArgs, 'run', '--rm', '--pull', 'never', '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024', ...args], { encoding: 'utf8' });
}

function pythonFunction(name: string, handler = 'app.handler'): FunctionConfig {
  const path = python?.path ?? '/usr/bin/python3.12';
  return customRuntimeFunction(name, join(FIXTURES, 'containers', 'python-fn'), { runtime: 'python3.12', handler, launch: { kind: 'python-ric', runtime: 'python3.12', python: path } });
}

describe.skipIf(probe.engine === undefined)('runtime base images under --sandbox container', () => {
  const engine = probe.engine as ContainerEngine;
  let real: { node: InstalledNode | undefined; unavailable: string | undefined } = { node: undefined, unavailable: 'not tried' };
  let node22: FunctionConfig | undefined;
  const functions: FunctionConfig[] = [];
  const built: string[] = [];
  let server: RunningLamina | undefined;

  beforeAll(async () => {
    await installTestNodes([22]);
    real = { node: findInstalledNode(22), unavailable: nodeBinaryMissing(22) };
    if (real.node === undefined) console.warn(`[runtime images e2e] Node 22 tests skipped: ${real.unavailable}`);
    else {
      node22 = customRuntimeFunction('Node22Zip', join(FIXTURES, 'containers', 'node-fn'), { runtime: 'nodejs22.x', handler: 'index.handler', launch: { kind: 'node-ric', runtime: 'nodejs22.x', node: real.node.path } });
      functions.push(node22);
    }
    if (pythonMissing === undefined) functions.push(pythonFunction('Python312Zip'), pythonFunction('PythonMissing', 'nowhere.handler'));
    // As `lamina serve --sandbox container` does before serving (src/containers/serve-settings.ts).
    built.push(...(await ensureRuntimeImages(engine, functions, () => undefined)));
    if (functions.length > 0) server = await startLamina(functions, { limits: { cgroups: undefined, maxOpenFiles: undefined, containers: { engine, all: true, direct: directRuncAvailable(engine) } }, shutdownGraceMs: 1000 });
  }, 600_000);

  afterAll(async () => {
    await server?.stop();
    unmountImages(engine);
  }, 30_000);

  it('builds each runtime image once, labelled with what went in, and reuses it while nothing changed', async () => {
    if (functions.length === 0) return;
    const again = await ensureRuntimeImages(engine, functions, () => undefined);
    expect(again).toEqual([]);
    for (const tag of new Set(functions.map((fn) => `lamina/base:${fn.runtime}`))) {
      const label = spawnSync(engine.name, [...engine.globalArgs, 'image', 'inspect', '--format', `{{index .Config.Labels "${DIGEST_LABEL}"}}`, tag], { encoding: 'utf8' });
      expect(label.stdout.trim()).toMatch(/^[0-9a-f]{64}$/);
    }
    console.log(`[runtime images e2e] built this run: ${built.join(', ') || 'none (already current)'}`);
  }, 60_000);

  it('runs a nodejs22.x zip function on Node 22 (the image\'s /var/lang/bin/node), not the host\'s node', async (context) => {
    if (node22 === undefined || server === undefined || real.node === undefined) return context.skip();
    const result = await invoke(server.url, 'Node22Zip', { n: 22 });
    expect(result).toMatchObject({ error: null, body: { echo: { n: 22 }, taskRoot: '/var/task', rootWritable: false } });
    const version = runImage(engine, ['--entrypoint', '/var/lang/bin/node', 'lamina/base:nodejs22.x', '--version']);
    expect(version.stdout.trim()).toBe(`v${real.node.version}`);
    expect(process.version).not.toBe(`v${real.node.version}`);
  }, 60_000);

  it.skipIf(pythonMissing !== undefined)('runs a python3.12 zip function on the image\'s Python 3.12 with Lamina\'s Python client', async () => {
    if (server === undefined) return;
    const result = await invoke(server.url, 'Python312Zip', { n: 312 });
    expect(result.error).toBeNull();
    expect(result.body).toMatchObject({
      echo: { n: 312 },
      functionName: 'Python312Zip',
      handler: 'app.handler',
      taskRoot: '/var/task',
      executionEnv: 'AWS_Lambda_python3.12',
      python: '3.12',
      executable: '/var/lang/bin/python3.12',
      prefix: '/var/lang',
      rootWritable: false,
      pip: false,
    });
    expect(result.body.pid).toBeLessThan(20);
    const failed = await invoke(server.url, 'Python312Zip', { fail: true });
    expect(failed).toMatchObject({ error: 'Unhandled', body: { errorType: 'ValueError', errorMessage: 'asked to fail' } });
    const crash = await invoke(server.url, 'Python312Zip', { crash: true });
    expect(crash.body).toMatchObject({ errorType: 'Runtime.ExitError' });
    const missing = await invoke(server.url, 'PythonMissing', {});
    expect(missing.body).toMatchObject({ errorType: 'Runtime.ImportModuleError' });
    const log = server.output.join('');
    expect(log).toContain('[Python312Zip] event {"n": 312}');
    expect(log).toMatch(/\[Python312Zip\] REPORT RequestId: \S+\tDuration: [\d.]+ ms\tBilled Duration: \d+ ms\tMemory Size: 128 MB\tMax Memory Used: [1-9]\d* MB\tInit Duration/);
  }, 60_000);

  it.skipIf(pythonMissing !== undefined)(`runs it through '${probe.engine?.name ?? 'engine'} run' too, and the image alone says it has no emulator`, async () => {
    const viaEngine = await startLamina([pythonFunction('ViaEngine')], { limits: { cgroups: undefined, maxOpenFiles: undefined, containers: { engine, all: true, direct: false } }, shutdownGraceMs: 1000 });
    try {
      const result = await invoke(viaEngine.url, 'ViaEngine', { engine: true });
      expect(result.body).toMatchObject({ echo: { engine: true }, python: '3.12', executionEnv: 'AWS_Lambda_python3.12', rootWritable: false });
    } finally {
      await viaEngine.stop();
    }
    // Outside Lamina the entrypoint would start the emulator, which runs on node: not in this image.
    const alone = runImage(engine, ['lamina/base:python3.12', 'app.handler']);
    expect(alone.status).toBe(127);
    expect(alone.stderr).toMatch(/no node to run Lamina's emulator/);
  }, 120_000);
});
