/**
 * `lamina runtimes list|install|prune` as a user runs it: the real executable, a fake registry
 * (npm_config_registry) and a cache of its own (LAMINA_RUNTIMES_DIR).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/platform/paths.js';
import { startFakeRegistry, type FakeRegistry } from '../runtimes/fake-registry.js';

const LAMINA = join(PROJECT_ROOT, 'bin', 'lamina.js');

let root: string;
let registry: FakeRegistry;

beforeEach(async () => {
  root = mkdtempSync(join(tmpdir(), 'lamina-runtimes-cli-'));
  registry = await startFakeRegistry([{ version: '24.1.0' }, { version: '26.0.2' }]);
});

afterEach(async () => {
  await registry.close();
  rmSync(root, { recursive: true, force: true });
});

function lamina(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [LAMINA, 'runtimes', ...args], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: root, LAMINA_RUNTIMES_DIR: root, npm_config_registry: registry.url },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('lamina runtimes', () => {
  it('installs by runtime name or major (with a progress line), lists, updates and prunes', async () => {
    const first = await lamina('install', 'nodejs24.x', '26');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`nodejs24.x: node v24.1.0 installed at ${join(root, 'node-v24.1.0', 'bin', 'node')}`);
    expect(first.stdout).toContain('nodejs26.x: node v26.0.2 installed');
    expect(first.stderr).toMatch(/lamina: downloading node-linux-\w+@24\.1\.0: [\d.]+ \/ [\d.]+ MB \(100%\)/);
    // The fake package's node cannot run the client: no code cache for it, a warning, still installed.
    expect(first.stderr).toContain(`no V8 code cache of the runtime interface client for ${join(root, 'node-v24.1.0', 'bin', 'node')}`);

    expect((await lamina('install', '24')).stdout).toContain('nodejs24.x: node v24.1.0 already installed');
    expect(registry.downloads).toEqual(['24.1.0', '26.0.2']);

    registry.publish({ version: '24.2.0' });
    expect((await lamina('install', 'nodejs24.x')).stdout).toContain('nodejs24.x: node v24.2.0 installed');
    const list = await lamina('list');
    expect(list.stdout).toMatch(/nodejs26\.x\s+node v26\.0\.2[\s\S]*nodejs24\.x\s+node v24\.2\.0[\s\S]*nodejs24\.x\s+node v24\.1\.0[\s\S]*the host's node/);

    const prune = await lamina('prune');
    expect(prune.stdout).toContain(`removed node v24.1.0 (${join(root, 'node-v24.1.0')})`);
    expect(readdirSync(root).sort()).toEqual(['node-v24.2.0', 'node-v26.0.2']);
    expect((await lamina('prune', '--all')).stdout).toContain('2 runtime(s) removed, 0 kept');
    expect(readdirSync(root)).toEqual([]);
  });

  it('refuses what is not a Node.js runtime, and reports a registry without the major', async () => {
    const bad = await lamina('install', 'python3.12');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("'python3.12' is not a Node.js runtime Lamina installs");
    const missing = await lamina('install', 'nodejs22.x');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/cannot install nodejs22\.x from http:\/\/127\.0\.0\.1:\d+\/: .* has no release of Node\.js 22/);
    expect((await lamina('frobnicate')).stderr).toContain("unknown subcommand 'frobnicate'");
  });

  it('takes @aws-sdk/* and @smithy/* names for the AWS SDK store: refuses others and versions, reports what npm could not install, lists the store', async () => {
    for (const name of ['@aws-sdk/client-s3@3.0.0', '@types/node', '@aws-sdk/../x']) {
      const bad = await lamina('install', name);
      expect(bad.code, name).toBe(2);
      expect(bad.stderr).toContain(`'${name}' is not a package of the AWS SDK for JavaScript`);
    }
    // The fake registry has no such package: asked first (one unknown name would fail a whole npm
    // install), it is not installed, and the command says so.
    const failed = await lamina('install', '@aws-sdk/client-sts');
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/not on http:\/\/127\.0\.0\.1:\d+\/, so not installed: @aws-sdk\/client-sts/);
    expect(failed.stderr).toMatch(/cannot install @aws-sdk\/client-sts from http:\/\/127\.0\.0\.1:\d+\/: not on the registry/);
    expect((await lamina('list')).stdout).toContain(`AWS SDK for JavaScript v3 (/var/runtime/node_modules) in ${join(root, 'aws-sdk-js-v3')}: no package yet`);
    expect((await lamina('list')).stdout).toContain(`boto3 for Python functions in ${join(root, 'boto3')}: not installed`);
  });

  it('shows its usage', async () => {
    const help = await lamina('--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: lamina runtimes <list|install|prune>');
    expect(help.stdout).toContain(root);
  });
});
