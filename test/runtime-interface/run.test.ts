/** run(handler): a single-file bundle serving its own typed handler, no _HANDLER. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { FUNCTION_ARN, FakeRuntimeApi, handlersDir, spawnRic } from './harness.js';

const outDir = mkdtempSync(join(tmpdir(), 'lamina-run-'));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe('run()', () => {
  it('serves the handler of a single bundled file', async () => {
    const outfile = join(outDir, 'function.mjs');
    await build({ entryPoints: [`${handlersDir}/run-entry/main.ts`], bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile, logLevel: 'silent' });
    expect(readFileSync(outfile, 'utf8')).not.toMatch(/from ["']\.\.?\//); // one file, nothing imported from beside it
    const api = await FakeRuntimeApi.start();
    // No _HANDLER: the bundle is the entry point.
    const ric = spawnRic({ api, taskRoot: outDir, handler: '', entry: outfile });
    try {
      api.enqueue({ requestId: 'req-r', body: JSON.stringify({ rawPath: '/hello' }) });
      const post = await api.nextPost();
      expect(post).toMatchObject({ kind: 'response', requestId: 'req-r' });
      expect(JSON.parse(post.body)).toEqual({ statusCode: 200, body: '/hello served by ric-test' });
      await api.waitForWaitingNext(1);
      ric.child.kill('SIGKILL');
      await ric.exited;
      expect(ric.stdout()).toMatch(/\treq-r\tINFO\thandling \/hello\n/);
      expect(FUNCTION_ARN).toContain('ric-test');
    } finally {
      if (ric.child.exitCode === null && ric.child.signalCode === null) ric.child.kill('SIGKILL');
      await ric.exited;
      await api.close();
    }
  });
});
