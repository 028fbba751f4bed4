/**
 * How an Application Load Balancer maps a Lambda target's answer (docs/http-front-ends.md), typed
 * by `@types/aws-lambda`'s `ALBResult`: a JSON object with an integer `statusCode`, an optional
 * `statusDescription` (`"200 OK"`: its text after the code is the reason phrase), `headers` (or,
 * with multi-value headers enabled on the target group, `multiValueHeaders`: the other one is
 * ignored), `body` (a string, base64-decoded when `isBase64Encoded`). Anything else, or an answer
 * over 1 MB, is the load balancer's 502.
 */
import { ALB_ERRORS, albErrorPage, type AlbErrorCode } from '../../errors.js';
import { headerPairs, isFinalStatus, isRecord, parseAnswer } from '../answer-json.js';
import type { GatewayResponse } from '../http-api/response-v2.js';

/** The most a Lambda target may answer (its JSON, before decoding). */
export const MAX_ALB_RESPONSE_BYTES = 1024 * 1024;

export interface AlbResponse extends GatewayResponse {
  /** The reason phrase from `statusDescription`, when it gives a usable one. */
  readonly statusMessage: string | undefined;
}

/** A reason phrase Node will write: visible ASCII, spaces and tabs. */
const REASON = /^[\t\x20-\x7e]+$/;

/**
 * The load balancer's own answer: its status and HTML page.
 *
 * @example albError('LAMINA_ERR_ALB_BAD_GATEWAY').status // 502
 */
export function albError(code: AlbErrorCode): AlbResponse {
  const spec = ALB_ERRORS[code];
  return { status: spec.status, statusMessage: spec.reason, headers: [['server', 'awselb/2.0'], ['content-type', 'text/html']], body: Buffer.from(albErrorPage(code)) };
}

/**
 * The response, or undefined when the answer cannot be mapped (the caller answers 502).
 *
 * @example
 * albResponse(Buffer.from('{"statusCode":200,"statusDescription":"200 OK","body":"hi"}'), false) // { status: 200, statusMessage: 'OK', headers: [], body: <hi> }
 */
export function albResponse(payload: Buffer, multiValueHeaders: boolean): AlbResponse | undefined {
  if (payload.length > MAX_ALB_RESPONSE_BYTES) return undefined;
  const value = parseAnswer(payload)?.value;
  if (!isRecord(value) || !isFinalStatus(value.statusCode)) return undefined;
  const status = value.statusCode;
  const source = (multiValueHeaders ? value.multiValueHeaders : value.headers) ?? {};
  const headers = isRecord(source) ? headerPairs(source, multiValueHeaders) : undefined;
  if (headers === undefined) return undefined;
  const body = value.body ?? '';
  if (typeof body !== 'string') return undefined;
  const description = value.statusDescription;
  let statusMessage: string | undefined;
  if (typeof description === 'string') {
    const reason = description.replace(/^\s*\d{3}\s*/, '');
    statusMessage = REASON.test(reason) ? reason : undefined;
  }
  return { status, statusMessage, headers, body: value.isBase64Encoded === true ? Buffer.from(body, 'base64') : Buffer.from(body) };
}
