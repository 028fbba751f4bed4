/**
 * How API Gateway maps a function's payload 1.0 answer (docs/http-front-ends.md): it must be a
 * JSON object with an integer `statusCode`; `headers` and `multiValueHeaders` are merged (for a name
 * in both, only the `multiValueHeaders` values are sent); `body` is a string, base64-decoded when `isBase64Encoded` is true (a
 * REST API decodes it only for its binary media types). Nothing is inferred: anything else is the
 * front end's "bad answer" (REST: 502, HTTP API: 500).
 */
import { headerText as text, isRecord, type GatewayResponse } from '../http-api/response-v2.js';

export interface ResponseV1Options {
  /** Decode a base64 body (HTTP APIs always; REST APIs for their binary media types). */
  readonly decodeBase64: (contentType: string | undefined) => boolean;
}

/**
 * The response, or undefined when the answer cannot be mapped.
 *
 * @example
 * proxyResponseV1(Buffer.from('{"statusCode":200,"body":"ok"}'), { decodeBase64: () => true }) // { status: 200, headers: [], body: 'ok' }
 * proxyResponseV1(Buffer.from('"hello"'), { decodeBase64: () => true }) // undefined
 */
export function proxyResponseV1(payload: Buffer, options: ResponseV1Options): GatewayResponse | undefined {
  let value: unknown;
  try {
    value = JSON.parse(payload.toString('utf8'));
  } catch {
    return undefined;
  }
  if (!isRecord(value)) return undefined;
  const status = value.statusCode;
  // A 1xx is interim in HTTP: sent as the final answer, the client would wait for another one.
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 200 || status > 599) return undefined;
  const headers: Array<readonly [string, string]> = [];
  const single = value.headers ?? {};
  const multi = value.multiValueHeaders ?? {};
  if (!isRecord(single) || !isRecord(multi)) return undefined;
  const names = new Set<string>();
  for (const [name, raw] of Object.entries(multi)) {
    if (!Array.isArray(raw)) return undefined;
    for (const item of raw) {
      const t = text(item);
      if (t === undefined) return undefined;
      headers.push([name.toLowerCase(), t]);
    }
    names.add(name.toLowerCase());
  }
  for (const [name, raw] of Object.entries(single)) {
    const t = text(raw);
    if (t === undefined) return undefined;
    if (!names.has(name.toLowerCase())) headers.push([name.toLowerCase(), t]);
  }
  const body = value.body ?? '';
  if (typeof body !== 'string') return undefined;
  const contentType = headers.find(([name]) => name === 'content-type')?.[1];
  const decode = value.isBase64Encoded === true && options.decodeBase64(contentType);
  return { status, headers, body: decode ? Buffer.from(body, 'base64') : Buffer.from(body) };
}
