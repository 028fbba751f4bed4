/**
 * One TCP port that speaks both HTTP/1.1 and HTTP/2 without TLS ("h2c with prior knowledge"), for
 * the embedded Kinesis (docs/event-sources-kinesis.md). `@aws-sdk/client-kinesis` sends every call
 * over HTTP/2 by default (its request handler is `NodeHttp2Handler`, because SubscribeToShard needs
 * it), while the AWS CLI and most other clients speak HTTP/1.1. Node's cleartext HTTP/2 server
 * refuses HTTP/1.1, so each connection's first bytes decide: the HTTP/2 connection preface goes
 * to an HTTP/2 server, anything else to the HTTP/1.1 one. Both call the same request handler.
 */
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttp2Server, type Http2ServerRequest, type Http2ServerResponse } from 'node:http2';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { Duplex } from 'node:stream';

/** A request handler written for `node:http` that only uses what the HTTP/2 compatibility API also has. */
export type DualHandler = (req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse) => void;

/** The start of every HTTP/2 connection (RFC 9113, 3.4): `PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n`. */
const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n');

export interface TwoProtocolListener {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Listens on host:port (0: any free port) and serves `handler` over HTTP/1.1 and h2c.
 *
 * @example
 * const listener = await listenTwoProtocols(handler, '127.0.0.1', 4567);
 * // new KinesisClient({ endpoint: `http://127.0.0.1:${listener.port}` }) works with its default HTTP/2 handler
 * await listener.close();
 */
export async function listenTwoProtocols(handler: DualHandler, host: string, port: number): Promise<TwoProtocolListener> {
  const http1 = createHttpServer(handler);
  const http2 = createHttp2Server(handler);
  const sockets = new Set<Socket>();
  const front = createNetServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    sniff(socket, (isHttp2, seen) => {
      if (!isHttp2) {
        socket.unshift(seen);
        http1.emit('connection', socket);
      } else {
        http2.emit('connection', replayed(socket, seen));
      }
      socket.resume();
    });
  });
  await new Promise<void>((resolve, reject) => {
    front.once('error', reject);
    front.listen(port, host, () => {
      front.off('error', reject);
      resolve();
    });
  });
  return {
    port: (front.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => {
      front.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    }),
  };
}

/**
 * The socket as a stream that first gives back the bytes already read. Node's HTTP/2 server reads
 * a net.Socket's handle directly and would miss bytes put back with `unshift`; a plain Duplex is
 * read through its stream interface instead.
 */
function replayed(socket: Socket, seen: Buffer): Duplex {
  const duplex = new Duplex({
    read: () => { socket.resume(); },
    write: (chunk: Buffer, _encoding, done) => { socket.write(chunk, done); },
    final: (done) => { socket.end(done); },
    destroy: (error, done) => { socket.destroy(error ?? undefined); done(error); },
  });
  duplex.push(seen);
  socket.on('data', (chunk: Buffer) => { if (!duplex.push(chunk)) socket.pause(); });
  socket.on('end', () => duplex.push(null));
  socket.on('close', () => duplex.destroy());
  return duplex;
}

/** Reads until the first bytes tell the protocol, puts them back and hands the socket over. */
function sniff(socket: Socket, decide: (isHttp2: boolean, seen: Buffer) => void): void {
  let seen = Buffer.alloc(0);
  const onData = (chunk: Buffer): void => {
    seen = Buffer.concat([seen, chunk]);
    const compared = Math.min(seen.length, PREFACE.length);
    const isPrefix = seen.subarray(0, compared).equals(PREFACE.subarray(0, compared));
    // Still a possible preface and too short to be sure: wait for more bytes.
    if (isPrefix && seen.length < PREFACE.length) return;
    socket.off('data', onData);
    socket.pause();
    decide(isPrefix, seen);
  };
  socket.on('data', onData);
  socket.on('error', () => socket.destroy());
}
