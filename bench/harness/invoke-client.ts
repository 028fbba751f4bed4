/**
 * Invokes through the Invoke API with undici, timed on the caller's side, with the REPORT line
 * of the log tail when asked for.
 */
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { reportFromLogResult, type Report } from './lambda-report.js';

export interface Invoked {
  readonly status: number;
  readonly body: Buffer;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly report: Report | undefined;
  /** Caller-side milliseconds from sending the request to the last byte of the answer. */
  readonly elapsedMs: number;
}

export interface InvokeOptions {
  /** Ask for `X-Amz-Log-Type: Tail` (the REPORT line). */
  readonly tail?: boolean;
  /** `X-Amz-Invocation-Type`. */
  readonly invocationType?: 'RequestResponse' | 'Event' | 'DryRun';
}

/** The Invoke API path of a function. */
export function invokePath(functionName: string): string {
  return `/2015-03-31/functions/${encodeURIComponent(functionName)}/invocations`;
}

/**
 * @example
 * const pool = new Pool(url); const answer = await invoke(pool, 'Echo', '{"a":1}', { tail: true });
 */
export async function invoke(pool: Pool, functionName: string, payload: string | Uint8Array, options: InvokeOptions = {}): Promise<Invoked> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.tail === true) headers['x-amz-log-type'] = 'Tail';
  if (options.invocationType !== undefined) headers['x-amz-invocation-type'] = options.invocationType;
  const t0 = performance.now();
  const answer = await pool.request({ method: 'POST', path: invokePath(functionName), body: payload, headers });
  const body = Buffer.from(await answer.body.arrayBuffer());
  const elapsedMs = performance.now() - t0;
  return { status: answer.statusCode, body, headers: answer.headers, report: reportFromLogResult(answer.headers['x-amz-log-result']), elapsedMs };
}

/**
 * A keep-alive pool for `callers` concurrent callers. An invocation not answered within
 * `timeoutMs` fails the call ("Headers Timeout Error"): a lost invocation shows up as an error
 * in the tables instead of hanging the harness.
 */
export function callerPool(url: string, callers = 1, timeoutMs = 30_000): Pool {
  return new Pool(url, { connections: callers, pipelining: 1, keepAliveTimeout: 60_000, bodyTimeout: timeoutMs, headersTimeout: timeoutMs });
}

/** How long a warm benchmark waits for one answer before counting the invocation as lost. */
export const LOST_AFTER_MS = 15_000;

/** A JSON string payload of exactly `bytes` bytes (an echo function answers the same bytes). */
export function jsonPayload(bytes: number): string {
  return JSON.stringify('x'.repeat(Math.max(0, bytes - 2)));
}
