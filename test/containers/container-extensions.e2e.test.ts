/**
 * External extensions of a container image (docs/extensions.md, docs/containers.md): an image
 * built FROM lamina/base:local whose /opt/extensions holds an sh extension (it execs a small Node
 * agent of the image) and a file that is not executable. Through the platform (runc directly and
 * `podman run`; full isolation when the machine has it) and through the image's own entrypoint
 * (`podman run -p`, `lamina rie` bundled as aws-lambda-rie), the extension starts before the
 * runtime, registers for INVOKE and SHUTDOWN, subscribes to the Telemetry API with a listener on
 * sandbox.localdomain inside the container, and logs the INVOKE, the telemetry and the SHUTDOWN
 * it gets. A name that is not a file of /opt/extensions is internal: SHUTDOWN is refused to it.
 *
 * Needs podman able to run containers; without it the tests print why and skip.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTemplate } from '../../src/config/sam-template.js';
import { LOCAL_BASE_IMAGE } from '../../src/containers/base-image.js';
import type { ContainerEngine } from '../../src/containers/engine.js';
import { directRuncAvailable, unmountImages } from '../../src/containers/runc-direct.js';
import { detectSandboxLimits } from '../../src/platform/sandbox-factory.js';
import { freePort } from '../../bench/peers/peer-process.js';
import { probeEngine } from '../helpers/container-engine.js';
import { customRuntimeFunction, FIXTURES } from '../helpers/function-config.js';
import { ensureRuntimeImages } from '../../src/containers/runtime-images.js';
import { startLamina, type RunningLamina } from '../helpers/lamina-server.js';

const IMAGE = 'localhost/lamina-ext-probe:test';
const TELEMETRY_PORT = 4243;

const probe = probeEngine();
if (probe.reason !== undefined) console.warn(`[container extensions e2e] skipped: ${probe.reason}`);

/** The extension proper: sh, as /opt/extensions/probe; its agent is the image's node. */
const SH_EXTENSION = '#!/bin/sh\nexec /var/lang/bin/node /opt/lib/probe.cjs "${0##*/}"\n';

const AGENT = `
const http = require('node:http');
const name = process.argv[2];
const api = 'http://' + process.env.AWS_LAMBDA_RUNTIME_API;
const log = (text) => console.log('[' + name + '] ' + text);
(async () => {
  const internal = await fetch(api + '/2020-01-01/extension/register', { method: 'POST', headers: { 'Lambda-Extension-Name': 'not-a-file' }, body: JSON.stringify({ events: ['SHUTDOWN'] }) });
  log('internal SHUTDOWN ' + internal.status + ' ' + (await internal.json()).errorType);
  const registered = await fetch(api + '/2020-01-01/extension/register', { method: 'POST', headers: { 'Lambda-Extension-Name': name }, body: JSON.stringify({ events: ['INVOKE', 'SHUTDOWN'] }) });
  const id = registered.headers.get('lambda-extension-identifier');
  log('registered ' + registered.status);
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      for (const item of JSON.parse(body)) log('telemetry ' + item.type);
      res.end();
    });
  });
  await new Promise((resolve) => server.listen(${TELEMETRY_PORT}, '0.0.0.0', resolve));
  const subscribed = await fetch(api + '/2022-07-01/telemetry', {
    method: 'PUT',
    headers: { 'Lambda-Extension-Identifier': id },
    body: JSON.stringify({ schemaVersion: '2022-12-13', destination: { protocol: 'HTTP', URI: 'http://sandbox.localdomain:${TELEMETRY_PORT}' }, types: ['platform'], buffering: { timeoutMs: 25 } }),
  });
  log('subscribed ' + subscribed.status + ' ' + (await subscribed.text()));
  for (;;) {
    const event = await (await fetch(api + '/2020-01-01/extension/event/next', { headers: { 'Lambda-Extension-Identifier': id } })).json();
    log('got ' + event.eventType + ' ' + (event.requestId ?? event.shutdownReason));
    if (event.eventType === 'SHUTDOWN') return setTimeout(() => process.exit(0), 50);
  }
})();
`;

function buildImage(engine: ContainerEngine): void {
  const context = mkdtempSync(join(tmpdir(), 'lamina-ext-image-'));
  copyFileSync(join(FIXTURES, 'containers', 'node-fn', 'index.mjs'), join(context, 'index.mjs'));
  mkdirSync(join(context, 'extensions'));
  writeFileSync(join(context, 'extensions', 'probe'), SH_EXTENSION, { mode: 0o755 });
  writeFileSync(join(context, 'extensions', 'README'), 'not executable: not an extension\n', { mode: 0o644 });
  writeFileSync(join(context, 'probe.cjs'), AGENT);
  writeFileSync(
    join(context, 'Containerfile'),
    [`FROM ${LOCAL_BASE_IMAGE}`, 'COPY index.mjs /var/task/', 'COPY probe.cjs /opt/lib/', 'COPY extensions/ /opt/extensions/', 'CMD ["index.handler"]', ''].join('\n'),
  );
  const built = spawnSync(engine.name, [...engine.globalArgs, 'build', '--pull=never', '-t', IMAGE, '-f', join(context, 'Containerfile'), context], { encoding: 'utf8' });
  rmSync(context, { recursive: true, force: true });
  if (built.status !== 0) throw new Error(`building ${IMAGE} failed:\n${built.stderr}`);
}

function imageFunctions() {
  const dir = mkdtempSync(join(tmpdir(), 'lamina-ext-template-'));
  const template = join(dir, 'template.yaml');
  writeFileSync(
    template,
    `AWSTemplateFormatVersion: '2010-09-09'\nTransform: AWS::Serverless-2016-10-31\nResources:\n  ExtImage:\n    Type: AWS::Serverless::Function\n    Properties:\n      PackageType: Image\n      ImageUri: ${IMAGE}\n      MemorySize: 256\n      Timeout: 10\n`,
  );
  return loadTemplate(template, { region: 'us-east-1', accountId: '000000000000' }).functions;
}

/** What every run of the image must show: the extension's whole life, as its log says it. */
async function expectExtensionLife(log: () => string, requestId: string): Promise<void> {
  expect(log()).toContain('[probe] internal SHUTDOWN 403 Extension.InvalidEventType');
  expect(log()).toContain('[probe] registered 200');
  expect(log()).not.toContain('[README]');
  // Init waited for it: registered and subscribed before the runtime's first invocation.
  expect(log()).toMatch(/\[probe\] subscribed 200 [\s\S]*START RequestId/);
  expect(log()).toMatch(/^(\[ExtImage\] )?EXTENSION\tName: probe\tState: Ready\tEvents: \[INVOKE,\s?SHUTDOWN\]/m);
  await expect.poll(log, { timeout: 5000 }).toContain(`[probe] got INVOKE ${requestId}`);
  // Delivered to a listener inside the container (its own network namespace under isolation).
  await expect.poll(log, { timeout: 5000 }).toContain('[probe] telemetry platform.start');
  await expect.poll(log, { timeout: 5000 }).toContain('[probe] telemetry platform.runtimeDone');
}

/** One invoke of ExtImage, the extension's life in the log, then SHUTDOWN when the platform stops. */
async function invokeAndStop(lamina: RunningLamina, n: number): Promise<void> {
  try {
    const response = await fetch(`${lamina.url}/2015-03-31/functions/ExtImage/invocations`, { method: 'POST', body: JSON.stringify({ n }) });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ echo: { n } });
    await expectExtensionLife(() => lamina.output.join(''), response.headers.get('x-amzn-requestid') ?? '');
  } finally {
    await lamina.stop();
  }
  await expect.poll(() => lamina.output.join(''), { timeout: 5000 }).toContain('[probe] got SHUTDOWN spindown');
}

describe.skipIf(probe.engine === undefined)('container images: external extensions of /opt/extensions', () => {
  const engine = probe.engine as ContainerEngine;
  const limits = detectSandboxLimits();
  beforeAll(() => buildImage(engine), 120_000);
  afterAll(() => unmountImages(engine), 30_000);

  const modes = directRuncAvailable(engine) ? [true, false] : [false];
  for (const direct of modes) {
    it(`through the platform (${direct ? 'runc directly' : 'podman run'}${limits.isolation !== undefined ? ', a private network' : ''}): started before the runtime, INVOKE, telemetry, SHUTDOWN`, async () => {
      await invokeAndStop(await startLamina(imageFunctions(), { limits: { ...limits, containers: { engine, all: false, direct } }, shutdownGraceMs: 1000 }), 1);
    }, 60_000);
  }

  it('a zip function under --sandbox container: its layer\'s extensions, from /opt/extensions in the container', async () => {
    const code = mkdtempSync(join(tmpdir(), 'lamina-ext-code-'));
    copyFileSync(join(FIXTURES, 'containers', 'node-fn', 'index.mjs'), join(code, 'index.mjs'));
    const layer = mkdtempSync(join(tmpdir(), 'lamina-ext-layer-'));
    mkdirSync(join(layer, 'extensions'));
    mkdirSync(join(layer, 'lib'));
    writeFileSync(join(layer, 'extensions', 'probe'), SH_EXTENSION, { mode: 0o755 });
    writeFileSync(join(layer, 'extensions', 'README'), 'not an extension\n', { mode: 0o644 });
    writeFileSync(join(layer, 'lib', 'probe.cjs'), AGENT);
    const fn = customRuntimeFunction('ExtImage', code, {
      runtime: 'nodejs20.x',
      handler: 'index.handler',
      launch: { kind: 'node-ric', runtime: 'nodejs20.x', node: process.execPath },
      timeout: 10,
      memorySize: 256,
      layers: [layer],
    });
    await ensureRuntimeImages(engine, [fn], () => undefined);
    await invokeAndStop(await startLamina([fn], { limits: { ...limits, containers: { engine, all: true, direct: modes[0] === true } }, shutdownGraceMs: 1000 }), 3);
  }, 60_000);

  it('through the image\'s own entrypoint (lamina rie as aws-lambda-rie): the same, SHUTDOWN at `podman stop`', async () => {
    const port = await freePort();
    const name = `lamina-ext-rie-${process.pid}`;
    const args = [...engine.globalArgs, 'run', '--rm', '--pull', 'never', '--name', name, '-p', `127.0.0.1:${port}:8080`, '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024', IMAGE];
    const child: ChildProcess = spawn(engine.name, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
    try {
      await expect.poll(() => output, { timeout: 20_000 }).toContain('listening on');
      // The emulator bundle starts without trying to bundle itself again (src/containers/build-rie-bundle.ts).
      expect(output).not.toContain('not bundled');
      expect(output).toContain('external extensions in /opt/extensions, started before the runtime: probe');
      const response = await fetch(`http://127.0.0.1:${port}/2015-03-31/functions/function/invocations`, { method: 'POST', body: '{"n":2}' });
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ echo: { n: 2 } });
      await expectExtensionLife(() => output, response.headers.get('x-amzn-requestid') ?? '');
      spawnSync(engine.name, [...engine.globalArgs, 'stop', '--time', '10', name]);
      await exited;
      expect(output).toContain('[probe] got SHUTDOWN spindown');
    } finally {
      spawnSync(engine.name, [...engine.globalArgs, 'rm', '--force', name], { stdio: 'ignore' });
    }
  }, 60_000);
});
