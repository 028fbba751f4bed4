/**
 * How API Gateway maps a function's payload 1.0 answer (docs/http-front-ends.md): it must be a
 * JSON object with an integer `statusCode`; `headers` and `multiValueHeaders` are merged (for a name
 * in both, only the `multiValueHeaders` values are sent); `body` is a string, base64-decoded when `isBase64Encoded` is true (a
 * REST API decodes it only for its binary media types). Nothing is inferred: anything else is the
 * front end's "bad answer" (REST: 502, HTTP API: 500).
 */
import { headerPairs, isFinalStatus, isRecord, parseAnswer } from '../answer-json.js';
import type { GatewayResponse } from '../http-api/response-v2.js';

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
  const value = parseAnswer(payload)?.value;
  if (!isRecord(value) || !isFinalStatus(value.statusCode)) return undefined;
  const status = value.statusCode;
  const single = value.headers ?? {};
  const multi = value.multiValueHeaders ?? {};
  if (!isRecord(single) || !isRecord(multi)) return undefined;
  const multiPairs = headerPairs(multi, true);
  const singlePairs = headerPairs(single, false);
  if (multiPairs === undefined || singlePairs === undefined) return undefined;
  // For a name in both maps, only the multi-value ones are sent.
  const names = new Set(multiPairs.map(([name]) => name));
  const headers = [...multiPairs, ...singlePairs.filter(([name]) => !names.has(name))];
  const body = value.body ?? '';
  if (typeof body !== 'string') return undefined;
  const contentType = headers.find(([name]) => name === 'content-type')?.[1];
  const decode = value.isBase64Encoded === true && options.decodeBase64(contentType);
  return { status, headers, body: decode ? Buffer.from(body, 'base64') : Buffer.from(body) };
}
