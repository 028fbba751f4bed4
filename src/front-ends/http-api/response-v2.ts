/**
 * How an HTTP API turns a function's answer into the HTTP response with payload format 2.0
 * (docs/http-front-ends.md). A JSON object with `statusCode` is a structured response (`headers`,
 * `cookies` as `set-cookie`, `body`, `isBase64Encoded`); any other JSON is a bare value: 200,
 * `content-type: application/json`, the value as the body (a JSON string's own text). What cannot
 * be mapped is undefined: the front end answers its 500 `{"message":"Internal Server Error"}`.
 */
import { headerPairs, isFinalStatus, isRecord, parseAnswer } from '../answer-json.js';

export interface GatewayResponse {
  readonly status: number;
  /** In order; a name may repeat (`set-cookie`). */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly body: Buffer;
}

/**
 * One of API Gateway's own answers: `{"message":"..."}` with its status.
 *
 * @example gatewayError(404, 'Not Found') // { status: 404, headers: [['content-type', 'application/json']], body: '{"message":"Not Found"}' }
 */
export function gatewayError(status: number, message: string | null): GatewayResponse {
  return { status, headers: [['content-type', 'application/json']], body: Buffer.from(JSON.stringify({ message })) };
}

/**
 * @example
 * httpApiResponseV2(Buffer.from('{"statusCode":201,"body":"made"}')) // { status: 201, headers: [], body: 'made' }
 * httpApiResponseV2(Buffer.from('"hello"')) // { status: 200, headers: [['content-type', 'application/json']], body: 'hello' }
 */
export function httpApiResponseV2(payload: Buffer): GatewayResponse | undefined {
  const parsed = parseAnswer(payload);
  if (parsed === undefined) return undefined;
  const { value } = parsed;
  if (!isRecord(value) || !('statusCode' in value)) {
    const body = typeof value === 'string' ? Buffer.from(value) : payload;
    return { status: 200, headers: [['content-type', 'application/json']], body };
  }
  const status = value.statusCode;
  if (!isFinalStatus(status)) return undefined;
  const headers = headersAndCookies(value);
  if (headers === undefined) return undefined;
  const rawBody = value.body;
  if (rawBody !== undefined && rawBody !== null && typeof rawBody !== 'string') return undefined;
  const text = rawBody ?? '';
  const body = value.isBase64Encoded === true ? Buffer.from(text, 'base64') : Buffer.from(text);
  return { status, headers, body };
}

/**
 * A 2.0 answer's `headers` (names lower-cased) and `cookies` (each a `set-cookie`), or undefined
 * when they break the rules (a response streamed through a function URL has them in its prelude too).
 *
 * @example headersAndCookies({ headers: { 'X-A': 1 }, cookies: ['c=1'] }) // [['x-a', '1'], ['set-cookie', 'c=1']]
 */
export function headersAndCookies(value: Record<string, unknown>): Array<readonly [string, string]> | undefined {
  const headers: Array<readonly [string, string]> = [];
  if (value.headers !== undefined && value.headers !== null) {
    const pairs = isRecord(value.headers) ? headerPairs(value.headers, false) : undefined;
    if (pairs === undefined) return undefined;
    headers.push(...pairs);
  }
  if (value.cookies !== undefined && value.cookies !== null) {
    if (!Array.isArray(value.cookies) || !value.cookies.every((c): c is string => typeof c === 'string')) return undefined;
    for (const cookie of value.cookies) headers.push(['set-cookie', cookie]);
  }
  return headers;
}
