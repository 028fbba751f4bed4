/**
 * Pipelined requests answered in order, on both listeners (Invoke API and Runtime API). HTTP/1.1
 * lets a client send several requests on one connection before reading any answer; the answers
 * must come back whole and in the order of the requests (docs/pipelining.md). Node queues its
 * `ServerResponse`s for that, but two things it writes bypass the queue:
 *
 * - the `clientError` answer (bytes that are not HTTP), which a listener writes raw onto the
 *   socket: written at once it lands ahead of, or into, the answers still owed to the complete
 *   requests before the bad bytes;
 * - the automatic `100 Continue` of an `Expect: 100-continue` request, which Node buffers in the
 *   queued response and then writes behind that response's own head when it is answered early.
 *
 * Both wait here until everything owed before them has been written. Nothing is allocated per
 * request: the queue's head is Node's own bookkeeping, read only when one of the two happens.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { answerClientError } from './errors.js';

/**
 * Node's own record (lib/_http_server.js, `assignSocket`): the response that owns the socket now,
 * the first one still owed; null or absent when none is. When it finishes, Node hands the socket
 * to the next queued response before any other 'finish' listener runs.
 */
interface HttpSocket extends Socket {
  _httpMessage?: ServerResponse | null;
  /** The server that accepted it (lib/net.js); `httpAllowHalfOpen` as set by the front door. */
  server?: { httpAllowHalfOpen?: boolean };
}

/** Sockets already refused: the parser reports its error again for every later chunk. */
const refused = new WeakSet<Socket>();

/**
 * The first answer still owed, if any. An incomplete request at the head is the one the bad bytes
 * broke (the parser goes on to a request only once the one before is whole): nothing is owed to it
 * but the 400, unless its answer has already begun (an early 404 or 413), which is let finish.
 */
function owedAnswer(socket: HttpSocket): ServerResponse | undefined {
  const owed = socket._httpMessage;
  if (owed === null || owed === undefined) return undefined;
  return owed.req.complete || owed.headersSent ? owed : undefined;
}

/** Whether the server answers clients that half-close (src/invoke/front-door-server.ts). */
function servesHalfClosed(socket: HttpSocket): boolean {
  return socket.server?.httpAllowHalfOpen === true;
}

function refuseWhenDue(error: NodeJS.ErrnoException, socket: HttpSocket): void {
  // Ended already: an owed answer said `Connection: close`, or the client half-closed and Node
  // closes after the last answer. Nothing may follow.
  if (!socket.writable) return;
  const owed = owedAnswer(socket);
  if (owed === undefined) answerClientError(error, socket);
  // A server that does not answer half-closed clients ends the connection at their FIN, owed
  // answers or not. Node does so itself on a clean FIN, but not when the FIN also finds the
  // parser in error; then only this ends it (else a parked GET /next would keep the socket).
  else if (socket.readableEnded && !servesHalfClosed(socket)) socket.end();
  else owed.once('finish', () => refuseWhenDue(error, socket));
}

/**
 * A server's `clientError` listener: the 400 (431 for headers over the limit) and the close come
 * after every answer owed to the complete requests before the bad bytes.
 *
 * @example
 * server.on('clientError', refuseInOrder);
 */
export function refuseInOrder(error: NodeJS.ErrnoException, socket: HttpSocket): void {
  if (refused.has(socket)) return;
  refused.add(socket);
  if (!socket.writable && owedAnswer(socket) === undefined) {
    socket.destroy();
    return;
  }
  refuseWhenDue(error, socket);
  if (socket.writable && !servesHalfClosed(socket)) socket.once('end', () => refuseWhenDue(error, socket));
}

/**
 * A server's `checkContinue` listener: `100 Continue` at once when nothing is owed before the
 * request, else once the answers before it are written; then the request is served as usual.
 * The request waits with its 100: were it served at once, its final answer could be ready (the
 * client sent the body without waiting) before the 100 may go out.
 *
 * @example
 * server.on('checkContinue', (req, res) => continueInOrder(server, req, res));
 */
export function continueInOrder(server: Server, req: IncomingMessage, res: ServerResponse): void {
  if (res.socket !== null) {
    res.writeContinue();
    server.emit('request', req, res);
    return;
  }
  res.once('socket', () => {
    res.writeContinue();
    // Out of Node's hand-over ('socket' is emitted inside it, before the queued bytes are
    // flushed): a request answered synchronously there would be finished twice.
    process.nextTick(() => server.emit('request', req, res));
  });
}

/**
 * Make `server` answer pipelined requests in order, including its 400s and 100s.
 *
 * @example
 * const server = createServer(handler);
 * answerInOrder(server);
 */
export function answerInOrder(server: Server): void {
  server.on('clientError', refuseInOrder);
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => continueInOrder(server, req, res));
}
