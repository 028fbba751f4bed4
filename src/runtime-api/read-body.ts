/**
 * Read a request body into one Buffer with a size cap. Checks Content-Length first, so an
 * oversized body is refused before it is read.
 */
import type { IncomingMessage } from 'node:http';

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
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (value: Buffer | 'too-large' | 'aborted'): void => {
      if (done) return;
      done = true;
      resolve(value);
    };
    req.on('data', (chunk: Buffer) => {
      if (done) return;
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
