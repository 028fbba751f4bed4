/**
 * Test harness for the runtime interface client: a fake Runtime API that
 * hands out queued events and records what the client posts, and a spawner
 * for the compiled client with an explicit environment.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll } from 'vitest';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const ricEntry = `${repoRoot}dist/runtime-interface/bootstrap/index.js`;
export const handlersDir = `${repoRoot}test/fixtures/handlers`;

/**
 * Build the client (`tsc -p runtime-interface`) once per vitest run. Test files run in parallel
 * worker processes; were each to rebuild, tsc would rewrite dist/ while another file's client
 * is starting from it. A lock directory serialises the workers and a marker named after the
 * vitest process (every worker's parent) tells the later ones the build is done.
 */
export function buildRicOnce(): void {
  const dist = `${repoRoot}dist`;
  const marker = `${dist}/.ric-built-by-${process.ppid}`;
  if (existsSync(marker)) return;
  mkdirSync(dist, { recursive: true });
  const lock = `${dist}/.ric-build-lock`;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // A lock left by a killed run is stale after two minutes.
      if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > 120_000) rmSync(lock, { recursive: true, force: true });
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    }
  }
  try {
    if (existsSync(marker)) return;
    execFileSync(process.execPath, [`${repoRoot}node_modules/typescript/bin/tsc`, '-p', `${repoRoot}runtime-interface`], { cwd: repoRoot, stdio: 'pipe' });
    for (const name of readdirSync(dist)) if (name.startsWith('.ric-built-by-')) rmSync(`${dist}/${name}`, { force: true });
    writeFileSync(marker, '');
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export interface QueuedEvent {
  requestId: string;
  body?: string;
  deadlineMs?: number;
  traceId?: string;
  clientContext?: string;
  cognitoIdentity?: string;
  tenantId?: string;
}

export interface RecordedPost {
  kind: 'response' | 'error' | 'init-error';
  requestId: string | undefined;
  headers: IncomingHttpHeaders;
  body: string;
  /** Streamed responses only: the raw body, the chunks as they arrived, and the trailers. */
  bytes?: Buffer;
  chunks?: Buffer[];
  trailers?: Record<string, string | undefined>;
}

/** A streamed `/response` while it is arriving. */
export interface LiveStream {
  requestId: string;
  headers: IncomingHttpHeaders;
  chunks: Buffer[];
  received: number;
}

export const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:ric-test';

/** A minimal Runtime API: GET /next long-polls on a queue; every POST is recorded and answered 202. */
export class FakeRuntimeApi {
  readonly posts: RecordedPost[] = [];
  nextCalls = 0;
  private readonly queue: QueuedEvent[] = [];
  private readonly waitingNext: ServerResponse[] = [];
  private readonly postWaiters: Array<() => void> = [];
  private consumed = 0;
  /** Streamed responses by request id, filled chunk by chunk. */
  readonly streams = new Map<string, LiveStream>();
  private readonly byteWaiters: Array<() => void> = [];
  private readonly barriers = new Map<string, ServerResponse[]>();
  private readonly nextWaiters: Array<() => void> = [];
  /** Distinct connections that have sent a GET /next. */
  readonly nextSockets = new Set<unknown>();

  private constructor(private readonly server: Server) {}

  static async start(): Promise<FakeRuntimeApi> {
    const server = createServer();
    const api = new FakeRuntimeApi(server);
    server.on('request', (req, res) => {
      if (req.method === 'GET' && req.url?.startsWith('/test/')) {
        api.control(req.url, res);
        return;
      }
      if (req.headers['lambda-runtime-function-response-mode'] === 'streaming') {
        api.receiveStream(req, res);
        return;
      }
      if (req.url?.endsWith('/next')) api.nextSockets.add(req.socket);
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => api.handle(req.method ?? '', req.url ?? '', req.headers, Buffer.concat(chunks).toString(), res));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return api;
  }

  get address(): string {
    const { port } = this.server.address() as AddressInfo;
    return `127.0.0.1:${port}`;
  }

  enqueue(...events: QueuedEvent[]): void {
    this.queue.push(...events);
    this.serve();
  }

  /** The next post not yet returned by an earlier call. */
  async nextPost(): Promise<RecordedPost> {
    while (this.posts.length <= this.consumed) await new Promise<void>((resolve) => this.postWaiters.push(resolve));
    return this.posts[this.consumed++] as RecordedPost;
  }

  /** GET /next calls parked, waiting for an event. */
  get waitingNextCount(): number {
    return this.waitingNext.length;
  }

  /** Resolve once `count` GET /next calls are parked at the same time. */
  async waitForWaitingNext(count: number): Promise<void> {
    while (this.waitingNext.length < count) await new Promise<void>((resolve) => this.nextWaiters.push(resolve));
  }

  /** Resolve once the streamed response of `requestId` has delivered at least `bytes` body bytes. */
  async waitForStreamBytes(requestId: string, bytes: number): Promise<LiveStream> {
    for (;;) {
      const live = this.streams.get(requestId);
      if (live !== undefined && live.received >= bytes) return live;
      await new Promise<void>((resolve) => this.byteWaiters.push(resolve));
    }
  }

  /**
   * Test-only endpoints a fixture handler can call (its AWS_LAMBDA_RUNTIME_API is this server):
   * `/test/wait-bytes/{id}/{n}` answers once n bytes of id's stream have arrived (proves a chunk
   * left the client before the handler goes on); `/test/barrier/{name}/{n}` answers once n
   * callers wait on it.
   */
  private control(url: string, res: ServerResponse): void {
    const bytes = /^\/test\/wait-bytes\/([^/]+)\/(\d+)$/.exec(url);
    if (bytes !== null) {
      void this.waitForStreamBytes(decodeURIComponent(bytes[1] ?? ''), Number(bytes[2])).then(() => res.end('ok'));
      return;
    }
    const barrier = /^\/test\/barrier\/([^/]+)\/(\d+)$/.exec(url);
    if (barrier !== null) {
      const name = barrier[1] ?? '';
      const waiting = [...(this.barriers.get(name) ?? []), res];
      this.barriers.set(name, waiting);
      if (waiting.length >= Number(barrier[2])) for (const parked of waiting) parked.end('go');
      return;
    }
    res.writeHead(404).end();
  }

  private receiveStream(req: IncomingMessage, res: ServerResponse): void {
    const match = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/response$/.exec(req.url ?? '');
    const requestId = decodeURIComponent(match?.[1] ?? '');
    const live: LiveStream = { requestId, headers: req.headers, chunks: [], received: 0 };
    this.streams.set(requestId, live);
    req.on('data', (chunk: Buffer) => {
      live.chunks.push(chunk);
      live.received += chunk.length;
      for (const wake of this.byteWaiters.splice(0)) wake();
    });
    req.on('end', () => {
      const bytes = Buffer.concat(live.chunks);
      this.posts.push({ kind: 'response', requestId, headers: req.headers, body: bytes.toString(), bytes, chunks: live.chunks, trailers: { ...req.trailers } });
      res.writeHead(202, { 'Content-Type': 'application/json' }).end('{"status":"OK"}');
      for (const wake of this.postWaiters.splice(0)) wake();
    });
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(method: string, url: string, headers: IncomingHttpHeaders, body: string, res: ServerResponse): void {
    if (method === 'GET' && url === '/2018-06-01/runtime/invocation/next') {
      this.nextCalls += 1;
      this.waitingNext.push(res);
      for (const wake of this.nextWaiters.splice(0)) wake();
      this.serve();
      return;
    }
    const invocation = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/.exec(url);
    if (method === 'POST' && (invocation !== null || url === '/2018-06-01/runtime/init/error')) {
      this.posts.push({
        kind: invocation === null ? 'init-error' : (invocation[2] as 'response' | 'error'),
        requestId: invocation === null ? undefined : decodeURIComponent(invocation[1] ?? ''),
        headers,
        body,
      });
      res.writeHead(202, { 'Content-Type': 'application/json' }).end('{"status":"OK"}');
      for (const wake of this.postWaiters.splice(0)) wake();
      return;
    }
    res.writeHead(404).end();
  }

  private serve(): void {
    while (this.queue.length > 0 && this.waitingNext.length > 0) {
      const event = this.queue.shift() as QueuedEvent;
      const res = this.waitingNext.shift() as ServerResponse;
      const headers: Record<string, string> = {
        'Content-Type': 'application/json',
        'Lambda-Runtime-Aws-Request-Id': event.requestId,
        'Lambda-Runtime-Deadline-Ms': String(event.deadlineMs ?? Date.now() + 600_000),
        'Lambda-Runtime-Invoked-Function-Arn': FUNCTION_ARN,
      };
      if (event.traceId !== undefined) headers['Lambda-Runtime-Trace-Id'] = event.traceId;
      if (event.clientContext !== undefined) headers['Lambda-Runtime-Client-Context'] = event.clientContext;
      if (event.cognitoIdentity !== undefined) headers['Lambda-Runtime-Cognito-Identity'] = event.cognitoIdentity;
      if (event.tenantId !== undefined) headers['Lambda-Runtime-Aws-Tenant-Id'] = event.tenantId;
      res.writeHead(200, headers).end(event.body ?? '{}');
    }
  }
}

export interface RicProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Spawn the compiled client with only the Lambda environment (never process.env). */
export function spawnRic(options: { api: FakeRuntimeApi; taskRoot: string; handler: string; env?: Record<string, string>; entry?: string; node?: string }): RicProcess {
  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    TZ: ':UTC',
    AWS_LAMBDA_RUNTIME_API: options.api.address,
    _HANDLER: options.handler,
    LAMBDA_TASK_ROOT: options.taskRoot,
    AWS_LAMBDA_FUNCTION_NAME: 'ric-test',
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
    AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/ric-test',
    AWS_LAMBDA_LOG_STREAM_NAME: '2024/01/01/[$LATEST]0123456789abcdef',
    ...options.env,
  };
  const child = spawn(options.node ?? process.execPath, [options.entry ?? ricEntry], { cwd: options.taskRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

/**
 * For a test file that spawns the client: builds it once before the file's tests, and after each
 * test kills every client handed to the returned `track` and closes its fake Runtime API.
 * @example
 * const track = useRicHarness();
 * track({ api, ric: spawnRic({ api, taskRoot, handler }) });
 */
export function useRicHarness(): (started: { api: FakeRuntimeApi; ric: RicProcess }) => void {
  beforeAll(buildRicOnce, 120_000);
  return useRuntimeCleanup();
}

/**
 * After each test, kill every runtime handed to the returned `track` and close its fake Runtime
 * API (any runtime: the Python client's tests use it without building the Node client).
 * @example
 * const track = useRuntimeCleanup();
 */
export function useRuntimeCleanup(): (started: { api: FakeRuntimeApi; ric: RicProcess }) => void {
  const running: Array<{ api: FakeRuntimeApi; ric: RicProcess }> = [];
  afterEach(async () => {
    for (const { api, ric } of running.splice(0)) {
      if (ric.child.exitCode === null && ric.child.signalCode === null) ric.child.kill('SIGKILL');
      await ric.exited;
      await api.close();
    }
  });
  return (started) => {
    running.push(started);
  };
}
