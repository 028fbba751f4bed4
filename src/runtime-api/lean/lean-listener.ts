/**
 * The lean Runtime API listener (docs/runtime-api-listener.md): a plain TCP server whose
 * connections are served by `LeanConnection` until a request comes that it leaves to `node:http`;
 * from then on that connection belongs to `fallback`, a `node:http` server that never listens
 * itself and is handed the socket with the bytes it has not parsed put back in front.
 *
 * Why: a warm invoke costs the platform two Runtime API requests, and node:http's request and
 * response objects, events and header handling were most of the platform's CPU per invoke above
 * the floor relay's (docs/performance.md).
 */
import type { Server as HttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import type { RuntimeApiTarget } from '../runtime-api-target.js';
import { LeanConnection } from './lean-connection.js';

/** Decides whether a connection (its peer's port, ours) may use this Runtime API. */
export type ConnectionCheck = (peerPort: number, serverPort: number) => Promise<boolean>;

/** A socket's libuv handle, as node:http sees it (lib/_http_server.js, `connectionListenerInternal`). */
interface ConsumableHandle {
  _consumed?: boolean;
}

/**
 * Give `socket` to `fallback`, `rest` first. node:http would otherwise have its parser read the
 * handle directly (`consume`), past the bytes put back into the stream; marked consumed, the parser
 * reads the stream, those bytes first.
 */
function handToNodeHttp(fallback: HttpServer, socket: Socket, rest: Buffer | undefined): void {
  socket.pause();
  if (rest !== undefined && rest.length > 0) socket.unshift(rest);
  const handle = (socket as Socket & { _handle?: ConsumableHandle | null })._handle;
  if (handle !== null && handle !== undefined) handle._consumed = true;
  fallback.emit('connection', socket);
  socket.resume();
}

/** The listener and what closing it must end. */
export interface LeanListener {
  readonly server: Server;
  /** Destroy every connection, lean or handed over, and close node:http's server if it was made. */
  destroyConnections(): void;
}

/**
 * @param makeFallback makes the node:http server with the Runtime API's routes (not listening), at
 * the first connection handed over: most environments never need one.
 * @param allow when given, each connection is checked first and closed unread when refused.
 *
 * @example
 * const { server } = createLeanListener(target, () => createRuntimeApiHttpServer(target));
 * server.listen(0, '127.0.0.1');
 */
export function createLeanListener(target: RuntimeApiTarget, makeFallback: () => HttpServer, allow?: ConnectionCheck): LeanListener {
  const sockets = new Set<Socket>();
  let fallback: HttpServer | undefined;
  const nodeHttp = (): HttpServer => {
    if (fallback !== undefined) return fallback;
    fallback = makeFallback();
    // node:http tracks its connections (headersTimeout, closeAllConnections) from its 'listening' on.
    fallback.emit('listening');
    return fallback;
  };
  const serve = (socket: Socket): void => {
    new LeanConnection(socket, target, (rest) => handToNodeHttp(nodeHttp(), socket, rest));
  };
  const server = createServer({ allowHalfOpen: true, noDelay: true, keepAlive: true }, (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    if (allow === undefined) return serve(socket);
    socket.pause();
    socket.on('error', noop);
    allow(socket.remotePort ?? 0, socket.localPort ?? 0)
      .catch(() => false)
      .then((ok) => {
        socket.off('error', noop);
        if (!ok) return socket.destroy();
        serve(socket);
        socket.resume();
      });
  });
  return {
    server,
    destroyConnections: () => {
      for (const socket of sockets) socket.destroy();
      fallback?.closeAllConnections();
      fallback?.close();
    },
  };
}

function noop(): void {}
