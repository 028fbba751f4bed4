/**
 * `pruneRuntimes` (src/runtimes/runtime-prune.ts): it waits for an install of the major to finish,
 * and keeps a version that a live process runs on, even with keep 0.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireLock } from '../../src/runtimes/install-lock.js';
import { installNode } from '../../src/runtimes/node-installer.js';
import { processesRunning, pruneRuntimes } from '../../src/runtimes/runtime-prune.js';
import { startFakeRegistry, type FakeRegistry } from './fake-registry.js';

const MAJOR = 31;
let root: string;
let registry: FakeRegistry;
let running: ChildProcess | undefined;

beforeEach(async () => {
  root = mkdtempSync(join(tmpdir(), 'lamina-prune-'));
  registry = await startFakeRegistry([{ version: `${MAJOR}.1.0` }]);
  await installNode(MAJOR, { root, registry: registry.url, ricDir: false });
  registry.publish({ version: `${MAJOR}.2.0` });
  await installNode(MAJOR, { root, registry: registry.url, ricDir: false });
});

afterEach(async () => {
  running?.kill('SIGKILL');
  running = undefined;
  await registry.close();
  rmSync(root, { recursive: true, force: true });
});

const versions = (): string[] => readdirSync(root).filter((name) => name.startsWith('node-v')).sort();

/**
 * Make `node-v<version>/bin/node` a real executable (a copy of sleep(1)) and run it, as a server
 * running on that interpreter would.
 */
async function runOn(version: string): Promise<ChildProcess> {
  const binary = join(root, `node-v${version}`, 'bin', 'node');
  copyFileSync('/bin/sleep', binary);
  const child = spawn(binary, ['300'], { stdio: 'ignore' });
  await new Promise<void>((started, failed) => {
    child.once('spawn', started);
    child.once('error', failed);
  });
  return child;
}

describe('pruneRuntimes', () => {
  it('waits while an install of the major holds its lock, then removes the old version', async () => {
    const install = await acquireLock(root, `node${MAJOR}`);
    const waitedOn: string[] = [];
    const prune = pruneRuntimes(root, 1, {
      onWait: (major, holder) => {
        // Nothing is removed while the install runs.
        waitedOn.push(`${major}:${holder}:${versions().join(',')}`);
        install.release();
      },
    });
    const { removed, inUse } = await prune;
    expect(waitedOn).toEqual([`${MAJOR}:${process.pid}:node-v${MAJOR}.1.0,node-v${MAJOR}.2.0`]);
    expect(removed.map((node) => node.version)).toEqual([`${MAJOR}.1.0`]);
    expect(inUse).toEqual([]);
    expect(versions()).toEqual([`node-v${MAJOR}.2.0`]);
    expect(existsSync(join(root, `.lock-node${MAJOR}`))).toBe(false);
  });

  it('keeps a version a live process runs on, and removes it once that process is gone', async () => {
    running = await runOn(`${MAJOR}.1.0`);
    const first = await pruneRuntimes(root, 1);
    expect(first.removed).toEqual([]);
    expect(first.inUse.map(({ node, pids }) => `${node.version}:${pids.join(',')}`)).toEqual([`${MAJOR}.1.0:${running.pid}`]);
    expect(versions()).toEqual([`node-v${MAJOR}.1.0`, `node-v${MAJOR}.2.0`]);

    const exited = new Promise((done) => running?.once('exit', done));
    running.kill('SIGKILL');
    await exited;
    running = undefined;
    expect((await pruneRuntimes(root, 1)).removed.map((node) => node.version)).toEqual([`${MAJOR}.1.0`]);
  });

  it('keeps the running newest version even when told to remove everything', async () => {
    running = await runOn(`${MAJOR}.2.0`);
    const { removed, inUse } = await pruneRuntimes(root, 0);
    expect(removed.map((node) => node.version)).toEqual([`${MAJOR}.1.0`]);
    expect(inUse.map(({ node }) => node.version)).toEqual([`${MAJOR}.2.0`]);
    expect(versions()).toEqual([`node-v${MAJOR}.2.0`]);
  });
});

describe('processesRunning', () => {
  it('sees nothing without a process table, and nothing for paths no process runs', () => {
    expect(processesRunning([process.execPath], join(root, 'no-proc')).size).toBe(0);
    expect(processesRunning([join(root, 'node-v1.0.0', 'bin', 'node')]).size).toBe(0);
    expect(processesRunning([process.execPath]).get(process.execPath)).toContain(process.pid);
  });
});
