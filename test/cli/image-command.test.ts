/** `lamina image`: options and failures that need no container engine, through main(). */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { findPython, PYTHON_RUNTIMES } from '../../src/config/python-runtime.js';
import { imageCommand, IMAGE_USAGE } from '../../src/cli/image-command.js';
import { assembleBaseRootfs, baseImageChanges, sharedLibraries } from '../../src/containers/base-image.js';
import { installTestNodes, nodeOrSkip } from '../helpers/node-binaries.js';

describe('lamina image', () => {
  it('shows its usage for --help and without a subcommand', async () => {
    const out: string[] = [];
    expect(await imageCommand(['--help'], (text) => out.push(text))).toBe(0);
    expect(await imageCommand([], (text) => out.push(text))).toBe(2);
    expect(out).toEqual([IMAGE_USAGE, IMAGE_USAGE]);
    expect(IMAGE_USAGE).toMatch(/^\s+build\s+Build the images of a template's PackageType: Image functions/m);
  });

  it('refuses an unknown subcommand or engine before touching any engine', async () => {
    await expect(imageCommand(['push'])).rejects.toThrow(new ConfigError("unknown subcommand 'push' (base or build)"));
    await expect(imageCommand(['base', '--engine', 'lxc'])).rejects.toThrow(/--engine must be podman or docker, got 'lxc'/);
  });

  it('refuses a --runtime that is not a Node.js or Python runtime, before touching any engine', async () => {
    await expect(imageCommand(['base', '--runtime', 'java21'])).rejects.toThrow(/--runtime \(base only\) must name a Node.js or Python runtime .*nodejs24\.x.*python3\.12.*got 'java21'/);
    await expect(imageCommand(['base', '--runtime', 'python3.9'])).rejects.toThrow(/got 'python3\.9'/);
    await expect(imageCommand(['build', '--runtime', 'nodejs22.x'])).rejects.toThrow(ConfigError);
  });

  it('refuses a python3.X this machine does not have, rather than an image named for one Python holding another', async (context) => {
    const missing = PYTHON_RUNTIMES.find((runtime) => findPython(runtime)?.warning !== undefined);
    if (missing === undefined) return context.skip();
    await expect(imageCommand(['base', '--runtime', missing])).rejects.toThrow(new RegExp(`--runtime ${missing.replace('.', '\\.')}: this machine has no ${missing.replace('.', '\\.')} .*only Python 3\\.\\d+`));
  });
});

describe('lamina image base --runtime nodejs22.x', () => {
  beforeAll(async () => {
    await installTestNodes([22]);
  }, 600_000);

  it('lays out the root filesystem with Node 22 and the libraries it links, and names the runtime', (context) => {
    const node22 = nodeOrSkip(22, context);
    if (node22 === undefined) return;
    const root = mkdtempSync(join(tmpdir(), 'lamina-base-rootfs-'));
    try {
      assembleBaseRootfs(root, { node: node22.path, runtime: 'nodejs22.x' });
      for (const library of sharedLibraries(node22.path)) expect(existsSync(join(root, library))).toBe(true);
      // As root, run it inside that root alone: the image's node is Node 22 and finds its libraries.
      const run = process.getuid?.() === 0 ? spawnSync('chroot', [root, '/var/lang/bin/node', '--version'], { encoding: 'utf8' }) : spawnSync(join(root, 'var/lang/bin/node'), ['--version'], { encoding: 'utf8' });
      expect(run.stdout.trim()).toBe(`v${node22.version}`);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
    expect(baseImageChanges('nodejs22.x')).toContain('ENV AWS_EXECUTION_ENV=AWS_Lambda_nodejs22.x');
    expect(baseImageChanges().some((change) => change.includes('AWS_EXECUTION_ENV'))).toBe(false);
  });
});
