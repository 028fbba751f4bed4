/**
 * A minimal Runtime API (`/2018-06-01`) living inside a benchmark process, so that a runtime
 * interface client can be driven directly with no platform in between.
 *
 * - `cold` mode: records when each `GET /next` arrives and never answers it (the benchmark kills
 *   the runtime as soon as its first `/next` is seen).
 * - `warm` mode: answers every `/next` at once with a tiny event and counts `/response` posts,
 *   recording how long each invoke took from the moment its event was sent.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

const NEXT_PATH = '/2018-06-01/runtime/invocation/next';
const RESPONSE_PATH = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/;

export interface RuntimeApiStub {
  /** `host:port`, the value of `AWS_LAMBDA_RUNTIME_API`. */
  readonly address: string;
  readonly server: Server;
  close(): Promise<void>;
}

function listen(server: Server): Promise<string> {
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve(`127.0.0.1:${(server.address() as AddressInfo).port}`));
  });
}

function closer(server: Server): () => Promise<void> {
  return () =>
    new Promise((done) => {
      server.closeAllConnections();
      server.close(() => done());
    });
}

export interface ColdStub extends RuntimeApiStub {
  /** Resolves with `performance.now()` at the arrival of the next `GET /next` (request head parsed). */
  nextArrival(): Promise<number>;
}

/** A Runtime API that only timestamps `GET /next` (and `/init/error`, which rejects the wait). */
export async function startColdStub(): Promise<ColdStub> {
  let waiter: { resolve: (t: number) => void; reject: (e: Error) => void } | undefined;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const now = performance.now();
    const current = waiter;
    if (req.url === NEXT_PATH && req.method === 'GET') {
      waiter = undefined;
      current?.resolve(now);
      return; // never answered: the benchmark kills the runtime
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      waiter = undefined;
      current?.reject(new Error(`${req.method} ${req.url}: ${Buffer.concat(chunks).toString()}`));
      res.writeHead(202).end('{"status":"OK"}');
    });
  });
  const address = await listen(server);
  return {
    address,
    server,
    close: closer(server),
    nextArrival: () => new Promise((resolve, reject) => (waiter = { resolve, reject })),
  };
}

export interface WarmStub extends RuntimeApiStub {
  /** Invocations answered with a `/response` (or `/error`) so far. */
  readonly completed: number;
  readonly errors: number;
  /** Called with the microseconds from sending an event to receiving its response. */
  onInvoke: ((micros: number) => void) | undefined;
  /** Resolves when `completed` reaches `count`. */
  waitFor(count: number): Promise<void>;
}

const EVENT = Buffer.from('{"key":"value"}');

/** A Runtime API that hands out events as fast as the runtime asks for them. */
export async function startWarmStub(): Promise<WarmStub> {
  let sequence = 0;
  const sentAt = new Map<string, number>();
  let target = Number.POSITIVE_INFINITY;
  let reached: (() => void) | undefined;
  const stub = {
    completed: 0,
    errors: 0,
    onInvoke: undefined as ((micros: number) => void) | undefined,
  };
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === NEXT_PATH) {
      sequence += 1;
      const id = `req-${sequence}`;
      res.writeHead(200, {
        'Content-Type': 'application/json',
        'Content-Length': EVENT.length,
        'Lambda-Runtime-Aws-Request-Id': id,
        'Lambda-Runtime-Deadline-Ms': String(Date.now() + 300_000),
        'Lambda-Runtime-Invoked-Function-Arn': 'arn:aws:lambda:us-east-1:000000000000:function:bench',
        'Lambda-Runtime-Trace-Id': 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1',
      });
      sentAt.set(id, performance.now());
      res.end(EVENT);
      return;
    }
    const match = RESPONSE_PATH.exec(req.url ?? '');
    req.on('data', () => undefined);
    req.on('end', () => {
      res.writeHead(202, { 'Content-Type': 'application/json' }).end('{"status":"OK"}');
      const id = match?.[1];
      const started = id === undefined ? undefined : sentAt.get(id);
      if (id === undefined || started === undefined) return;
      sentAt.delete(id);
      if (match?.[2] === 'error') stub.errors += 1;
      stub.completed += 1;
      stub.onInvoke?.(Math.max(1, Math.round((performance.now() - started) * 1000)));
      if (stub.completed >= target) reached?.();
    });
  });
  const address = await listen(server);
  return Object.assign(stub, {
    address,
    server,
    close: closer(server),
    waitFor: (count: number) =>
      new Promise<void>((resolve) => {
        if (stub.completed >= count) return resolve();
        target = count;
        reached = resolve;
      }),
  });
}
