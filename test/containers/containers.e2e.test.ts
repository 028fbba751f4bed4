/**
 * End to end with a real container engine (issue 6): `lamina image base`, `lamina image build` of
 * containers/Dockerfile.nodejs and Dockerfile.provided, each image invoked through the platform
 * (container sandbox) and through its own entrypoint (`podman run -p`, the bundled emulator),
 * errors as docs/errors.md words them, containers removed at retirement and after a crash.
 *
 * Needs podman (or docker) able to run containers: `.ci/run` installs podman and runc. Without
 * one, the tests print why and skip.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTemplate } from '../../src/config/sam-template.js';
import { LOCAL_BASE_IMAGE } from '../../src/containers/base-image.js';
import { OWNER_LABEL } from '../../src/containers/container-sandbox.js';
import type { ContainerEngine } from '../../src/containers/engine.js';
import { removeStaleContainers } from '../../src/containers/stale-containers.js';
import { ensureRuntimeImages } from '../../src/containers/runtime-images.js';
import { directRuncAvailable, imageRootfs, RUNC_ROOT, runcLauncher, unmountImages } from '../../src/containers/runc-direct.js';
import { detectSandboxLimits, type SandboxLimits } from '../../src/platform/sandbox-factory.js';
import { customRuntimeFunction, FIXTURES } from '../helpers/function-config.js';
import { startLamina, type RunningLamina } from '../helpers/lamina-server.js';
import { LAMINA, probeEngine } from '../helpers/container-engine.js';

const TEMPLATE = join(FIXTURES, 'containers', 'template.yaml');

const probe = probeEngine();
if (probe.reason !== undefined) console.warn(`[containers e2e] skipped: ${probe.reason}`);

function lamina(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [LAMINA, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('close', (code) => resolve({ code, output }));
  });
}

async function invoke(url: string, name: string, event: unknown): Promise<{ status: number; error: string | null; body: Record<string, unknown> }> {
  const response = await fetch(`${url}/2015-03-31/functions/${name}/invocations`, { method: 'POST', body: JSON.stringify(event) });
  return { status: response.status, error: response.headers.get('x-amz-function-error'), body: (await response.json()) as Record<string, unknown> };
}

/** This process's containers: the engine's (by label), and with `runc` runc's (by name). */
function ourContainers(engine: ContainerEngine, runc = true): string[] {
  const ps = spawnSync(engine.name, [...engine.globalArgs, 'ps', '--all', '--filter', `label=${OWNER_LABEL}=${process.pid}`, '--format', '{{.Names}}'], { encoding: 'utf8' });
  const direct = runc ? (spawnSync('runc', ['--root', RUNC_ROOT, 'list', '--quiet'], { encoding: 'utf8' }).stdout ?? '') : '';
  return [...ps.stdout.split('\n'), ...direct.split('\n').filter((id) => id.startsWith(`lamina-${process.pid}-`))].filter((line) => line !== '');
}

describe.skipIf(probe.engine === undefined)('container images, offline', () => {
  const engine = probe.engine as ContainerEngine;
  const { functions } = loadTemplate(TEMPLATE, { region: 'us-east-1', accountId: '000000000000' });
  let server: RunningLamina;

  beforeAll(async () => {
    const built = await lamina(['image', 'build', '--template', TEMPLATE, '--engine', engine.name]);
    expect(built.output).toMatch(/NodeImage -> nodeimage:test \(\d+\.\d MB/);
    expect(built.output).toMatch(/ProvidedImage -> providedimage:test \(\d+\.\d MB/);
    expect(built.code).toBe(0);
    // As `lamina serve` runs them: the platform's cgroups (when it can) around runc-started containers.
    const limits: SandboxLimits = { ...detectSandboxLimits(), containers: { engine, all: false, direct: directRuncAvailable(engine) } };
    server = await startLamina(functions, { limits, shutdownGraceMs: 1000 });
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    // vitest may end this worker without an 'exit' event: unmount the image filesystems here.
    unmountImages(engine);
  }, 30_000);

  for (const name of ['NodeImage', 'ProvidedImage']) {
    it(`${name}: runs in a container through the platform (read-only root, /var/task, handler from CMD), warm and concurrent`, async () => {
      const first = await invoke(server.url, name, { n: 1 });
      expect(first).toMatchObject({ status: 200, error: null });
      expect(first.body).toMatchObject({ echo: { n: 1 }, functionName: name, handler: 'index.handler', taskRoot: '/var/task', rootWritable: false });
      // Under full isolation, a network of its own with the Runtime API where Lambda has it.
      expect(first.body.runtimeApi).toMatch(detectSandboxLimits().isolation !== undefined ? /^127\.0\.0\.1:9001$/ : /^127\.0\.0\.1:\d+$/);
      // Its own pid namespace: the runtime is one of the first processes (pid 1 is the init).
      expect(first.body.pid).toBeLessThan(20);
      const both = await Promise.all([invoke(server.url, name, { sleepMs: 300 }), invoke(server.url, name, { sleepMs: 300 })]);
      expect(both.map((r) => r.status)).toEqual([200, 200]);
      const log = server.output.join('');
      expect(log).toMatch(new RegExp(`\\[${name}\\] REPORT RequestId: \\S+\\tDuration: [\\d.]+ ms\\tBilled Duration: \\d+ ms\\tMemory Size: \\d+ MB\\tMax Memory Used: [1-9]\\d* MB\\tInit Duration`));
      expect(log).toContain(`[${name}] `);
      expect(log).toMatch(/INFO\tevent \{"n":1\}/);
    }, 60_000);
  }

  it('reports a crash, an out-of-memory kill and a timeout as Lambda does', async () => {
    const crash = await invoke(server.url, 'NodeImage', { crash: true });
    expect(crash).toMatchObject({ error: 'Unhandled', body: { errorType: 'Runtime.ExitError' } });
    expect(String(crash.body.errorMessage)).toMatch(/Runtime exited with error: exit status 3$/);
    const oom = await invoke(server.url, 'NodeImage', { allocateMb: 400 });
    expect(oom).toMatchObject({ error: 'Unhandled', body: { errorType: 'Runtime.OutOfMemory' } });
    const timeout = await invoke(server.url, 'ProvidedImage', { sleepMs: 10_000 });
    expect(timeout).toMatchObject({ error: 'Unhandled', body: { errorType: 'Sandbox.Timedout' } });
    expect(String(timeout.body.errorMessage)).toMatch(/Task timed out after 3.00 seconds/);
    const after = await invoke(server.url, 'ProvidedImage', { n: 2 });
    expect(after).toMatchObject({ status: 200, error: null, body: { echo: { n: 2 } } });
  }, 60_000);

  it('runs a zip function in its runtime\'s base image with --sandbox container (code mounted read-only)', async () => {
    const fn = customRuntimeFunction('ZipInContainer', join(FIXTURES, 'containers', 'node-fn'), { runtime: 'nodejs20.x', handler: 'index.handler', launch: { kind: 'node-ric', runtime: 'nodejs20.x', node: process.execPath } });
    // lamina/base:nodejs20.x, built when missing as `lamina serve --sandbox container` builds it.
    await ensureRuntimeImages(engine, [fn], () => undefined);
    const zip = await startLamina([fn], { limits: { cgroups: undefined, maxOpenFiles: undefined, containers: { engine, all: true, direct: directRuncAvailable(engine) } } });
    try {
      const result = await invoke(zip.url, 'ZipInContainer', { zip: true });
      expect(result.body).toMatchObject({ echo: { zip: true }, taskRoot: '/var/task', rootWritable: false });
      expect(result.body.pid).toBeLessThan(20);
    } finally {
      await zip.stop();
    }
  }, 60_000);

  it(`starts containers with '${engine?.name ?? 'engine'} run' too (no runc or not root), same behaviour`, async () => {
    const viaEngine = await startLamina(functions, { limits: { cgroups: undefined, maxOpenFiles: undefined, containers: { engine, all: false, direct: false } }, shutdownGraceMs: 1000 });
    try {
      const result = await invoke(viaEngine.url, 'NodeImage', { engine: true });
      expect(result.body).toMatchObject({ echo: { engine: true }, taskRoot: '/var/task', rootWritable: false, inContainer: engine.name });
      // Not isolated (no limits given): the host's network, the Runtime API on a port of its loopback.
      expect(result.body.runtimeApi).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(result.body.runtimeApi).not.toBe('127.0.0.1:9001');
      const crash = await invoke(viaEngine.url, 'NodeImage', { crash: true });
      expect(crash.body).toMatchObject({ errorType: 'Runtime.ExitError', errorMessage: expect.stringMatching(/exit status 3$/) });
    } finally {
      await viaEngine.stop();
    }
    // The main server's runc containers still live; none of the engine's may.
    expect(ourContainers(engine, false)).toEqual([]);
  }, 120_000);

  it('removes every container when the environments retire', async () => {
    await server.stop();
    expect(ourContainers(engine)).toEqual([]);
  }, 30_000);

  it('removes containers left by a platform that died, and only those', async () => {
    const dead = spawnSync('sh', ['-c', 'echo $$'], { encoding: 'utf8' }).stdout.trim();
    const start = (owner: string, name: string): void => {
      const run = spawnSync(engine.name, [...engine.globalArgs, 'run', '-d', '--pull', 'never', '--name', name, '--label', `${OWNER_LABEL}=${owner}`, '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024', '--entrypoint', '/var/lang/bin/node', LOCAL_BASE_IMAGE, '-e', 'setTimeout(() => {}, 60000)'], { encoding: 'utf8' });
      expect(run.status, run.stderr).toBe(0);
    };
    start(dead, `lamina-stale-${process.pid}`);
    start(String(process.pid), `lamina-live-${process.pid}`);
    // And one started with runc directly, named after the dead platform's pid.
    const direct = directRuncAvailable(engine);
    const runcName = `lamina-${dead}-1-stale`;
    const bundle = mkdtempSync(join(tmpdir(), 'lamina-stale-'));
    if (direct) {
      const rootfs = imageRootfs(engine, LOCAL_BASE_IMAGE);
      const launcher = runcLauncher({ name: runcName, image: rootfs, args: ['/var/lang/bin/node', '-e', 'setTimeout(() => {}, 60000)'], workdir: '/', env: {}, mounts: [], memoryMb: 128, vcpus: 0.1, tmpMb: 16, maxProcesses: 64, maxOpenFiles: 64 }, bundle);
      // No pipes: a detached container would hold them open (and spawnSync waiting) for its whole life.
      const detached = spawnSync(launcher.command, [...launcher.args.slice(0, 3), '--detach', ...launcher.args.slice(3)], { cwd: bundle, stdio: 'ignore' });
      expect(detached.status).toBe(0);
    }
    try {
      expect(await removeStaleContainers(engine)).toBe(direct ? 2 : 1);
      expect(ourContainers(engine, false)).toEqual([`lamina-live-${process.pid}`]);
      const runcList = spawnSync('runc', ['--root', RUNC_ROOT, 'list', '--quiet'], { encoding: 'utf8' }).stdout ?? '';
      expect(runcList.split('\n')).not.toContain(runcName);
    } finally {
      // One at a time: podman refuses the whole list when one name is already gone.
      for (const name of [`lamina-live-${process.pid}`, `lamina-stale-${process.pid}`]) spawnSync(engine.name, [...engine.globalArgs, 'rm', '--force', '--time', '0', name]);
      if (direct) spawnSync('runc', ['--root', RUNC_ROOT, 'delete', '--force', runcName]);
      rmSync(bundle, { recursive: true, force: true });
    }
  }, 120_000);

  it('lamina image build: a Dockerfile the engine refuses is exit status 1 with its words', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lamina-bad-image-'));
    try {
      writeFileSync(join(dir, 'Dockerfile'), 'FROM lamina/base:local\nCOPY missing-file /var/task/\n');
      writeFileSync(join(dir, 'template.yaml'), 'Resources:\n  Bad:\n    Type: AWS::Serverless::Function\n    Properties:\n      PackageType: Image\n    Metadata:\n      Dockerfile: Dockerfile\n      DockerContext: .\n');
      const built = await lamina(['image', 'build', '--template', join(dir, 'template.yaml'), '--engine', engine.name]);
      expect(built.code).toBe(1);
      expect(built.output).toMatch(/lamina image build: \w+ build of Bad failed \(exit \d+\):[\s\S]*missing-file/);
      expect(built.output).not.toMatch(/    at /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  for (const image of ['nodeimage:test', 'providedimage:test']) {
    it(`${image}: its own entrypoint serves the RIE invoke path, two concurrent invokes`, async () => {
      const name = `lamina-rie-${process.pid}-${image.replace(/[^a-z]/g, '')}`;
      const run = spawnSync(engine.name, [...engine.globalArgs, 'run', '-d', '--pull', 'never', '--name', name, '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024', '-p', '127.0.0.1::8080', image], { encoding: 'utf8' });
      expect(run.status, run.stderr).toBe(0);
      try {
        const port = spawnSync(engine.name, [...engine.globalArgs, 'port', name, '8080'], { encoding: 'utf8' }).stdout.trim().split(':').pop();
        const url = `http://127.0.0.1:${port}`;
        let ready = false;
        for (let i = 0; i < 100 && !ready; i++) {
          ready = await fetch(`${url}/2015-03-31/functions/function/invocations`, { method: 'POST', body: '{"ping":1}' }).then((r) => r.ok, () => false);
          if (!ready) await new Promise((resolve) => setTimeout(resolve, 100));
        }
        expect(ready).toBe(true);
        const both = await Promise.all([invoke(url, 'function', { sleepMs: 500, i: 1 }), invoke(url, 'function', { sleepMs: 500, i: 2 })]);
        expect(both.map((r) => r.body.echo)).toEqual([{ sleepMs: 500, i: 1 }, { sleepMs: 500, i: 2 }]);
        // Two bootstrap copies answered at once (AWS's RIE would have queued them).
        expect(new Set(both.map((r) => r.body.pid)).size).toBe(2);
        expect(both[0]?.body).toMatchObject({ handler: 'index.handler', taskRoot: '/var/task', functionName: 'test_function' });
      } finally {
        spawnSync(engine.name, [...engine.globalArgs, 'rm', '--force', '--time', '0', name]);
      }
    }, 60_000);
  }
});
