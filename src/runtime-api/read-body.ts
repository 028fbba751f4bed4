/**
 * Read a request body into one Buffer with a size cap. Checks Content-Length first, so an
 * oversized body is refused before it is read. The bytes of unfinished bodies count against the
 * environment's {@link BodyBudget}, when its server gave the request one.
 */
import type { IncomingMessage } from 'node:http';

/**
 * The bytes of unfinished request bodies one environment's Runtime API holds at once
 * (docs/limits.md). A route reads a body whole before it can judge it (an init error after init,
 * an extension's error report), so without a shared budget every connection could hold up to 6 MB:
 * 64 connections, 380 MB per environment (test/sandbox/hostile-runtime-api.e2e.test.ts).
 *
 * @example
 * const budget = new BodyBudget(2 * 6_291_556);
 * server.on('request', (req) => holdBodiesWithin(req, budget));
 */
export class BodyBudget {
  #held = 0;

  constructor(readonly limitBytes: number) {}

  /** Take `bytes` for a body in progress; false (nothing taken) when that would pass the limit. */
  take(bytes: number): boolean {
    if (this.#held + bytes > this.limitBytes) return false;
    this.#held += bytes;
    return true;
  }

  /** Give back what a finished, refused or abandoned body took. */
  give(bytes: number): void {
    this.#held -= bytes;
  }

  /** Bytes held now. */
  get held(): number {
    return this.#held;
  }
}

const budgets = new WeakMap<IncomingMessage, BodyBudget>();

/** From now on, `req`'s body counts against `budget` while it is read. */
export function holdBodiesWithin(req: IncomingMessage, budget: BodyBudget): void {
  budgets.set(req, budget);
}

/**
 * @example
 * const body = await readBody(req, 6_291_556);
 * if (body === 'too-large') ...
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too-large' | 'aborted'> {
  const declared = Number(req.headers['content-length']);
  if (declared > limit) {
    req.resume();
    return Promise.resolve('too-large');
  }
  const budget = budgets.get(req);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (value: Buffer | 'too-large' | 'aborted'): void => {
      if (done) return;
      done = true;
      budget?.give(size);
      resolve(value);
    };
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      if (budget !== undefined && !budget.take(chunk.length)) {
        // Over the environment's budget: this connection goes, the others' bodies stay.
        chunks.length = 0;
        finish('aborted');
        req.socket.destroy();
        return;
      }
      size += chunk.length;
      if (size > limit) {
        chunks.length = 0;
        finish('too-large');
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => finish(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size)));
    req.on('close', () => {
      if (!req.complete) finish('aborted');
    });
    req.on('error', () => finish('aborted'));
  });
}
