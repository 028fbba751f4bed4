/** Which base image a zip function runs in under --sandbox container, and when it must be rebuilt (no engine needed). */
import { copyFileSync, mkdtempSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { baseImageDigest, runtimeBaseImage, zipFunctionImage } from '../../src/containers/runtime-images.js';
import { customRuntimeFunction, FIXTURES } from '../helpers/function-config.js';

describe('zipFunctionImage', () => {
  it('puts Lamina\'s clients in their runtime\'s image and a provided bootstrap in lamina/base:local', () => {
    const node = customRuntimeFunction('N', FIXTURES, { runtime: 'nodejs22.x', launch: { kind: 'node-ric', runtime: 'nodejs22.x', node: '/cache/node-v22.1.0/bin/node' } });
    expect(zipFunctionImage(node)).toEqual({ tag: 'lamina/base:nodejs22.x', sources: { node: '/cache/node-v22.1.0/bin/node', runtime: 'nodejs22.x' } });
    const python = customRuntimeFunction('P', FIXTURES, { runtime: 'python3.12', launch: { kind: 'python-ric', runtime: 'python3.12', python: '/usr/bin/python3.12' } });
    expect(zipFunctionImage(python)).toEqual({ tag: runtimeBaseImage('python3.12'), sources: { python: '/usr/bin/python3.12', runtime: 'python3.12' } });
    expect(zipFunctionImage(customRuntimeFunction('B', FIXTURES))).toEqual({ tag: 'lamina/base:local' });
    // Not installed yet (lamina serve installs it first): nothing to build from.
    const pending = customRuntimeFunction('Q', FIXTURES, { runtime: 'nodejs24.x', launch: { kind: 'node-ric', runtime: 'nodejs24.x', node: '' } });
    expect(zipFunctionImage(pending).sources).toBeUndefined();
  });
});

describe('baseImageDigest', () => {
  it('is stable for the same interpreter and changes with its file, its kind or the runtime named', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lamina-digest-'));
    try {
      const copy = join(dir, 'node');
      copyFileSync(process.execPath, copy);
      const first = baseImageDigest({ node: copy, runtime: 'nodejs22.x' });
      expect(baseImageDigest({ node: copy, runtime: 'nodejs22.x' })).toBe(first);
      expect(first).toMatch(/^[0-9a-f]{64}$/);
      expect(baseImageDigest({ node: copy, runtime: 'nodejs24.x' })).not.toBe(first);
      // A newer binary at the same path (an upgrade in place): a new modification time.
      utimesSync(copy, new Date(), new Date(Date.now() + 60_000));
      expect(baseImageDigest({ node: copy, runtime: 'nodejs22.x' })).not.toBe(first);
      expect(baseImageDigest({ node: process.execPath, runtime: 'nodejs22.x' })).not.toBe(first);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
