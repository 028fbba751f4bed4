/**
 * Which files of an image's /opt/extensions are external extensions, read from its root filesystem
 * on the host (runc directly), and how the container's command line starts them first.
 */
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { containerExtensions, extensionsInRootfs, withContainerExtensions } from '../../src/containers/image-extensions.js';
import type { ContainerEngine } from '../../src/containers/engine.js';

function rootfs(): { root: string; dir: string } {
  const root = mkdtempSync(join(tmpdir(), 'lamina-rootfs-'));
  const dir = join(root, 'opt', 'extensions');
  mkdirSync(dir, { recursive: true });
  return { root, dir };
}

/** An engine that cannot run: any listing container would fail the test loudly. */
const NO_ENGINE: ContainerEngine = { name: 'podman', globalArgs: ['--no-such-global-flag'], cgroupVersion: 'v2', summary: 'test' };

describe('extensionsInRootfs', () => {
  it('keeps executable regular files and symlinks (resolved inside the image), sorted', () => {
    const { root, dir } = rootfs();
    writeFileSync(join(dir, 'zeta'), '#!/bin/sh\n', { mode: 0o755 });
    writeFileSync(join(dir, 'alpha'), '#!/bin/sh\n', { mode: 0o700 });
    writeFileSync(join(dir, 'README.md'), 'docs', { mode: 0o644 });
    mkdirSync(join(dir, 'subdir'), { mode: 0o755 });
    // Absolute: it points into the image, not at the host's file of that name.
    symlinkSync('/usr/local/bin/agent', join(dir, 'linked'));
    expect(extensionsInRootfs(root)).toEqual(['alpha', 'linked', 'zeta']);
  });

  it('finds none when the image has no /opt/extensions', () => {
    expect(extensionsInRootfs(mkdtempSync(join(tmpdir(), 'lamina-rootfs-')))).toEqual([]);
  });

  it('leaves out names the wrapper and the register check cannot carry', () => {
    const { root, dir } = rootfs();
    writeFileSync(join(dir, 'line\nbreak'), '#!/bin/sh\n', { mode: 0o755 });
    writeFileSync(join(dir, 'tab\there'), '#!/bin/sh\n', { mode: 0o755 });
    writeFileSync(join(dir, 'with space'), '#!/bin/sh\n', { mode: 0o755 });
    expect(extensionsInRootfs(root)).toEqual(['with space']);
  });
});

describe('containerExtensions', () => {
  it("takes a zip function's layer from the host and never lists Lamina's own base images", () => {
    const layer = mkdtempSync(join(tmpdir(), 'lamina-layer-'));
    mkdirSync(join(layer, 'extensions'));
    writeFileSync(join(layer, 'extensions', 'otel'), '#!/bin/sh\n', { mode: 0o755 });
    writeFileSync(join(layer, 'extensions', 'notes'), 'x', { mode: 0o644 });
    expect(containerExtensions({ engine: NO_ENGINE, image: 'lamina/base:nodejs20.x', layer, ownBaseImage: true })).toEqual(['otel']);
    expect(containerExtensions({ engine: NO_ENGINE, image: 'lamina/base:nodejs20.x', ownBaseImage: true })).toEqual([]);
  });

  it('reads a mounted root filesystem rather than starting a container', () => {
    const { root, dir } = rootfs();
    writeFileSync(join(dir, 'agent'), '#!/bin/sh\n', { mode: 0o755 });
    expect(containerExtensions({ engine: NO_ENGINE, image: 'fn:latest', rootfs: root, ownBaseImage: false })).toEqual(['agent']);
  });
});

describe('withContainerExtensions', () => {
  it('leaves the command alone without extensions', () => {
    expect(withContainerExtensions(['/lambda-entrypoint.sh', 'app.handler'], [], 'tag')).toEqual(['/lambda-entrypoint.sh', 'app.handler']);
  });

  it('puts the sh wrapper first: the tag, the count, each /opt/extensions path, then the runtime and its arguments', () => {
    const argv = withContainerExtensions(['/lambda-entrypoint.sh', 'app.handler'], ['a', 'with space'], 'secret');
    expect(argv[0]).toBe('/bin/sh');
    expect(argv[1]).toBe('-c');
    expect(argv.slice(3)).toEqual(['lamina-extensions', 'secret', '2', '/opt/extensions/a', '/opt/extensions/with space', '/lambda-entrypoint.sh', 'app.handler']);
  });
});
