/**
 * A raw HTTP/1.1 connection for pipelining tests: write bytes whenever, read back the server's
 * bytes as strictly parsed responses (bench/fuzz/http-response.ts), in order, 1xx included.
 */
import { connect, type Socket } from 'node:net';
import { parseResponses, type ParseResult } from '../../bench/fuzz/http-response.js';

export interface RawConnection {
  readonly socket: Socket;
  /** Everything the server has sent so far, parsed. */
  parsed(): ParseResult;
  /** Resolves once `ready` holds for the parsed answers (checked on each chunk), or the server ended. */
  until(ready: (parsed: ParseResult) => boolean): Promise<ParseResult>;
  /** Resolves once the server has ended the connection. */
  readonly ended: Promise<void>;
  /** Whether the server has ended the connection. */
  isEnded(): boolean;
}

/**
 * Open a connection that stays open on this side (the server's end is seen, not answered).
 *
 * @example
 * const conn = await rawConnection(port);
 * conn.socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
 * const { responses } = await conn.until((p) => p.responses.length === 1);
 */
export async function rawConnection(port: number, host = '127.0.0.1'): Promise<RawConnection> {
  const socket = connect({ port, host, allowHalfOpen: true });
  socket.on('error', () => undefined);
  const chunks: Buffer[] = [];
  let ended = false;
  const waiters = new Set<() => void>();
  const wake = (): void => {
    for (const waiter of waiters) waiter();
  };
  socket.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    wake();
  });
  const endedPromise = new Promise<void>((resolve) => {
    const done = (): void => {
      ended = true;
      wake();
      resolve();
    };
    socket.once('end', done);
    socket.once('close', done);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  // Every request these tests send is a POST or GET: no HEAD answers without a body.
  const parsed = (): ParseResult => parseResponses(Buffer.concat(chunks), ended, []);
  return {
    socket,
    parsed,
    until: (ready) =>
      new Promise((resolve) => {
        const check = (): void => {
          const now = parsed();
          if (!ready(now) && !ended) return;
          waiters.delete(check);
          resolve(now);
        };
        waiters.add(check);
        check();
      }),
    ended: endedPromise,
    isEnded: () => ended,
  };
}
