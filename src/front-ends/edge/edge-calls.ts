/**
 * The two calls the local CloudFront makes (docs/http-front-ends.md, "Lambda@Edge"): invoking an
 * associated function through the platform's `InvokePort`, and fetching from the origin. Each
 * answers bytes or the failure CloudFront would report (a function error or timeout: 503
 * `LambdaExecutionError`; a throttle: 503 `LambdaLimitExceeded`; an unreachable origin: 502).
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { CloudFrontHeaders } from 'aws-lambda';
import type { EdgeAssociation } from '../../config/edge-distributions.js';
import { ServiceError } from '../../errors.js';
import type { InvokePort } from '../../platform/invoke-types.js';
import { toBuffer } from '../function-urls/stream-prelude.js';
import { fromCloudFrontHeaders, toCloudFrontHeaders } from './edge-events.js';
import type { EdgeAnswer, EdgeFailure } from './edge-results.js';

/** How long CloudFront waits for a custom origin by default (its origin response timeout). */
export const ORIGIN_READ_TIMEOUT_MS = 30_000;

/** Headers not relayed hop to hop, and never sent to the origin as the function left them. */
const HOP_HEADERS: ReadonlySet<string> = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'upgrade', 'proxy-connection', 'te', 'trailer']);

/**
 * Invoke an associated function with an event.
 *
 * @example const out = await invokeEdge(platform, association, event); if (out.kind === 'payload') ...
 */
export async function invokeEdge(port: InvokePort, association: EdgeAssociation, event: unknown): Promise<{ readonly kind: 'payload'; readonly payload: Buffer } | EdgeFailure> {
  try {
    const outcome = await port.invoke({
      functionName: association.functionName, qualifier: association.qualifier, invocationType: 'RequestResponse', payload: Buffer.from(JSON.stringify(event)),
      clientContext: undefined, tailLogs: false, traceId: undefined, tenantId: undefined, streaming: false,
    });
    const result = outcome.result;
    if (result.kind === 'response') return { kind: 'payload', payload: result.payload };
    if (result.kind === 'stream') {
      const parts: Buffer[] = [];
      for await (const chunk of result.stream.body) parts.push(toBuffer(chunk));
      if ((await result.stream.completion) === undefined) return { kind: 'payload', payload: Buffer.concat(parts) };
    }
    return { kind: 'failure', code: 'LAMINA_ERR_GW_EDGE_EXECUTION', detail: 'The function returned an error or timed out' };
  } catch (error) {
    if (error instanceof ServiceError && error.spec.status === 429) return { kind: 'failure', code: 'LAMINA_ERR_GW_EDGE_THROTTLED', detail: 'TooManyRequestsException' };
    return { kind: 'failure', code: 'LAMINA_ERR_GW_EDGE_EXECUTION', detail: error instanceof ServiceError ? error.spec.name : 'The function could not be invoked' };
  }
}

export interface OriginTarget {
  readonly protocol: 'http' | 'https';
  readonly host: string;
  readonly port: number;
}

/**
 * Send the request to the origin and read its whole answer.
 *
 * @example await fetchOrigin({ protocol: 'http', host: '127.0.0.1', port: 8080 }, 'GET', '/a?b=1', headers, Buffer.alloc(0))
 */
export function fetchOrigin(target: OriginTarget, method: string, path: string, headers: CloudFrontHeaders, body: Buffer): Promise<EdgeAnswer | EdgeFailure> {
  const pairs = fromCloudFrontHeaders(headers).filter(([name]) => !HOP_HEADERS.has(name.toLowerCase()));
  if (body.length > 0 || !['GET', 'HEAD', 'DELETE', 'OPTIONS'].includes(method)) pairs.push(['Content-Length', String(body.length)]);
  const send = target.protocol === 'https' ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    const failed = (detail: string): void => resolve({ kind: 'failure', code: 'LAMINA_ERR_GW_EDGE_ORIGIN', detail });
    const req = send({ host: target.host, port: target.port, method, path, headers: pairs.flat(), timeout: ORIGIN_READ_TIMEOUT_MS }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', (error) => failed(error.message));
      res.on('end', () => {
        const raw: Array<readonly [string, string]> = [];
        for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) raw.push([res.rawHeaders[i] ?? '', res.rawHeaders[i + 1] ?? '']);
        // The origin's own framing headers stay visible to functions (as on CloudFront); the answer's are rewritten when sent.
        const kept = raw.filter(([name]) => !['connection', 'keep-alive'].includes(name.toLowerCase()));
        resolve({ status: res.statusCode ?? 502, statusDescription: res.statusMessage ?? '', headers: toCloudFrontHeaders(kept), body: Buffer.concat(chunks) });
      });
    });
    req.on('timeout', () => {
      req.destroy();
      failed('The origin did not answer in time');
    });
    req.on('error', (error) => failed(error.message));
    req.end(body);
  });
}
