/**
 * Collect a request body as Buffer chunks under a size cap (docs/invoke-api.md: 6 MB / 1 MB),
 * checking that it is JSON as it arrives.
 *
 * An oversized body is never buffered: the caller answers 413 at once while the rest of the
 * body is read and thrown away, so the connection stays usable and the client, still
 * writing, is not reset before it reads the answer. Past `maxDrainBytes` the socket is cut.
 * A body that stops being JSON is answered (400) the same way, without waiting for the rest.
 *
 * Each chunk goes through the incremental `JsonValidator` when it arrives, so the check overlaps
 * the upload; after every `YIELD_BYTES` checked the request is paused until the event loop has
 * turned once (a socket can deliver many chunks in one turn), so no payload, however nested,
 * holds the loop for more than one slice (see docs/payload-validation.md).
 */
import type { Hash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { JsonValidator } from './json-validator.js';

/** What each chunk goes through as it arrives. */
export interface BodyChecks {
  /** Checks the body is JSON; a body that stops being JSON is refused at once. */
  readonly validator?: JsonValidator | undefined;
  /** The body's SHA-256, for a SigV4 signature (src/invoke/sigv4-verifier.ts). */
  readonly hash?: Hash | undefined;
}

/** Bytes validated between two turns of the event loop: about a millisecond of work. */
export const YIELD_BYTES = 128 * 1024;

/**
 * The body, or why it was refused and how many bytes were seen then; `close` asks the answer to
 * carry `Connection: close` because the rest of the body is too big to drain.
 */
export type BodyOutcome =
  | { readonly ok: true; readonly body: Buffer }
  | { readonly ok: false; readonly problem: 'too-large' | 'not-json'; readonly seen: number; readonly close: boolean };

/** The client went away before sending the whole body. */
export class BodyAbortedError extends Error {
  constructor() {
    super('The client aborted the request body');
    this.name = 'BodyAbortedError';
  }
}

function declaredLength(req: IncomingMessage): number | undefined {
  const value = req.headers['content-length'];
  if (value === undefined || !/^\d+$/.test(value)) return undefined;
  return Number(value);
}

/**
 * How long a connection closed after a refusal keeps reading (and dropping) what the client still
 * sends. Destroying a socket with unread bytes makes the kernel answer with a reset, and a client
 * still writing its body may then lose the refusal it had not read yet (seen as a reset or a
 * hang instead of the 413). So the server sends its answer, then its FIN, keeps reading until the
 * client closes too, and destroys the socket only after this long (nginx's "lingering close").
 */
export const LINGER_MS = 5_000;

/**
 * Close after the answer without a reset: end the sending side (the answer already written goes
 * out first), keep reading, destroy once the client closed or after `LINGER_MS`.
 */
function lingerClose(socket: Socket): void {
  if (socket.destroyed) return;
  socket.end();
  socket.resume();
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
}

/**
 * An answer carrying `Connection: close` makes Node's server call `socket.destroySoon()` once the
 * answer is written, which destroys the socket with the client's unread body in it (a reset):
 * that socket lingers instead.
 */
function lingerAfterAnswer(req: IncomingMessage): void {
  const socket = req.socket;
  socket.destroySoon = () => lingerClose(socket);
}

/** Read and drop the rest of the body; past `budget` bytes, close (lingering: see `LINGER_MS`). */
function discard(req: IncomingMessage, budget: number): void {
  let seen = 0;
  let closing = false;
  req.on('data', (chunk: Buffer) => {
    seen += chunk.length;
    if (seen <= budget || closing) return;
    closing = true;
    // The refusal was answered in the turn that refused (before this chunk's event), so ending now sends it first.
    lingerClose(req.socket);
  });
  req.resume();
}

/**
 * Read the body of `req`, at most `limit` bytes.
 *
 * @example
 * const outcome = await collectBody(req, 6_291_456, 16 * 1024 * 1024);
 * if (!outcome.ok) throw payloadTooLarge(head, outcome.seen);
 */
export function collectBody(req: IncomingMessage, limit: number, maxDrainBytes: number, checks: BodyChecks = {}): Promise<BodyOutcome> {
  const { validator, hash } = checks;
  const declared = declaredLength(req);
  if (declared !== undefined && declared > limit) {
    const close = declared > maxDrainBytes;
    if (close) lingerAfterAnswer(req);
    else discard(req, maxDrainBytes);
    return Promise.resolve({ ok: false, problem: 'too-large', seen: declared, close });
  }
  if (req.readableEnded) return Promise.resolve({ ok: true, body: Buffer.alloc(0) });
  return new Promise<BodyOutcome>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let unchecked = YIELD_BYTES;
    const cleanup = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('close', onClose);
    };
    const refuse = (problem: 'too-large' | 'not-json'): void => {
      cleanup();
      chunks.length = 0;
      discard(req, maxDrainBytes - size);
      resolve({ ok: false, problem, seen: size, close: false });
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) return refuse('too-large');
      chunks.push(chunk);
      hash?.update(chunk);
      if (validator === undefined) return;
      if (!validator.feed(chunk)) return refuse('not-json');
      unchecked -= chunk.length;
      if (unchecked > 0) return;
      unchecked = YIELD_BYTES;
      req.pause();
      setImmediate(() => req.resume());
    };
    const onEnd = (): void => {
      cleanup();
      const first = chunks[0];
      resolve({ ok: true, body: chunks.length === 1 && first !== undefined ? first : Buffer.concat(chunks, size) });
    };
    const onClose = (): void => {
      if (req.complete) return;
      cleanup();
      reject(new BodyAbortedError());
    };
    req.on('error', () => undefined);
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('close', onClose);
  });
}
