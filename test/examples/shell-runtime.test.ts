/**
 * Runs examples/shell-runtime/bootstrap (a custom runtime in POSIX sh) for real against a tiny
 * fake Runtime API, and checks what it posts back.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const BOOTSTRAP = resolve('examples/shell-runtime/bootstrap');
const PREFIX = '/2018-06-01/runtime/invocation';

interface FakeEvent {
  readonly id: string;
  readonly body: string;
  /** Header name to send the request id under (header names are case-insensitive). */
  readonly idHeader: string;
}

interface Posted {
  readonly path: string;
  readonly contentType: string | undefined;
  readonly body: string;
}

/** A Runtime API that hands out `events` in order, then holds the next `/next` open forever. */
class FakeRuntimeApi {
  readonly posted: Posted[] = [];
  nextCalls = 0;
  private readonly server: Server;
  private readonly waiters: Array<() => void> = [];

  constructor(private readonly events: FakeEvent[], private readonly nextStatus = 200) {
    this.server = createServer((req, res) => this.handle(req, res));
  }

  async listen(): Promise<string> {
    await new Promise<void>((done) => this.server.listen(0, '127.0.0.1', done));
    return `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Resolves once `predicate` holds (checked after every request). */
  async until(predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error('the runtime did not do what was expected in time');
      await new Promise<void>((done) => {
        this.waiters.push(done);
        setTimeout(done, 100);
      });
    }
  }

  close(): void {
    this.server.closeAllConnections();
    this.server.close();
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = req.url ?? '';
      if (req.method === 'GET' && url === `${PREFIX}/next`) {
        this.nextCalls += 1;
        const event = this.events.shift();
        if (this.nextStatus !== 200) {
          res.writeHead(this.nextStatus, { 'Content-Type': 'application/json' }).end('{"errorType":"Runtime.ExitRequested"}');
        } else if (event !== undefined) {
          res.setHeader(event.idHeader, event.id);
          res.setHeader('Lambda-Runtime-Deadline-Ms', String(Date.now() + 5000));
          res.setHeader('Lambda-Runtime-Invoked-Function-Arn', 'arn:aws:lambda:us-east-1:000000000000:function:HelloShell');
          res.writeHead(200, { 'Content-Type': 'application/json' }).end(event.body);
        } // else: hold the long poll open, as the platform does between invocations.
      } else if (req.method === 'POST' && url.startsWith(`${PREFIX}/`)) {
        this.posted.push({ path: url, contentType: req.headers['content-type'], body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(202, { 'Content-Type': 'application/json' }).end('{"status":"OK"}');
      } else {
        res.writeHead(404).end();
      }
      for (const wake of this.waiters.splice(0)) wake();
    });
  }
}

const started: ChildProcess[] = [];
const apis: FakeRuntimeApi[] = [];

afterEach(() => {
  for (const child of started.splice(0)) {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  for (const api of apis.splice(0)) api.close();
});

async function startRuntime(api: FakeRuntimeApi): Promise<{ child: ChildProcess; output: () => string; exited: Promise<number | null> }> {
  apis.push(api);
  const address = await api.listen();
  // Its own process group, so the test can stop the shell and its curl together.
  const child = spawn(BOOTSTRAP, [], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', AWS_LAMBDA_RUNTIME_API: address, _HANDLER: 'bootstrap' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  started.push(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  return { child, output: () => output, exited };
}

describe('examples/shell-runtime/bootstrap', () => {
  it('answers each event with {"echo": <event>} and logs a line per invocation', async () => {
    const big = { data: 'x'.repeat(200_000) }; // larger than one command-line argument may be
    const api = new FakeRuntimeApi([
      { id: 'req-1', idHeader: 'Lambda-Runtime-Aws-Request-Id', body: JSON.stringify({ hello: 'world', n: [1, 2] }) },
      { id: 'req-2', idHeader: 'lambda-runtime-aws-request-id', body: JSON.stringify(big) },
    ]);
    const { child, output, exited } = await startRuntime(api);

    // Both events answered, and the runtime is back waiting on /next.
    await api.until(() => api.posted.length === 2 && api.nextCalls === 3);
    expect(api.posted.map((p) => p.path)).toEqual([`${PREFIX}/req-1/response`, `${PREFIX}/req-2/response`]);
    expect(api.posted[0]?.contentType).toBe('application/json');
    expect(JSON.parse(api.posted[0]?.body ?? '')).toEqual({ echo: { hello: 'world', n: [1, 2] } });
    expect(JSON.parse(api.posted[1]?.body ?? '')).toEqual({ echo: big });
    expect(output()).toContain(`HelloShell: request req-1, event of ${JSON.stringify({ hello: 'world', n: [1, 2] }).length} bytes`);
    expect(output()).toContain('HelloShell: request req-2');

    // Stop it as the platform does (SIGTERM to the process group): its temp files go with it.
    const pid = child.pid ?? 0;
    expect(existsSync(`/tmp/lamina-shell-runtime-${pid}.headers`)).toBe(true);
    process.kill(-pid, 'SIGTERM');
    await exited;
    expect(existsSync(`/tmp/lamina-shell-runtime-${pid}.headers`)).toBe(false);
    expect(existsSync(`/tmp/lamina-shell-runtime-${pid}.event`)).toBe(false);
  });

  it('exits promptly when the Runtime API answers /next with 500', async () => {
    const api = new FakeRuntimeApi([], 500);
    const { output, exited } = await startRuntime(api);
    expect(await exited).toBe(1);
    expect(output()).toContain('cannot get the next event, exiting');
    expect(api.posted).toEqual([]);
  });
});
