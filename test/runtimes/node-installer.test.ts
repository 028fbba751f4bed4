/**
 * The Node.js runtime installer against a local fake registry: newest release of a major, the
 * integrity check (a wrong one leaves nothing behind), one download for concurrent callers and
 * processes, the offline error, the host-major shortcut, prune, and the client's V8 code cache
 * recorded for a node it installs (on a real Node 22 posing as the package's bin/node).
 */
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { RIC_FILES } from '../../runtime-interface/package/build.js';
import { codeCacheFileFor } from '../../runtime-interface/package/code-cache.js';
import { PROJECT_ROOT, RIC_DIR } from '../../src/platform/paths.js';
import { ensureNode, installNode } from '../../src/runtimes/node-installer.js';
import { findInstalledNode, listInstalled, METADATA_FILE } from '../../src/runtimes/runtime-cache.js';
import { pruneRuntimes } from '../../src/runtimes/runtime-prune.js';
import { installTestNodes, nodeBinaryFor, nodeBinaryMissing } from '../helpers/node-binaries.js';
import { deadRegistryUrl, sri, buildTarball, startFakeRegistry, type FakeRegistry } from './fake-registry.js';

const HOST_MAJOR = Number(process.versions.node.split('.')[0]);
/** A major that is not the host's, so that ensureNode must install it. */
const OTHER = HOST_MAJOR === 22 ? 24 : 22;

let root: string;
let registry: FakeRegistry;

beforeEach(async () => {
  root = mkdtempSync(join(tmpdir(), 'lamina-runtimes-'));
  registry = await startFakeRegistry([{ version: `${OTHER}.1.0` }, { version: `${OTHER}.10.0` }, { version: `${OTHER}.9.3` }, { version: `${OTHER}.11.0-rc.1` }, { version: '99.0.0' }]);
});

afterEach(async () => {
  await registry.close();
  rmSync(root, { recursive: true, force: true });
});

const entries = (): string[] => readdirSync(root).sort();

await installTestNodes([22]);

describe('ensureNode with a fake registry', () => {
  it('installs the newest release of the major (numeric order, no pre-release), then uses the cache', async () => {
    const progress: number[] = [];
    const node = await ensureNode(OTHER, { root, registry: registry.url, ricDir: false, onProgress: (received) => progress.push(received) });
    expect(node).toEqual({ path: join(root, `node-v${OTHER}.10.0`, 'bin', 'node'), version: `${OTHER}.10.0`, source: 'downloaded' });
    expect(registry.downloads).toEqual([`${OTHER}.10.0`]);
    expect(progress.length).toBeGreaterThan(0);
    // Complete: metadata with the verified integrity; no work files left; the lock released.
    const meta = JSON.parse(readFileSync(join(root, `node-v${OTHER}.10.0`, METADATA_FILE), 'utf8')) as { integrity: string; version: string };
    expect(meta.version).toBe(`${OTHER}.10.0`);
    expect(meta.integrity).toMatch(/^sha512-/);
    expect(entries()).toEqual([`node-v${OTHER}.10.0`]);
    expect(findInstalledNode(OTHER, root)?.path).toBe(node.path);

    const again = await ensureNode(OTHER, { root, registry: registry.url, ricDir: false });
    expect(again).toEqual({ ...node, source: 'cache' });
    expect(registry.downloads).toHaveLength(1);
  });

  it('refuses a tarball whose sha512 is not the registry\'s integrity, and leaves nothing in the cache', async () => {
    registry.publish({ version: `${OTHER}.20.0`, integrity: sri(buildTarball('0.0.0-other')) });
    const error = await ensureNode(OTHER, { root, registry: registry.url, ricDir: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/does not match the registry's integrity/);
    expect((error as Error).message).toContain(`lamina runtimes install nodejs${OTHER}.x`);
    expect(registry.downloads).toEqual([`${OTHER}.20.0`]);
    expect(entries()).toEqual([]);
    expect(findInstalledNode(OTHER, root)).toBeUndefined();
  });

  it('refuses an integrity without a sha512 digest (sha1 only) before downloading', async () => {
    registry.publish({ version: `${OTHER}.20.0`, integrity: 'sha1-2jmj7l5rSw0yVb/vlWAYkK/YBwk=' });
    await expect(installNode(OTHER, { root, registry: registry.url, ricDir: false })).rejects.toThrow(/no sha512 digest/);
    expect(registry.downloads).toEqual([]);
    expect(entries()).toEqual([]);
  });

  it('refuses a package whose bin/node is not the version it claims', async () => {
    registry.publish({ version: `${OTHER}.20.0`, script: 'echo v1.0.0; exit 0' });
    await expect(installNode(OTHER, { root, registry: registry.url, ricDir: false })).rejects.toThrow(/bin\/node says v1\.0\.0/);
    expect(entries()).toEqual([]);
  });

  it('shares one download between concurrent callers in a process', async () => {
    // A second install in this process would wait on the lock file: it must not even do that.
    let waits = 0;
    const onWait = (): void => {
      waits += 1;
    };
    const [a, b] = await Promise.all([ensureNode(OTHER, { root, registry: registry.url, ricDir: false, onWait }), ensureNode(OTHER, { root, registry: registry.url, ricDir: false, onWait })]);
    expect(a).toEqual(b);
    expect(a.source).toBe('downloaded');
    expect(waits).toBe(0);
    expect(registry.packumentRequests()).toBe(1);
    expect(registry.downloads).toHaveLength(1);
  });

  it('shares one download between two processes (the second waits on the lock, then uses the cache)', async () => {
    const script = join(root, '..', `lamina-ensure-${process.pid}.mjs`);
    writeFileSync(
      script,
      `import { ensureNode } from ${JSON.stringify(join(PROJECT_ROOT, 'dist', 'src', 'runtimes', 'node-installer.js'))};
const [root, registry, major] = process.argv.slice(2);
const node = await ensureNode(Number(major), { root, registry, ricDir: false, onWait: () => console.log('waiting') });
console.log(JSON.stringify(node));\n`,
    );
    const start = () => {
      const child = spawn(process.execPath, [script, root, registry.url, String(OTHER)], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      const lines: Array<() => void> = [];
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        for (const notify of lines.splice(0)) notify();
      });
      const until = (text: string) => new Promise<void>((resolve) => {
        const check = () => (out.includes(text) ? resolve() : lines.push(check));
        check();
      });
      const done = new Promise<{ code: number | null; out: string }>((resolve) => child.on('close', (code) => resolve({ code, out })));
      return { until, done };
    };
    try {
      const release = registry.holdTarballs();
      const a = start();
      // A holds the lock once its tarball request reached the registry.
      while (registry.downloads.length === 0) await new Promise((r) => setTimeout(r, 20));
      const b = start();
      await b.until('waiting');
      release();
      const [ra, rb] = await Promise.all([a.done, b.done]);
      expect(ra.code).toBe(0);
      expect(rb.code).toBe(0);
      const parse = (out: string) => JSON.parse(out.trim().split('\n').pop() ?? '') as { source: string; path: string };
      expect(parse(ra.out).source).toBe('downloaded');
      expect(parse(rb.out)).toEqual({ ...parse(ra.out), source: 'cache' });
      expect(registry.downloads).toHaveLength(1);
      expect(entries()).toEqual([`node-v${OTHER}.10.0`]);
    } finally {
      rmSync(script, { force: true });
    }
  });

  it('says which command installs the runtime when offline with an empty cache', async () => {
    await expect(ensureNode(OTHER, { root, offline: true })).rejects.toThrow(new RegExp(`nodejs${OTHER}\\.x needs Node\\.js ${OTHER}.*offline.*'lamina runtimes install nodejs${OTHER}\\.x'.*--host-node`));
    const dead = await deadRegistryUrl();
    const error = await ensureNode(OTHER, { root, registry: dead }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain(`lamina runtimes install nodejs${OTHER}.x`);
    expect(entries()).toEqual([]);
  });

  it('uses the host\'s node for its own major, or any major with allowHostNode, without the registry', async () => {
    const dead = await deadRegistryUrl();
    expect(await ensureNode(HOST_MAJOR, { root, registry: dead })).toEqual({ path: process.execPath, version: process.versions.node, source: 'host' });
    expect(await ensureNode(OTHER, { root, registry: dead, allowHostNode: true })).toEqual({ path: process.execPath, version: process.versions.node, source: 'host' });
    // A host of another major: the same rule, on the pretend host's version.
    const host = { path: '/opt/node-24/bin/node', version: '24.3.0' };
    expect(await ensureNode(24, { root, registry: dead, host })).toEqual({ ...host, source: 'host' });
    expect(registry.packumentRequests()).toBe(0);
    expect(entries()).toEqual([]);
  });

  it('reports a major the registry does not have', async () => {
    await expect(installNode(42, { root, registry: registry.url, ricDir: false })).rejects.toThrow(/has no release of Node\.js 42/);
  });
});

describe('the runtime cache', () => {
  it('prunes all but the newest of each major, ignores and cleans incomplete installs; keep 0 removes all', async () => {
    registry = await (async () => {
      await registry.close();
      return startFakeRegistry([{ version: `${OTHER}.1.0` }, { version: '26.0.1' }]);
    })();
    await installNode(OTHER, { root, registry: registry.url, ricDir: false });
    await installNode(26, { root, registry: registry.url, ricDir: false });
    registry.publish({ version: `${OTHER}.2.0` });
    expect((await installNode(OTHER, { root, registry: registry.url, ricDir: false })).source).toBe('downloaded');
    // An interrupted install: no metadata, and a work directory of a process that is gone.
    mkdirSync(join(root, `node-v${OTHER}.3.0`, 'bin'), { recursive: true });
    writeFileSync(join(root, `node-v${OTHER}.3.0`, 'bin', 'node'), '');
    mkdirSync(join(root, '.partial-999999999-1.0.0'));
    writeFileSync(join(root, `.lock-node${OTHER}.999999999.tmp`), '999999999'); // a lock's work file, its writer gone
    expect(listInstalled(root).map((n) => n.version)).toEqual(['26.0.1', `${OTHER}.2.0`, `${OTHER}.1.0`]);
    expect(findInstalledNode(OTHER, root)?.version).toBe(`${OTHER}.2.0`);

    expect((await pruneRuntimes(root)).removed.map((n) => n.version)).toEqual([`${OTHER}.1.0`]);
    expect(entries()).toEqual([`node-v${OTHER}.2.0`, 'node-v26.0.1']);
    expect((await pruneRuntimes(root, 0)).removed.map((n) => n.version).sort()).toEqual([`${OTHER}.2.0`, '26.0.1']);
    expect(existsSync(root)).toBe(true);
    expect(entries()).toEqual([]);
  });
});

describe("the client's V8 code cache after an install", () => {
  it('is a warning, not a failure, when the new node cannot record one', async () => {
    const warnings: string[] = [];
    const ricDir = join(root, 'ric-none'); // no client built there
    const node = await installNode(OTHER, { root, registry: registry.url, ricDir, onWarning: (text) => warnings.push(text) });
    expect(node.source).toBe('downloaded');
    expect(findInstalledNode(OTHER, root)?.version).toBe(`${OTHER}.10.0`);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`no V8 code cache of the runtime interface client for ${node.path}`);
    expect(warnings[0]).toContain('run npm run build first');
    // Found in the cache next time: no second recording, no second warning.
    await installNode(OTHER, { root, registry: registry.url, ricDir, onWarning: (text) => warnings.push(text) });
    expect(warnings).toHaveLength(1);
  });

  const node22 = nodeBinaryFor(22);
  if (node22 === undefined) console.warn(`[node-installer] code cache on a real node skipped: ${nodeBinaryMissing(22)}`);
  it.skipIf(node22 === undefined)('is recorded for the installed node, which then accepts it', async () => {
    // The package's bin/node answers --version as published and is the real Node 22 otherwise.
    registry.publish({ version: `${OTHER}.50.0`, script: `[ "$1" = --version ] || exec ${node22} "$@"` });
    const ricDir = join(root, 'ric');
    mkdirSync(ricDir);
    for (const file of [RIC_FILES.bundle, RIC_FILES.loader]) copyFileSync(join(RIC_DIR, file), join(ricDir, file));
    const warnings: string[] = [];
    const node = await installNode(OTHER, { root, registry: registry.url, ricDir, onWarning: (text) => warnings.push(text) });
    expect(warnings).toEqual([]);
    const v8 = execFileSync(node22!, ['-p', 'process.versions.v8'], { encoding: 'utf8' }).trim();
    const cache = join(ricDir, codeCacheFileFor(v8));
    expect(statSync(cache).mode & 0o777).toBe(0o644); // readable by a function running as another user
    const check = execFileSync(node.path, [join(ricDir, RIC_FILES.loader), '--check-code-cache'], { encoding: 'utf8' }).trim();
    expect(check).toBe('accepted');
  });
});
