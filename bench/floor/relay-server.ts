/**
 * The floor relay: the smallest HTTP server that does what Lamina's hot path must do, with no
 * logic at all. A caller's `POST .../invocations` body is handed to a runtime's waiting
 * `GET /2018-06-01/runtime/invocation/next` (a long-poll), and the runtime's `POST .../response`
 * body goes back to the caller. One port for both sides; any number of runtimes.
 *
 *   node dist/bench/floor/relay-server.js   (prints "floor relay on http://127.0.0.1:PORT")
 *
 * No limits, no logs, no REPORT, no validation: Lamina's overhead is reported as a ratio to it.
 * It is tuned to be the best plain-Node relay an honest competitor would write, so that a ratio
 * of 1.0 means something: keep-alive with Nagle off, no regular expression or Map per request,
 * request ids that are indexes into a slot table reused as invocations end, header lists as flat
 * arrays handed to `writeHead` (nothing to enumerate), constant headers and the 202 answer built
 * once. What remains per request is node:http's own work: parsing, the response objects, the body's
 * chunks.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';

const NEXT = '/2018-06-01/runtime/invocation/next';
const PREFIX = '/2018-06-01/runtime/invocation/';
const SUFFIX = '/response';
const ACCEPTED: readonly string[] = ['Content-Type', 'application/json', 'Content-Length', '2'];
const ACCEPTED_BODY = Buffer.from('{}');

/** An invocation between its caller's request and the runtime's answer. */
interface Slot {
  caller: ServerResponse | undefined;
  body: Buffer;
  /** Its request id: the slot's index, as the decimal string the runtime echoes in its URL. */
  readonly id: string;
}

/** Decimal digits `from` to `to` of `url` as a number, or -1 when any is not a digit. */
function slotIndex(url: string, from: number, to: number): number {
  if (to <= from || to - from > 9) return -1;
  let n = 0;
  for (let i = from; i < to; i += 1) {
    const digit = url.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    n = n * 10 + digit;
  }
  return n;
}

/**
 * The body of a request, in one piece: the first chunk itself when it is the only one (a 1 KB
 * event always is), else the chunks joined once at the end.
 */
function readBody(req: IncomingMessage, done: (body: Buffer) => void): void {
  let first: Buffer | undefined;
  let rest: Buffer[] | undefined;
  req.on('data', (chunk: Buffer) => {
    if (first === undefined) first = chunk;
    else (rest ??= [first]).push(chunk);
  });
  req.on('end', () => done(rest !== undefined ? Buffer.concat(rest) : (first ?? ACCEPTED_BODY.subarray(0, 0))));
}

/**
 * @example
 * const relay = createFloorRelay(); relay.listen(0, '127.0.0.1');
 */
export function createFloorRelay(): Server {
  const slots: Slot[] = [];
  const free: number[] = [];
  const waitingRuntimes: ServerResponse[] = [];
  const queued: Slot[] = [];

  const deliver = (runtime: ServerResponse, slot: Slot): void => {
    runtime.writeHead(200, ['Content-Type', 'application/json', 'Content-Length', String(slot.body.length), 'Lambda-Runtime-Aws-Request-Id', slot.id]);
    runtime.end(slot.body);
  };

  const answered = (res: ServerResponse, index: number, body: Buffer): void => {
    const slot = index >= 0 ? slots[index] : undefined;
    const caller = slot?.caller;
    res.writeHead(202, ACCEPTED as string[]).end(ACCEPTED_BODY);
    if (slot === undefined || caller === undefined) return;
    slot.caller = undefined;
    slot.body = ACCEPTED_BODY;
    free.push(index);
    caller.writeHead(200, ['Content-Type', 'application/json', 'Content-Length', String(body.length)]).end(body);
  };

  const invoked = (res: ServerResponse, body: Buffer): void => {
    const index = free.pop();
    let slot: Slot;
    if (index === undefined) {
      slot = { caller: res, body, id: String(slots.length) };
      slots.push(slot);
    } else {
      slot = slots[index] as Slot;
      slot.caller = res;
      slot.body = body;
    }
    const runtime = waitingRuntimes.pop();
    if (runtime === undefined) queued.push(slot);
    else deliver(runtime, slot);
  };

  const server = createServer({ keepAlive: true, noDelay: true, keepAliveTimeout: 60_000, requestTimeout: 0 }, (req, res) => {
    const url = req.url ?? '';
    if (url === NEXT) {
      const slot = queued.shift();
      if (slot === undefined) waitingRuntimes.push(res);
      else deliver(res, slot);
      req.resume();
      return;
    }
    if (url.startsWith(PREFIX) && url.endsWith(SUFFIX)) {
      const index = slotIndex(url, PREFIX.length, url.length - SUFFIX.length);
      readBody(req, (body) => answered(res, index, body));
      return;
    }
    readBody(req, (body) => invoked(res, body));
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
