/**
 * One CloudFront distribution served as a local proxy (docs/http-front-ends.md, "Lambda@Edge").
 * Each request picks its cache behavior by `PathPattern` (else the default one), then runs
 * viewer-request → origin-request → the origin → origin-response → viewer-response, each step's
 * function when one is associated. A request function may answer instead of the origin: a
 * viewer-request answer goes straight back (no viewer-response), an origin-request answer skips
 * the origin and origin-response. Nothing is cached: every request reaches the origin.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { CloudFrontRequest } from 'aws-lambda';
import type { EdgeAssociation, EdgeBehavior, EdgeDistribution, EdgeEventType, EdgeOrigin } from '../../config/edge-distributions.js';
import type { InvokePort } from '../../platform/invoke-types.js';
import { BodyAbortedError, collectBody } from '../../invoke/read-body.js';
import { frontRequest } from '../http-request.js';
import { frontEndServer, MAX_DRAIN_BYTES } from '../listener-limits.js';
import { edgeError, sendEdgeAnswer } from './edge-answers.js';
import { fetchOrigin, invokeEdge, type OriginTarget } from './edge-calls.js';
import { eventRequest, requestEvent, responseEvent, viewerRequest, type EdgeConfig } from './edge-events.js';
import { isFailure, readRequestResult, readResponseResult, type EdgeAnswer, type EdgeFailure } from './edge-results.js';

export interface EdgeServerOptions {
  readonly distribution: EdgeDistribution;
  readonly port: InvokePort;
  /** Where to connect instead of an origin's own `DomainName`, by origin `Id` (`--edge-origin`). */
  readonly originOverrides: ReadonlyMap<string, OriginTarget>;
}

/**
 * A distribution's id and domain name, stable per logical id (`E` and 13 characters;
 * `d` and 13 characters `.cloudfront.net`), as CloudFront shapes them.
 *
 * @example distributionNames('Cdn') // { id: 'E...', domain: 'd....cloudfront.net' }
 */
export function distributionNames(logicalId: string): { id: string; domain: string } {
  const hash = createHash('sha256').update(logicalId).digest('hex');
  return { id: `E${BigInt(`0x${hash.slice(0, 20)}`).toString(36).toUpperCase().padStart(13, '0').slice(0, 13)}`, domain: `d${hash.slice(20, 33)}.cloudfront.net` };
}

/**
 * Whether a path matches a cache behavior's `PathPattern`: `*` any characters (slashes too), `?`
 * one, case-sensitive, the leading `/` optional in the pattern.
 *
 * @example pathMatches('/images/*.jpg', '/images/a/b.jpg') // true
 */
export function pathMatches(pattern: string, path: string): boolean {
  const full = pattern.startsWith('/') ? pattern : `/${pattern}`;
  const source = full.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`).test(path);
}

function behaviorFor(distribution: EdgeDistribution, path: string): EdgeBehavior | undefined {
  return distribution.behaviors.find((b) => b.pathPattern === undefined || pathMatches(b.pathPattern, path));
}

/**
 * Lamina's own bound on a request body it buffers (CloudFront streams bodies of many gigabytes to an
 * origin; this local proxy holds the body to hand it to `IncludeBody` functions and the origin).
 */
export const MAX_EDGE_REQUEST_BYTES = 50 * 1024 * 1024;

/**
 * @example
 * const server = createEdgeServer({ distribution, port: platform, originOverrides: new Map() });
 * server.listen(3200, '127.0.0.1');
 */
export function createEdgeServer(options: EdgeServerOptions): Server {
  const { distribution } = options;
  const names = distributionNames(distribution.id);
  const targetOf = (origin: EdgeOrigin): OriginTarget => {
    const configured = distribution.origins.find((o) => o.domainName === origin.domainName && o.port === origin.port);
    return (configured === undefined ? undefined : options.originOverrides.get(configured.id)) ?? { protocol: origin.protocol, host: origin.domainName, port: origin.port };
  };

  const handle = async (req: IncomingMessage, requestId: string): Promise<{ answer: EdgeAnswer; cache: string }> => {
    // Refused as soon as the bound is passed, the rest read and dropped up to a limit (listener-limits.ts).
    const collected = await collectBody(req, MAX_EDGE_REQUEST_BYTES, MAX_EDGE_REQUEST_BYTES + MAX_DRAIN_BYTES);
    if (!collected.ok) return { answer: edgeError('LAMINA_ERR_GW_EDGE_TOO_LARGE', undefined, requestId), cache: '' };
    const body = collected.body;
    const front = frontRequest(req, body);
    const behavior = behaviorFor(distribution, front.rawPath);
    const origin = distribution.origins.find((o) => o.id === behavior?.targetOriginId);
    if (behavior === undefined || origin === undefined) return { answer: edgeError('LAMINA_ERR_GW_EDGE_ORIGIN', 'No cache behavior matches', requestId), cache: '' };
    const config: EdgeConfig = { distributionDomainName: names.domain, distributionId: names.id, requestId };
    const association = (type: EdgeEventType): EdgeAssociation | undefined => behavior.associations.find((a) => a.eventType === type);
    const fail = (failure: EdgeFailure): { answer: EdgeAnswer; cache: string } => ({ answer: edgeError(failure.code, failure.detail, requestId), cache: '' });

    let request: CloudFrontRequest = viewerRequest(front);
    let current = { body, origin };
    const onRequest = async (type: 'viewer-request' | 'origin-request'): Promise<EdgeAnswer | EdgeFailure | undefined> => {
      const assoc = association(type);
      if (assoc === undefined) return undefined;
      const sent = eventRequest(request, current.body, type, assoc.includeBody, current.origin);
      const out = await invokeEdge(options.port, assoc, requestEvent(config, type, sent));
      if (out.kind === 'failure') return out;
      const result = readRequestResult(out.payload, type, sent, current.body, current.origin);
      if (result.kind !== 'request') return result.kind === 'response' ? result.answer : result;
      request = result.request;
      current = { body: result.body, origin: result.origin ?? current.origin };
      return undefined;
    };
    const onResponse = async (type: 'origin-response' | 'viewer-response', answer: EdgeAnswer): Promise<EdgeAnswer | EdgeFailure> => {
      const assoc = association(type);
      if (assoc === undefined) return answer;
      const response = { status: String(answer.status), statusDescription: answer.statusDescription, headers: structuredClone(answer.headers) };
      const out = await invokeEdge(options.port, assoc, responseEvent(config, type, request, response));
      return out.kind === 'failure' ? out : readResponseResult(out.payload, type, answer);
    };

    const viewerAnswer = await onRequest('viewer-request');
    if (viewerAnswer !== undefined) return isFailure(viewerAnswer) ? fail(viewerAnswer) : { answer: viewerAnswer, cache: 'LambdaGeneratedResponse from cloudfront' };
    // What CloudFront adds on the way to the origin: the origin's Host, the viewer's address, its own Via.
    request = {
      ...request,
      headers: {
        ...request.headers,
        host: [{ key: 'Host', value: current.origin.domainName }],
        'x-forwarded-for': [{ key: 'X-Forwarded-For', value: front.sourceIp }],
        via: [{ key: 'Via', value: `1.1 ${names.domain} (CloudFront)` }],
      },
    };
    let answer: EdgeAnswer | EdgeFailure;
    let cache = 'Miss from cloudfront';
    const originAnswer = await onRequest('origin-request');
    if (originAnswer !== undefined) {
      answer = originAnswer;
      cache = 'LambdaGeneratedResponse from cloudfront';
    } else {
      const path = `${current.origin.path}${request.uri}${request.querystring === '' ? '' : `?${request.querystring}`}`;
      answer = await fetchOrigin(targetOf(current.origin), request.method, path, request.headers, current.body);
      if (!isFailure(answer)) answer = await onResponse('origin-response', answer);
    }
    if (isFailure(answer)) return fail(answer);
    // CloudFront does not run viewer-response functions for error statuses (400 and up).
    if (answer.status < 400) answer = await onResponse('viewer-response', answer);
    return isFailure(answer) ? fail(answer) : { answer, cache };
  };

  // The front ends' bounds: head size and timeouts, pipelined requests answered in order.
  return frontEndServer((req, res) => {
    const requestId = randomBytes(40).toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
    handle(req, requestId)
      .then(({ answer, cache }) => sendEdgeAnswer(res, answer, requestId, names.domain, cache))
      .catch((error: unknown) => {
        // A client that left mid-body: nothing to answer.
        if (error instanceof BodyAbortedError) return;
        if (!res.headersSent) sendEdgeAnswer(res, edgeError('LAMINA_ERR_GW_EDGE_EXECUTION', undefined, requestId), requestId, names.domain, '');
        else res.destroy();
      });
  });
}
