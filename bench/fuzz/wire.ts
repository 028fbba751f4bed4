/**
 * Send one fuzz case over a raw TCP socket and collect what comes back: the server's bytes,
 * whether it closed, and whether it neither answered nor closed in time (a hang).
 */
import { connect } from 'node:net';
import type { FuzzCase } from './cases.js';
import { parseResponses } from './http-response.js';

export interface Exchange {
  readonly received: Buffer;
  /** The server closed (FIN or reset) before the fuzzer gave up. */
  readonly closedByServer: boolean;
  /** The fuzzer half-closed or reset its side. */
  readonly clientEnded: boolean;
  /** Neither the expected answers nor a close within the bound. */
  readonly hung: boolean;
  readonly connectError?: string;
}

export interface ExchangeBounds {
  /** How long a server may take to answer or close (a hang past it). */
  readonly hangMs: number;
  /** For a case whose framing was mutated: how long to wait before half-closing. */
  readonly patienceMs: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * @example
 * const x = await exchange('127.0.0.1', 9000, fuzzCase, { hangMs: 10_000, patienceMs: 300 });
 * if (x.hung) throw new Error('hang');
 */
export function exchange(host: string, port: number, fuzzCase: FuzzCase, bounds: ExchangeBounds): Promise<Exchange> {
  const socket = connect({ host, port, allowHalfOpen: true });
  const chunks: Buffer[] = [];
  let closedByServer = false;
  let clientEnded = false;
  let finished = false;
  let connectError: string | undefined;
  let wake: (() => void) | undefined;
  const settled = (): boolean => {
    if (finished || closedByServer) return true;
    if (fuzzCase.delivery.finish !== 'keep') return false;
    return parseResponses(Buffer.concat(chunks), false, fuzzCase.methods).responses.filter((r) => r.status >= 200).length >= fuzzCase.requests;
  };
  const waitSettled = (ms: number): Promise<boolean> =>
    new Promise((resolve) => {
      if (settled()) return resolve(true);
      const timer = setTimeout(() => {
        wake = undefined;
        resolve(settled());
      }, ms);
      wake = () => {
        if (!settled()) return;
        clearTimeout(timer);
        wake = undefined;
        resolve(true);
      };
    });
  socket.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    wake?.();
  });
  const serverGone = (): void => {
    closedByServer = true;
    wake?.();
  };
  socket.on('end', serverGone);
  socket.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'ECONNREFUSED') connectError = error.message;
    serverGone();
  });
  socket.on('close', serverGone);

  const run = async (): Promise<boolean> => {
    await new Promise<void>((resolve) => {
      socket.once('connect', resolve);
      socket.once('close', resolve);
    });
    if (closedByServer) return true;
    const { bytes, delivery } = fuzzCase;
    const limit = delivery.finish === 'reset' ? delivery.resetAt : bytes.length;
    const piece = Math.max(1, Math.ceil(limit / delivery.pieces));
    for (let at = 0; at < limit && !closedByServer; at += piece) {
      socket.write(bytes.subarray(at, Math.min(limit, at + piece)));
      if (delivery.delayMs > 0) await sleep(delivery.delayMs);
    }
    if (delivery.finish === 'reset') {
      clientEnded = true;
      socket.resetAndDestroy();
      return true;
    }
    if (delivery.finish === 'keep') return waitSettled(bounds.hangMs);
    if (await waitSettled(bounds.patienceMs)) return true;
    clientEnded = true;
    socket.end();
    return waitSettled(bounds.hangMs);
  };
  return run().then((answered) => {
    finished = true;
    socket.destroy();
    return {
      received: Buffer.concat(chunks),
      closedByServer,
      clientEnded,
      hung: !answered,
      ...(connectError === undefined ? {} : { connectError }),
    };
  });
}
