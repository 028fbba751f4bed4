/**
 * Writing a function URL's answers (docs/http-front-ends.md): Lambda's own error answers from the
 * `GATEWAY_ERRORS` catalogue, and the function's answers with the URL's CORS headers and the
 * `x-amzn-RequestId` header every URL answer carries.
 */
import type { ServerResponse } from 'node:http';
import { GATEWAY_ERRORS, type GatewayErrorCode, type GatewayErrorSpec } from '../../errors.js';
import type { GatewayResponse } from '../http-api/response-v2.js';
import { lengthHeader } from '../listener-limits.js';

/** Headers Node sets from what it writes; a function's values for them are dropped. */
const HOP_HEADERS: ReadonlySet<string> = new Set(['content-length', 'transfer-encoding', 'connection']);

/**
 * One of Lambda's own answers for a function URL: `{"Message":"..."}` or the bare text, with
 * `x-amzn-ErrorType` when Lambda names the error.
 *
 * @example urlError('LAMINA_ERR_GW_URL_FORBIDDEN') // { status: 403, headers: [..., ['x-amzn-errortype', 'AccessDeniedException']], body: '{"Message":"Forbidden"}' }
 */
export function urlError(code: GatewayErrorCode): GatewayResponse {
  const spec: GatewayErrorSpec = GATEWAY_ERRORS[code];
  const text = spec.form === 'text';
  const body = text ? String(spec.message) : JSON.stringify(spec.form === 'Message' ? { Message: spec.message } : { message: spec.message });
  const headers: Array<readonly [string, string]> = [['content-type', text ? 'text/plain; charset=utf-8' : 'application/json']];
  if (spec.errorType !== undefined) headers.push(['x-amzn-errortype', spec.errorType]);
  return { status: spec.status, headers, body: Buffer.from(body) };
}

/**
 * The header list to write: the answer's own (hop-by-hop ones dropped), `content-type:
 * application/json` for a body without a type (as payload 2.0 does), and the request id.
 *
 * @example answerHeaders([['x-a', '1']], true, 'c0ffee') // [['x-a', '1'], ['content-type', 'application/json'], ['x-amzn-RequestId', 'c0ffee']]
 */
export function answerHeaders(headers: ReadonlyArray<readonly [string, string]>, hasBody: boolean, requestId: string): string[] {
  const out: Array<readonly [string, string]> = headers.filter(([name]) => !HOP_HEADERS.has(name));
  if (hasBody && !out.some(([name]) => name === 'content-type')) out.push(['content-type', 'application/json']);
  out.push(['x-amzn-RequestId', requestId]);
  return out.flat();
}

/** Write a whole answer. */
export function sendAnswer(res: ServerResponse, answer: GatewayResponse, requestId: string): void {
  res.writeHead(answer.status, [...answerHeaders(answer.headers, answer.body.length > 0, requestId), ...lengthHeader(answer)]);
  res.end(answer.body);
}
