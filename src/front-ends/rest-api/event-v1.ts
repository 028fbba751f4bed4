/**
 * The payload format 1.0 event (docs/http-front-ends.md): what a REST API sends a function
 * through its Lambda proxy integration, and what an HTTP API sends for a route that asks for 1.0.
 * Single-value maps hold the last value of a repeated header or query parameter, the
 * `multiValue*` maps all of them; empty maps are `null`.
 */
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { RouteMatch } from '../route-table.js';
import { apiIdOf, gatewayTime, type ApiContext } from '../http-api/event-v2.js';
import { headerValues, isTextContentType, queryParameters, type FrontRequest } from '../http-request.js';

/**
 * Whether a REST API passes this body base64-encoded: its content type matches one of the API's
 * `BinaryMediaTypes` (`*` wildcards allowed, `*\/*` for every type).
 *
 * @example isBinaryFor('image/png', ['image/*']) // true
 */
export function isBinaryFor(contentType: string | undefined, binaryMediaTypes: readonly string[]): boolean {
  if (contentType === undefined || binaryMediaTypes.length === 0) return false;
  const type = (contentType.split(';')[0] ?? '').trim().toLowerCase();
  return binaryMediaTypes.some((pattern) => {
    const [major, minor] = pattern.split('/');
    const [typeMajor, typeMinor] = type.split('/');
    return (major === '*' || major === typeMajor) && (minor === '*' || minor === typeMinor);
  });
}

function nullIfEmpty<T>(record: Record<string, T>): Record<string, T> | null {
  return Object.keys(record).length === 0 ? null : record;
}

/**
 * @example
 * const event = proxyEventV1(request, match, context, '5b0a...');
 * event.resource // '/users/{id}'
 */
export function proxyEventV1(request: FrontRequest, match: RouteMatch, context: ApiContext, requestId: string): APIGatewayProxyEvent & { version?: '1.0' } {
  const { api } = context;
  const rest = api.kind === 'rest';
  // REST APIs keep header names as sent; HTTP APIs lower-case them.
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (const [lower, value] of request.headers) {
    const name = rest ? originalName(request, lower) : lower;
    headers[name] = value;
    (multiValueHeaders[name] ??= []).push(value);
  }
  const query = queryParameters(request.rawQueryString);
  const resource = match.route.path === '$default' ? '$default' : match.route.path;
  const contentType = headerValues(request, 'content-type').at(-1);
  const binary = rest ? isBinaryFor(contentType, api.binaryMediaTypes) : !isTextContentType(contentType);
  const hasBody = request.body.length > 0;
  const apiId = apiIdOf(api.id);
  const host = (headerValues(request, 'host')[0] ?? `${apiId}.execute-api.${context.region}.amazonaws.com`).replace(/:\d+$/, '');
  const path = safeDecode(request.rawPath);
  const event: APIGatewayProxyEvent = {
    resource,
    path,
    httpMethod: request.method,
    headers,
    multiValueHeaders,
    queryStringParameters: nullIfEmpty(Object.fromEntries([...query].map(([k, v]) => [k, v.at(-1) ?? '']))),
    multiValueQueryStringParameters: nullIfEmpty(Object.fromEntries(query)),
    pathParameters: nullIfEmpty({ ...match.pathParameters }),
    stageVariables: nullIfEmpty({ ...api.stageVariables }),
    requestContext: {
      accountId: context.accountId,
      apiId,
      authorizer: undefined,
      domainName: host,
      domainPrefix: host.split('.')[0] ?? host,
      extendedRequestId: rest ? randomUUID().replace(/-/g, '').slice(0, 16) : requestId,
      httpMethod: request.method,
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: request.sourceIp,
        user: null,
        userAgent: headerValues(request, 'user-agent')[0] ?? null,
        userArn: null,
      },
      path: api.stageName === '$default' ? path : `/${api.stageName}${path}`,
      protocol: request.protocol,
      requestId,
      requestTime: gatewayTime(request.receivedAt),
      requestTimeEpoch: request.receivedAt,
      resourceId: apiIdOf(`${api.id} ${match.route.method} ${resource}`).slice(0, 6),
      resourcePath: resource,
      stage: api.stageName,
    },
    body: hasBody ? (binary ? request.body.toString('base64') : request.body.toString('utf8')) : null,
    isBase64Encoded: hasBody && binary,
  };
  // An HTTP API's 1.0 events say their version; a REST API's do not.
  return rest ? event : { version: '1.0', ...event };
}

/** The header's name as the client wrote it (its first occurrence). */
function originalName(request: FrontRequest, lower: string): string {
  return request.rawNames?.get(lower) ?? lower;
}

function safeDecode(path: string): string {
  try {
    return decodeURI(path);
  } catch {
    return path;
  }
}
