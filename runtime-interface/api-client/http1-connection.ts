/**
 * One keep-alive HTTP/1.1 connection to the Runtime API over a raw `node:net` socket, instead of
 * `node:http`: loading `node:http` alone costs 6.5-11 ms of a ~60 ms cold start (bench/RESULTS.md),
 * and its agent and request objects cost time on every invoke. Each request goes out in ONE
 * `socket.write` (request line, headers and body); answers are read by `http1-response-parser.ts`
 * and matched to requests in order. The socket is opened on first use, reopened after the peer
 * closes it, and unref'd while no request is waiting (so an idle connection never keeps the event
 * loop alive, as node:http's keep-alive agent does: callback handlers wait for an empty loop).
 */
import type { Socket } from 'node:net';
import { Http1ResponseParser } from './http1-response-parser.js';
import { RuntimeApiError, USER_AGENT, type ApiAnswer, type ApiRequest } from './runtime-api-requests.js';

interface Waiter {
  resolve(answer: ApiAnswer): void;
  reject(error: Error): void;
  /** `METHOD path`, for error messages. */
  label: string;
}

const NON_ASCII = /[^\x00-\x7f]/;

/**
 * Bodies from this many UTF-16 units up go out as a write of their own: `head + body` copies a
 * large body once more to flatten the joined string, and then Node encodes it on a slow path (a
 * 1 MB response cost 1.5-2.1 ms of CPU that way against 0.55-0.7 ms corked, bench/payload-path.ts).
 */
export const SEPARATE_BODY_FROM = 16 * 1024;

/**
 * Write a request: one `write` for a small one; head and a large body corked together, so they
 * still leave in one `writev` (one packet train, no Nagle wait between them).
 */
function write(socket: Socket, head: string, body: string | undefined): void {
  // Header values may hold Latin-1 bytes (as node:http sends them); the body is UTF-8.
  const latin1 = NON_ASCII.test(head);
  if (body !== undefined && body.length >= SEPARATE_BODY_FROM) {
    socket.cork();
    socket.write(head, 'latin1');
    socket.write(body, 'utf8');
    socket.uncork();
  } else if (!latin1) socket.write(body === undefined ? head : head + body);
  else socket.write(body === undefined ? Buffer.from(head, 'latin1') : Buffer.concat([Buffer.from(head, 'latin1'), Buffer.from(body)]));
}

/**
 * A keep-alive connection; requests may be sent back to back (their answers come in order).
 * @example
 * ```ts
 * const connection = new Http1Connection('127.0.0.1', 9001);
 * const answer = await connection.send(nextRequest());
 * answer.headers['lambda-runtime-aws-request-id'];
 * ```
 */
export class Http1Connection {
  private socket: Socket | undefined;
  private parser = new Http1ResponseParser();
  private readonly waiting: Waiter[] = [];
  /** The headers every request carries. */
  private readonly common: string;

  constructor(
    private readonly hostname: string,
    private readonly port: number,
  ) {
    const host = hostname.includes(':') ? `[${hostname}]` : hostname;
    this.common = `Host: ${host}:${port}\r\nUser-Agent: ${USER_AGENT}\r\n`;
  }

  /** Send a request; resolves with its answer, rejects with a {@link RuntimeApiError} if the connection fails first. */
  send(req: ApiRequest): Promise<ApiAnswer> {
    let head = `${req.method} ${req.path} HTTP/1.1\r\n${this.common}`;
    for (const name in req.headers) head += `${name}: ${req.headers[name]}\r\n`;
    head += '\r\n';
    return new Promise<ApiAnswer>((resolve, reject) => {
      const socket = this.socket ?? this.connect();
      if (this.waiting.length === 0) socket.ref();
      this.waiting.push({ resolve, reject, label: `${req.method} ${req.path}` });
      write(socket, head, req.body);
    });
  }

  /** Close the connection; requests still waiting fail. */
  close(): void {
    const socket = this.socket;
    if (socket !== undefined) this.drop(socket, new Error('connection closed'));
  }

  private connect(): Socket {
    const { connect } = process.getBuiltinModule('node:net');
    const socket = connect({ host: this.hostname, port: this.port, noDelay: true });
    this.socket = socket;
    socket.on('data', (data: Buffer) => {
      try {
        this.parser.push(data, (answer) => this.answered(socket, answer));
      } catch (error) {
        this.drop(socket, error as Error);
      }
    });
    socket.on('end', () => {
      const answer = this.parser.end();
      if (answer !== undefined) this.answered(socket, answer);
      this.drop(socket, new Error('socket hang up'));
    });
    socket.on('error', (error) => this.drop(socket, error));
    socket.on('close', () => this.drop(socket, new Error('socket hang up')));
    return socket;
  }

  private answered(socket: Socket, answer: ApiAnswer): void {
    if (this.socket !== socket) return; // bytes after `Connection: close` belong to no request
    const waiter = this.waiting.shift();
    if (this.waiting.length === 0) socket.unref();
    if (/\bclose\b/i.test(String(answer.headers['connection'] ?? ''))) this.drop(socket, new Error('connection closed by the Runtime API'));
    waiter?.resolve(answer);
  }

  /** Forget a socket (once): destroy it and fail the requests still waiting on it. */
  private drop(socket: Socket, error: Error): void {
    if (this.socket !== socket) return;
    this.socket = undefined;
    this.parser = new Http1ResponseParser();
    socket.destroy();
    for (const waiter of this.waiting.splice(0)) waiter.reject(new RuntimeApiError(`${waiter.label} failed: ${error.message}`));
  }
}
