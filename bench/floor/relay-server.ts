/**
 * The floor relay: the smallest HTTP server that does what Lamina's hot path must do, with no
 * logic at all. A caller's `POST .../invocations` body is handed to a runtime's waiting
 * `GET /2018-06-01/runtime/invocation/next` (a long-poll), and the runtime's `POST .../response`
 * body goes back to the caller. One port for both sides; any number of runtimes.
 *
 *   node dist/bench/floor/relay-server.js   (prints "floor relay on http://127.0.0.1:PORT")
 *
 * No limits, no logs, no REPORT, no validation: Lamina's overhead is reported as a ratio to it.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';

const NEXT = '/2018-06-01/runtime/invocation/next';
const RESPONSE = /^\/2018-06-01\/runtime\/invocation\/(\d+)\/response$/;

interface Pending {
  readonly id: string;
  readonly body: Buffer;
  readonly caller: ServerResponse;
}

function readBody(req: IncomingMessage, done: (body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => done(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)));
}

function deliver(runtime: ServerResponse, invocation: Pending): void {
  runtime.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': invocation.body.length, 'Lambda-Runtime-Aws-Request-Id': invocation.id });
  runtime.end(invocation.body);
}

/**
 * @example
 * const relay = createFloorRelay(); relay.listen(0, '127.0.0.1');
 */
export function createFloorRelay(): Server {
  const waitingRuntimes: ServerResponse[] = [];
  const queued: Pending[] = [];
  const inFlight = new Map<string, ServerResponse>();
  let sequence = 0;
  const server = createServer((req, res) => {
    const url = req.url ?? '';
    if (req.method === 'GET' && url === NEXT) {
      const invocation = queued.shift();
      if (invocation === undefined) waitingRuntimes.push(res);
      else deliver(res, invocation);
      return;
    }
    readBody(req, (body) => {
      const answer = RESPONSE.exec(url);
      if (answer !== null) {
        const id = answer[1] as string;
        const caller = inFlight.get(id);
        inFlight.delete(id);
        res.writeHead(202, { 'Content-Length': 2 }).end('{}');
        caller?.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': body.length }).end(body);
        return;
      }
      sequence += 1;
      const invocation = { id: String(sequence), body, caller: res };
      inFlight.set(invocation.id, res);
      const runtime = waitingRuntimes.shift();
      if (runtime === undefined) queued.push(invocation);
      else deliver(runtime, invocation);
    });
  });
  server.keepAliveTimeout = 60_000;
  return server;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const server = createFloorRelay();
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(`floor relay on http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
  });
  process.on('SIGTERM', () => process.exit(0));
}
