/**
 * What a fuzz case's answer must look like: well-formed responses with a status in the
 * surface's set, API errors in the surface's JSON shape, or a closed connection; never a hang.
 */
import type { FuzzCase } from './cases.js';
import { parseResponses, type ParsedResponse } from './http-response.js';
import type { Exchange } from './wire.js';

export interface Expectations {
  /** Statuses a server may answer to anything a client sends. */
  readonly statuses: ReadonlySet<number>;
  /** Why an error answer is not in the API's shape, or undefined when it is. */
  readonly errorShape: (response: ParsedResponse) => string | undefined;
  /** A well-framed request the server may rightly hold unanswered (a long-poll): half-closed instead of waited for. */
  readonly mayPark?: (fuzzCase: FuzzCase) => boolean;
}

function jsonObject(body: Buffer): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body.toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Invoke API errors (front door, `lamina rie`): `x-amzn-ErrorType` and `{"Type", "message"}`.
 * A 400/431 with an empty body is Node's answer to bytes that are not HTTP; allowed.
 */
export const INVOKE_EXPECTATIONS: Expectations = {
  statuses: new Set([200, 202, 204, 400, 404, 405, 409, 413, 415, 429, 431]),
  errorShape(response) {
    if (response.status < 400) return undefined;
    if (response.body.length === 0 && !response.headers.has('x-amzn-errortype')) return undefined;
    const body = jsonObject(response.body);
    if (body === undefined) return 'error body is not a JSON object';
    if (typeof body.message !== 'string' || typeof body.Type !== 'string') return 'error body lacks Type and message';
    if (response.headers.get('x-amzn-errortype') === undefined) return 'error without x-amzn-ErrorType';
    return undefined;
  },
};

/** Runtime API errors: `{"errorType", "errorMessage"}`; 500 only as Runtime.ExitRequested. */
export const RUNTIME_EXPECTATIONS: Expectations = {
  statuses: new Set([200, 202, 400, 403, 404, 405, 413, 431, 500]),
  errorShape(response) {
    if (response.status < 400) return undefined;
    if (response.body.length === 0 && response.status !== 500) return undefined;
    const body = jsonObject(response.body);
    if (body === undefined) return 'error body is not a JSON object';
    if (typeof body.errorType !== 'string' || typeof body.errorMessage !== 'string') return 'error body lacks errorType and errorMessage';
    if (response.status === 500 && body.errorType !== 'Runtime.ExitRequested') return `500 ${body.errorType}`;
    return undefined;
  },
  // `GET /next` long-polls while no invocation waits (another case of the batch may have answered it).
  mayPark: (fuzzCase) => fuzzCase.methods.includes('GET') && fuzzCase.bytes.includes('/invocation/next'),
};

/**
 * The verdict on one exchange: undefined when it passes, else why it failed.
 *
 * @example
 * const why = judge(fuzzCase, await exchange(host, port, fuzzCase, bounds), INVOKE_EXPECTATIONS);
 */
export function judge(fuzzCase: FuzzCase, result: Exchange, expected: Expectations): string | undefined {
  if (result.connectError !== undefined) return `cannot connect: ${result.connectError}`;
  if (result.hung) return 'hang: no answer and no close within the bound';
  const parsed = parseResponses(result.received, result.closedByServer, fuzzCase.methods);
  if (parsed.malformed !== undefined) return `malformed response: ${parsed.malformed}`;
  // A response cut short is acceptable only when the client hung up first or the server closed
  // on purpose (a body it would not read); on a kept connection it is a broken answer.
  if (parsed.rest > 0 && fuzzCase.delivery.finish === 'keep' && !result.closedByServer) return 'incomplete response on a kept connection';
  for (const response of parsed.responses) {
    if (response.status < 200) continue;
    if (!expected.statuses.has(response.status)) return `status ${response.status}: ${response.body.subarray(0, 300).toString()}`;
    const shape = response.toHead ? undefined : expected.errorShape(response);
    if (shape !== undefined) return `status ${response.status}: ${shape}: ${response.body.subarray(0, 300).toString()}`;
  }
  if (fuzzCase.delivery.finish === 'keep' && parsed.responses.filter((r) => r.status >= 200).length === 0 && !result.closedByServer) {
    return 'no answer to a well-framed request';
  }
  return undefined;
}
