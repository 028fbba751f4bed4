/**
 * How an HTTP API turns a function's answer into the HTTP response with payload format 2.0
 * (docs/http-front-ends.md). A JSON object with `statusCode` is a structured response (`headers`,
 * `cookies` as `set-cookie`, `body`, `isBase64Encoded`); any other JSON is a bare value: 200,
 * `content-type: application/json`, the value as the body (a JSON string's own text). What cannot
 * be mapped is undefined: the front end answers its 500 `{"message":"Internal Server Error"}`.
 */

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

/** A JSON object (not an array, not null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A header value as API Gateway takes it: a string, or a number or boolean as text. */
export function headerText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/**
 * @example
 * httpApiResponseV2(Buffer.from('{"statusCode":201,"body":"made"}')) // { status: 201, headers: [], body: 'made' }
 * httpApiResponseV2(Buffer.from('"hello"')) // { status: 200, headers: [['content-type', 'application/json']], body: 'hello' }
 */
export function httpApiResponseV2(payload: Buffer): GatewayResponse | undefined {
  let value: unknown;
  try {
    value = JSON.parse(payload.toString('utf8'));
  } catch {
    return undefined;
  }
  if (!isRecord(value) || !('statusCode' in value)) {
    const body = typeof value === 'string' ? Buffer.from(value) : payload;
    return { status: 200, headers: [['content-type', 'application/json']], body };
  }
  const status = value.statusCode;
  // A 1xx is interim in HTTP: sent as the final answer, the client would wait for another one.
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 200 || status > 599) return undefined;
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
    if (!isRecord(value.headers)) return undefined;
    for (const [name, raw] of Object.entries(value.headers)) {
      const text = headerText(raw);
      if (text === undefined) return undefined;
      headers.push([name.toLowerCase(), text]);
    }
  }
  if (value.cookies !== undefined && value.cookies !== null) {
    if (!Array.isArray(value.cookies) || !value.cookies.every((c): c is string => typeof c === 'string')) return undefined;
    for (const cookie of value.cookies) headers.push(['set-cookie', cookie]);
  }
  return headers;
}
