/**
 * One runtime connection served by the lean listener (docs/runtime-api-listener.md): requests are
 * taken one at a time, in order; a parked `GET /next` holds the ones pipelined behind it until it
 * is answered. The first request the lean parser does not take (`'other'`) and everything after it
 * go to `node:http`: the unparsed bytes are put back on the socket and the socket handed over, for
 * the rest of its life.
 *
 * Mirrors what `node:http` did for these requests (node-http-server.ts): a FIN ends the connection
 * (the Runtime API does not serve half-closed runtimes), a body cut short gives the invocation back
 * (`abandonAnswer`), an unknown request id is refused before its body is read.
 */
import type { Socket } from 'node:net';
import { answerClientError } from '../../errors.js';
import type { RuntimeApiTarget } from '../runtime-api-target.js';
import { writeAccepted, writeError } from './lean-answers.js';
import { LeanWaiter } from './lean-waiter.js';
import { parseLeanHead, type LeanHead } from './request-head.js';

/** node:http's `headersTimeout` on the Runtime API: a head must be whole within a minute. */
const HEAD_TIMEOUT_MS = 60_000;
/**
 * Pipelined bytes held behind a parked `GET /next`. Past this the connection is cut: not paused,
 * since a paused socket never shows the runtime's hang-up, and the next invocation would be
 * delivered into a waiter nobody reads (test/runtime-api/parked-next.test.ts).
 */
export const HELD_BYTES = 1024 * 1024;

/**
 * A body on its way in, as the chunks that came (joined once at the end): nothing is allocated for
 * what a runtime only declares, so a hostile one cannot make the platform reserve 6 MB per
 * connection by sending heads alone.
 */
interface BodyRead {
  readonly answer: object;
  readonly head: LeanHead;
  readonly chunks: Buffer[];
  got: number;
}

/**
 * @example
 * new LeanConnection(socket, target, (rest) => handToNodeHttp(socket, rest));
 */
export class LeanConnection {
  readonly #socket: Socket;
  readonly #target: RuntimeApiTarget;
  readonly #handOff: (rest: Buffer | undefined) => void;
  /** Received, not yet parsed. */
  #pending: Buffer | undefined;
  #parked: LeanWaiter | undefined;
  #body: BodyRead | undefined;
  /** Bytes of a refused request's body still to drop. */
  #skip = 0;
  #headTimer: NodeJS.Timeout | undefined;
  #draining = false;
  /** Handed to node:http, or closed. */
  #gone = false;

  constructor(socket: Socket, target: RuntimeApiTarget, handOff: (rest: Buffer | undefined) => void) {
    this.#socket = socket;
    this.#target = target;
    this.#handOff = handOff;
    socket.on('data', this.#onData);
    socket.on('end', this.#onEnd);
    socket.on('close', this.#onClose);
    socket.on('error', noop);
  }

  /** The parked waiter was answered: requests behind it may be served. */
  answered(waiter: LeanWaiter): void {
    if (this.#parked === waiter) this.#parked = undefined;
  }

  /** Serve what was pipelined behind an answered waiter. */
  resume(): void {
    this.#drain();
  }

  readonly #onData = (chunk: Buffer): void => {
    if (this.#gone) return;
    if (this.#skip > 0) {
      if (chunk.length <= this.#skip) {
        this.#skip -= chunk.length;
        return;
      }
      chunk = chunk.subarray(this.#skip);
      this.#skip = 0;
    }
    const body = this.#body;
    if (body !== undefined) {
      const take = Math.min(chunk.length, body.head.bodyLength - body.got);
      body.chunks.push(take === chunk.length ? chunk : chunk.subarray(0, take));
      body.got += take;
      if (body.got < body.head.bodyLength) return;
      try {
        this.#finish(body);
      } catch {
        // As node:http's path did (the answer's promise caught): this connection goes, not the platform.
        this.#socket.destroy();
        return;
      }
      if (take === chunk.length) return this.#drain();
      chunk = chunk.subarray(take);
    }
    this.#pending = this.#pending === undefined ? chunk : Buffer.concat([this.#pending, chunk]);
    this.#drain();
  };

  /**
   * The runtime's FIN: node:http ends such a connection (no half-closed runtimes), and so does this;
   * a FIN inside a head or a body is also a 400 there (the parser's error at the end of input).
   */
  readonly #onEnd = (): void => {
    if (this.#gone) return;
    const cut = this.#body !== undefined || this.#skip > 0 || (this.#parked === undefined && this.#pending !== undefined);
    this.#abandon();
    this.#pending = undefined;
    if (cut) answerClientError(Object.assign(new Error('Parse Error: Invalid EOF state'), { code: 'HPE_INVALID_EOF_STATE' }), this.#socket);
    else this.#socket.end();
  };

  readonly #onClose = (): void => {
    this.#abandon();
    this.#gone = true;
    this.#pending = undefined;
    if (this.#headTimer !== undefined) clearTimeout(this.#headTimer);
  };

  #abandon(): void {
    const body = this.#body;
    this.#body = undefined;
    if (body !== undefined) this.#target.abandonAnswer(body.answer);
  }

  #drain(): void {
    if (this.#draining) return;
    this.#draining = true;
    try {
      while (!this.#gone && this.#parked === undefined && this.#body === undefined && this.#pending !== undefined) {
        const pending = this.#pending;
        const head = parseLeanHead(pending);
        if (head === 'incomplete') {
          this.#headTimer ??= setTimeout(this.#headTimedOut, HEAD_TIMEOUT_MS).unref();
          break;
        }
        if (this.#headTimer !== undefined) {
          clearTimeout(this.#headTimer);
          this.#headTimer = undefined;
        }
        if (head === 'other') {
          this.#giveUp(pending);
          return;
        }
        this.#pending = pending.length > head.headBytes ? pending.subarray(head.headBytes) : undefined;
        this.#serve(head);
      }
      if (this.#pending !== undefined && this.#pending.length > HELD_BYTES) this.#socket.destroy();
    } catch {
      this.#socket.destroy();
    } finally {
      this.#draining = false;
    }
  }

  #serve(head: LeanHead): void {
    if (head.kind === 'next') {
      const waiter = new LeanWaiter(this, this.#socket);
      this.#parked = waiter;
      const refused = this.#target.next(waiter);
      if (refused === undefined) return;
      waiter.done = true;
      this.answered(waiter);
      writeError(this.#socket, refused, 'Invalid state transition: an invocation is outstanding');
      return;
    }
    const answer = this.#target.beginAnswer(head.requestId);
    if (typeof answer === 'string') {
      writeError(this.#socket, answer, answer === 'LAMINA_ERR_RUNTIME_INVALID_REQUEST_ID' ? `Invalid request ID: "${head.requestId}"` : 'Invalid state transition: the invocation was already answered');
      this.#skipBody(head.bodyLength);
      return;
    }
    const pending = this.#pending;
    const length = head.bodyLength;
    if (length === 0 || (pending !== undefined && pending.length >= length)) {
      this.#pending = pending !== undefined && pending.length > length ? pending.subarray(length) : undefined;
      this.#finish({ answer, head, chunks: [pending === undefined ? EMPTY : pending.subarray(0, length)], got: length });
      return;
    }
    // The body comes in several reads.
    this.#body = { answer, head, chunks: pending === undefined ? [] : [pending], got: pending?.length ?? 0 };
    this.#pending = undefined;
  }

  #finish(body: BodyRead): void {
    this.#body = undefined;
    const { answer, head, chunks } = body;
    const bytes = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, head.bodyLength);
    if (head.kind === 'response') this.#target.finishResponse(answer, bytes, head.contentType ?? 'application/json');
    else this.#target.finishError(answer, { errorType: head.errorType, payload: bytes });
    writeAccepted(this.#socket);
  }

  #skipBody(length: number): void {
    const pending = this.#pending;
    const here = Math.min(length, pending?.length ?? 0);
    this.#pending = pending !== undefined && pending.length > here ? pending.subarray(here) : undefined;
    this.#skip = length - here;
  }

  /** node:http takes the connection from the request at the start of `rest` on. */
  #giveUp(rest: Buffer): void {
    this.#gone = true;
    this.#pending = undefined;
    const socket = this.#socket;
    socket.off('data', this.#onData);
    socket.off('end', this.#onEnd);
    socket.off('close', this.#onClose);
    socket.off('error', noop);
    this.#handOff(rest);
  }

  readonly #headTimedOut = (): void => {
    this.#headTimer = undefined;
    if (this.#gone) return;
    this.#gone = true;
    answerClientError(Object.assign(new Error('Request timeout'), { code: 'ERR_HTTP_REQUEST_TIMEOUT' }), this.#socket);
  };
}

function noop(): void {}

const EMPTY = Buffer.alloc(0);
