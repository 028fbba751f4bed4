/**
 * `lamina rie` in a nodejsNN.x container (AWS_EXECUTION_ENV=AWS_Lambda_nodejsNN.x): Lamina's
 * launcher as the bootstrap finds Node NN first on PATH. Node 22 from the real cache root
 * (installed once; skipped with the reason printed when the registry cannot be reached).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installTestNodes, nodeOrSkip } from '../helpers/node-binaries.js';
import { RIC_LAUNCHER } from '../../src/platform/paths.js';
import { hostEnv, invoke, start } from './helpers.js';

const task = mkdtempSync(join(tmpdir(), 'lamina-rie-node-'));
writeFileSync(join(task, 'index.mjs'), 'export const handler = async () => ({ version: process.version, path: process.env.PATH });\n');


// The real cache root: installed once on this machine, then found there.
beforeAll(async () => {
  await installTestNodes([22]);
}, 600_000);

afterAll(() => rmSync(task, { recursive: true, force: true }));

const options = (hostNode: boolean) => ({
  bootstrap: [RIC_LAUNCHER, 'index.handler'],
  cwd: task,
  env: hostEnv({ AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x', LAMBDA_TASK_ROOT: task }),
  hostNode,
});

describe('lamina rie with AWS_EXECUTION_ENV=AWS_Lambda_nodejs22.x', () => {
  it('runs the bootstrap with Node 22 first on its PATH', async (context) => {
    const node22 = nodeOrSkip(22, context);
    if (node22 === undefined) return;
    const { rie, messages } = await start(options(false));
    try {
      const answer = (await invoke(rie.invokeUrl, {})).json<{ version: string; path: string }>();
      expect(answer.version).toBe(`v${node22.version}`);
      expect(answer.path.split(':')[0]).toBe(join(node22.path, '..'));
      expect(messages.join('')).toContain(`nodejs22.x: node v${node22.version}`);
    } finally {
      await rie.stop();
    }
  });

  it('--host-node keeps the host\'s node and warns with both versions', async () => {
    const { rie, messages } = await start(options(true));
    try {
      expect((await invoke(rie.invokeUrl, {})).json<{ version: string }>().version).toBe(process.version);
      if (!process.versions.node.startsWith('22.')) expect(messages.join('')).toContain(`--host-node: nodejs22.x functions run on this machine's node ${process.version}`);
    } finally {
      await rie.stop();
    }
  });
});
