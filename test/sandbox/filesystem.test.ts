/**
 * Lambda's filesystem per environment (root only): code read-only at /var/task, a private tmpfs
 * /tmp sized by EphemeralStorage, invisible to other environments. Skipped, with the reason
 * printed, where mount namespaces are not available.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InvokeOutcome } from '../../src/platform/invoke-types.js';
import { Platform } from '../../src/platform/platform.js';
import { detectFilesystemIsolation } from '../../src/platform/sandbox-factory.js';
import { bootstrapFunction } from '../helpers/function-config.js';
import { invokeRequest } from '../helpers/invoke-request.js';

const isolation = detectFilesystemIsolation();
if (!isolation.available) console.warn(`skipping filesystem isolation tests: ${isolation.summary}`);

function json(outcome: InvokeOutcome): Record<string, unknown> {
  if (outcome.result.kind !== 'response') throw new Error(`expected a response, got ${outcome.result.kind}`);
  return JSON.parse(outcome.result.payload.toString()) as Record<string, unknown>;
}

describe.skipIf(!isolation.available)('private filesystem per environment', () => {
  let platform: Platform;
  beforeAll(() => {
    platform = new Platform({
      functions: [bootstrapFunction('fs', { ephemeralStorageMb: 16, timeout: 20 })],
      shutdownGraceMs: 100,
      limits: { cgroups: undefined, maxOpenFiles: undefined, filesystem: true },
    });
  });
  afterAll(() => platform.stop());

  it('runs the code from a read-only /var/task', async () => {
    const out = json(await platform.invoke(invokeRequest('fs', { fs: { task: true } })));
    expect(out).toMatchObject({ cwd: '/var/task', root: '/var/task', bootstrap: true, task: 'EROFS' });
  });

  it('gives /tmp the EphemeralStorage size: writes past it fail with ENOSPC', async () => {
    expect(json(await platform.invoke(invokeRequest('fs', { fs: { write: 'small', mb: 4 } }))).write).toBe('ok');
    expect(json(await platform.invoke(invokeRequest('fs', { fs: { write: 'huge', mb: 32 } }))).write).toBe('ENOSPC');
  });

  it('shows the layers read-only at /opt, later layers winning', async () => {
    const [first, second] = [mkdtempSync(join(tmpdir(), 'lamina-layer1-')), mkdtempSync(join(tmpdir(), 'lamina-layer2-'))];
    writeFileSync(join(first, 'shared.txt'), 'from layer 1');
    writeFileSync(join(first, 'only-first.txt'), 'first');
    writeFileSync(join(second, 'shared.txt'), 'from layer 2');
    const layered = new Platform({
      functions: [bootstrapFunction('layered', { layers: [first, second] }), bootstrapFunction('one', { layers: [first] })],
      shutdownGraceMs: 100,
      limits: { cgroups: undefined, maxOpenFiles: undefined, filesystem: true },
    });
    try {
      expect(json(await layered.invoke(invokeRequest('layered', { fs: { opt: 'shared.txt' } }))).opt).toBe('from layer 2');
      expect(json(await layered.invoke(invokeRequest('layered', { fs: { opt: 'only-first.txt' } }))).opt).toBe('first');
      expect(json(await layered.invoke(invokeRequest('one', { fs: { opt: 'shared.txt' } }))).opt).toBe('from layer 1');
    } finally {
      await layered.stop();
    }
  });

  it('keeps /tmp private to one environment', async () => {
    // Two concurrent invocations need two environments; each writes its own file.
    const [a, b] = await Promise.all([
      platform.invoke(invokeRequest('fs', { fs: { write: 'mine-a' }, sleepMs: 300 })),
      platform.invoke(invokeRequest('fs', { fs: { write: 'mine-b' }, sleepMs: 300 })),
    ]);
    expect(json(a).write).toBe('ok');
    expect(json(b).write).toBe('ok');
    expect(platform.pool('fs')?.size).toBeGreaterThanOrEqual(2);
    // Warm environments: one of them sees only its own file.
    const seen = json(await platform.invoke(invokeRequest('fs', { fs: { read: 'mine-a' } }))).read;
    const other = json(await platform.invoke(invokeRequest('fs', { fs: { read: 'mine-b' } }))).read;
    expect(seen === true && other === true).toBe(false);
  });
});
