/**
 * The Python client's own HTTP/1.1 connection (runtime-interface/python/lamina_ric/runtime_api.py):
 * a chunked `/next` body, a `Connection: close` answer (the next request on a new connection),
 * and one connection kept for the rest.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { repoRoot } from '../harness.js';

const PYTHON = '/usr/bin/python3.11';
const BOOTSTRAP = `${repoRoot}runtime-interface/python/bootstrap.py`;
const HANDLERS = `${repoRoot}test/fixtures/python-handlers`;

function body(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    req.setEncoding('utf8').on('data', (chunk: string) => (text += chunk)).on('end', () => resolve(text));
  });
}

describe.skipIf(!existsSync(PYTHON))('python client on the wire', () => {
  let server: Server | undefined;
  let child: ReturnType<typeof spawn> | undefined;
  afterEach(() => {
    child?.kill('SIGKILL');
    server?.closeAllConnections();
    server?.close();
  });

  it('reads a chunked event, reconnects after Connection: close, and keeps one connection after that', async () => {
    const sockets = new Set<Socket>();
    const posts: string[] = [];
    let nexts = 0;
    server = createServer(async (req, res) => {
      sockets.add(req.socket);
      if (req.method === 'GET' && req.url === '/2018-06-01/runtime/invocation/next') {
        nexts += 1;
        if (nexts > 2) return; // parked: no more events
        res.writeHead(200, { 'Lambda-Runtime-Aws-Request-Id': `req-${nexts}`, 'Lambda-Runtime-Deadline-Ms': String(Date.now() + 60_000), 'Lambda-Runtime-Invoked-Function-Arn': 'arn:aws:lambda:us-east-1:000000000000:function:wire' });
        res.write('{"part":');
        res.end(`${nexts}}`); // no Content-Length: chunked
        return;
      }
      posts.push(await body(req));
      // The first answer closes the connection; the client must open a new one for its next GET.
      res.writeHead(202, nexts === 1 ? { Connection: 'close' } : {});
      res.end('{"status":"OK"}');
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    child = spawn(PYTHON, ['-u', BOOTSTRAP], {
      cwd: HANDLERS,
      stdio: 'ignore',
      env: { PATH: '/usr/bin:/bin', AWS_LAMBDA_RUNTIME_API: `127.0.0.1:${port}`, _HANDLER: 'echo.lambda_handler', LAMBDA_TASK_ROOT: HANDLERS, PYTHONDONTWRITEBYTECODE: '1' },
    });
    await expect.poll(() => posts.length, { timeout: 10_000 }).toBe(2);
    await expect.poll(() => nexts, { timeout: 10_000 }).toBe(3);
    expect(posts.map((post) => (JSON.parse(post) as { event: unknown }).event)).toEqual([{ part: 1 }, { part: 2 }]);
    // First connection: GET + POST (then closed); second: GET, POST, GET parked.
    expect(sockets.size).toBe(2);
  });
});
