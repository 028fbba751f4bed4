/**
 * The V8 code cache of the bundled client (issue 3, runtime-interface/package/code-cache.ts): the
 * build records one that this node accepts, the loader runs the client with it, and a node whose
 * V8 flags differ rejects it and still runs the client (the cache can only save time).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ricArtefacts } from '../../../src/cli/package-command.js';
import { RIC_LOADER } from '../../../src/platform/paths.js';

let task: string;

beforeAll(async () => {
  await ricArtefacts(); // built by `npm run build` (pretest); built here when missing
  task = mkdtempSync(join(tmpdir(), 'lamina-code-cache-test-'));
  writeFileSync(join(task, 'index.js'), 'exports.handler = async (event) => ({ doubled: event.n * 2 });\n');
  writeFileSync(join(task, 'esm.mjs'), 'export const handler = async (event) => ({ doubled: event.n * 2 });\n');
});

afterAll(() => rmSync(task, { recursive: true, force: true }));

function checkCache(nodeOptions: string[]): string {
  const run = spawnSync(process.execPath, [...nodeOptions, RIC_LOADER, '--check-code-cache'], { encoding: 'utf8' });
  expect(run.status, run.stderr).toBe(0);
  return run.stdout.trim();
}

/** One invocation through the loader against a one-shot Runtime API; resolves to the /response body. */
async function invokeThroughLoader(nodeOptions: string[], handler = 'index.handler'): Promise<string> {
  let answer: (body: string) => void = () => undefined;
  const answered = new Promise<string>((resolve) => (answer = resolve));
  let served = false;
  const server = createServer((request, response) => {
    if (request.url?.endsWith('/invocation/next') === true) {
      if (served) return; // hold the second long poll open
      served = true;
      response.writeHead(200, {
        'Lambda-Runtime-Aws-Request-Id': 'cache-1',
        'Lambda-Runtime-Deadline-Ms': String(Date.now() + 10_000),
        'Lambda-Runtime-Invoked-Function-Arn': 'arn:aws:lambda:us-east-1:000000000000:function:cache',
      });
      response.end('{"n":21}');
      return;
    }
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      response.writeHead(202).end('{"status":"OK"}');
      answer(`${request.url} ${Buffer.concat(chunks).toString()}`);
    });
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  const { port } = server.address() as AddressInfo;
  const child = spawn(process.execPath, [...nodeOptions, RIC_LOADER], {
    cwd: task,
    stdio: 'ignore',
    env: { PATH: process.env.PATH ?? '', AWS_LAMBDA_RUNTIME_API: `127.0.0.1:${port}`, _HANDLER: handler, LAMBDA_TASK_ROOT: task },
  });
  try {
    return await answered;
  } finally {
    child.kill('SIGKILL');
    server.closeAllConnections();
    server.close();
  }
}

describe('V8 code cache of the bundled client', () => {
  it('is recorded by the build and accepted by the node that built it', () => {
    expect(checkCache([])).toBe('accepted');
  });

  it('runs the handler through the loader with the cache', async () => {
    expect(await invokeThroughLoader([])).toBe('/2018-06-01/runtime/invocation/cache-1/response {"doubled":42}');
  });

  it('imports an ES module handler from the cached script (through the loader\'s import hook)', async () => {
    expect(await invokeThroughLoader([], 'esm.handler')).toBe('/2018-06-01/runtime/invocation/cache-1/response {"doubled":42}');
  });

  it('is rejected by V8 under other flags, and the client still runs from source', async () => {
    expect(checkCache(['--max-lazy'])).toBe('rejected');
    expect(await invokeThroughLoader(['--max-lazy'])).toBe('/2018-06-01/runtime/invocation/cache-1/response {"doubled":42}');
  });
});
