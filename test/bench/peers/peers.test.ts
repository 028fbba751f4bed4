/**
 * The whole-emulator peers: each installs into ~/.cache/lamina-bench/peers (once: about a minute
 * for serverless@3, seconds for lambda-local), starts, and answers invokes with the right bytes;
 * "cold" gives each invoke a fresh environment. A peer that cannot be installed here (no
 * registry) is skipped with its reason printed.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { listPeers } from '../../../bench/peers/index.js';
import { installProblem, isInstalled, peerDir } from '../../../bench/peers/install-cache.js';
import { LAMBDA_LOCAL_PACKAGES, resolveHandler } from '../../../bench/peers/lambda-local.js';
import { SERVERLESS_OFFLINE_PACKAGES, serviceConfig } from '../../../bench/peers/serverless-offline.js';
import type { Peer, PeerFunction, RunningPeer } from '../../../bench/peers/types.js';

/** Counts its invokes in module state: 1 on every invoke means a fresh environment each time. */
const COUNTER_HANDLER = `let count = 0;
exports.handler = async (event) => ({ count: ++count, pid: process.pid, memory: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE, event });
`;

let dir: string;
let fn: PeerFunction;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lamina-peers-'));
  const code = join(dir, 'code');
  mkdirSync(code);
  writeFileSync(join(code, 'index.js'), COUNTER_HANDLER);
  writeFileSync(join(code, 'package.json'), '{ "type": "commonjs" }\n');
  fn = { name: 'PeerEcho', handlerDir: code, handler: 'index.handler', memoryMb: 256, timeoutSeconds: 10 };
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('resolveHandler', () => {
  it('finds the file and export, CommonJS or ES module, as the Node runtime does', () => {
    const code = join(dir, 'resolve');
    mkdirSync(join(code, 'esm'), { recursive: true });
    writeFileSync(join(code, 'app.js'), 'exports.main = async () => 1;\n');
    writeFileSync(join(code, 'lib.mjs'), 'export const go = async () => 1;\n');
    writeFileSync(join(code, 'esm', 'package.json'), '{ "type": "module" }\n');
    writeFileSync(join(code, 'esm', 'index.js'), 'export const handler = async () => 1;\n');
    expect(resolveHandler(code, 'app.main')).toMatchObject({ file: join(code, 'app.js'), exportName: 'main' });
    expect(resolveHandler(code, 'lib.go')).toEqual({ file: join(code, 'lib.mjs'), exportName: 'go', esm: true });
    expect(resolveHandler(code, 'esm/index.handler')).toEqual({ file: join(code, 'esm', 'index.js'), exportName: 'handler', esm: true });
    expect(() => resolveHandler(code, 'missing.handler')).toThrow(/no .*missing\.js, \.mjs or \.cjs/);
    expect(() => resolveHandler(code, 'handler')).toThrow(/file\.export/);
  });
});

describe('install cache', () => {
  it('gives the reason npm failed when a peer cannot be installed, and marks nothing installed', async () => {
    // A local file: spec that does not exist: npm fails without asking the registry.
    const broken = { key: `lamina-test-broken@${process.pid}`, packages: [`file:${join(dir, 'no-such-package')}`] };
    try {
      const reason = await installProblem(broken);
      expect(reason).toMatch(/^cannot install file:.*no-such-package: npm install failed \(exit \d+\): npm error code ENOENT/);
      expect(isInstalled(broken)).toBe(false);
    } finally {
      rmSync(peerDir(broken), { recursive: true, force: true });
    }
  });
});

describe('serverless-offline service', () => {
  it('names the one function exactly, with its memory, timeout and linked code folder', () => {
    const config = parse(serviceConfig(fn)) as { provider: Record<string, unknown>; plugins: string[]; functions: Record<string, { name: string; handler: string }> };
    expect(config.plugins).toEqual(['serverless-offline']);
    expect(config.provider).toMatchObject({ runtime: 'nodejs20.x', memorySize: 256, timeout: 10 });
    expect(config.functions.PeerEcho).toEqual({ name: 'PeerEcho', handler: 'code/index.handler' });
  });
});

interface Counted {
  count: number;
  pid: number;
  memory: string;
  event: unknown;
}

async function call(running: RunningPeer, event: unknown): Promise<Counted> {
  const answer = await running.invoke(Buffer.from(JSON.stringify(event)));
  expect(answer.status).toBe(200);
  return JSON.parse(Buffer.from(answer.body).toString('utf8')) as Counted;
}

/**
 * What each peer's environments are, as its adapter documents them: serverless-offline keeps a
 * worker thread per environment (module state survives warm invokes; cold ones get new threads
 * of the same process); lambda-local re-requires the handler file on every invoke (module state
 * never survives) and, cold, runs each invoke in a new process.
 */
const BEHAVIOUR = new Map([
  [SERVERLESS_OFFLINE_PACKAGES.key, { packages: SERVERLESS_OFFLINE_PACKAGES, warmCounts: [1, 2], processPerColdInvoke: false }],
  [LAMBDA_LOCAL_PACKAGES.key, { packages: LAMBDA_LOCAL_PACKAGES, warmCounts: [1, 1], processPerColdInvoke: true }],
]);

describe.each(listPeers().map((peer) => [peer.name, peer] as [string, Peer]))('peer %s', (name, peer) => {
  let reason: string | undefined;

  beforeAll(async () => {
    const packages = BEHAVIOUR.get(name)?.packages;
    if (packages !== undefined && !isInstalled(packages)) console.warn(`[peers] installing ${packages.packages.join(' ')} into the cache first (once; can take a minute)`);
    reason = await peer.available();
    if (reason !== undefined) console.warn(`[peers] ${name} is not tested: ${reason}`);
  }, 600_000);

  it('answers invokes with the right bytes from one long-running process when warm', async ({ skip }) => {
    if (reason !== undefined) skip();
    const running = await peer.start(fn, { cold: false });
    try {
      expect(running.name).toBe(name);
      const first = await call(running, { hello: 'world' });
      const second = await call(running, [1, 'two']);
      expect(first.event).toEqual({ hello: 'world' });
      expect(second.event).toEqual([1, 'two']);
      expect(second.pid).toBe(first.pid);
      expect([first.count, second.count]).toEqual(BEHAVIOUR.get(name)?.warmCounts);
      expect(first.memory).toBe('256');
      // 64 KB through the echo: the exact bytes come back.
      const payload = Buffer.from(JSON.stringify({ blob: 'y'.repeat(65_536) }));
      const big = await running.invoke(payload);
      expect(big.status).toBe(200);
      const text = Buffer.from(big.body).toString('utf8');
      const { count, pid } = JSON.parse(text) as Counted;
      expect(text).toBe(JSON.stringify({ count, pid, memory: '256', event: { blob: 'y'.repeat(65_536) } }));
    } finally {
      await running.stop();
    }
  }, 120_000);

  it('gives every invoke a fresh environment when cold', async ({ skip }) => {
    if (reason !== undefined) skip();
    const running = await peer.start(fn, { cold: true });
    try {
      const answers = [await call(running, { n: 1 }), await call(running, { n: 2 }), await call(running, { n: 3 })];
      expect(answers.map((a) => a.count)).toEqual([1, 1, 1]);
      expect(answers.map((a) => a.event)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
      const pids = new Set(answers.map((a) => a.pid)).size;
      expect(pids).toBe(BEHAVIOUR.get(name)?.processPerColdInvoke === true ? 3 : 1);
    } finally {
      await running.stop();
    }
  }, 120_000);
});
