/**
 * What API Gateway sends a Lambda authorizer (docs/http-front-ends.md): the identity sources read
 * from the request, the REST TOKEN and REQUEST events, and the HTTP API's payload 1.0 and 2.0
 * REQUEST events (the route's own event without its body, plus the authorizer's fields).
 */
import type { LambdaAuthorizer } from '../../config/api-auth.js';
import { headerValues, queryParameters, type FrontRequest } from '../http-request.js';
import { apiIdOf, httpApiEventV2, type ApiContext } from '../http-api/event-v2.js';
import { proxyEventV1 } from '../rest-api/event-v1.js';
import type { RouteMatch } from '../route-table.js';
import { executeApiArn } from './policy.js';

/**
 * The identity sources' values in order, or undefined when one is missing or empty (API
 * Gateway then answers 401 without invoking the authorizer). A TOKEN authorizer's token must
 * also match its `ValidationExpression`.
 *
 * @example identityValues(authorizer, request) // ['Bearer abc'] or undefined
 */
export function identityValues(authorizer: LambdaAuthorizer, request: FrontRequest): string[] | undefined {
  const values: string[] = [];
  for (const name of authorizer.headers) {
    const found = headerValues(request, name);
    if (found.length === 0 || found.every((v) => v === '')) return undefined;
    values.push(found.join(','));
  }
  const query = queryParameters(request.rawQueryString);
  for (const name of authorizer.queryStrings) {
    const found = query.get(name);
    if (found === undefined || found.every((v) => v === '')) return undefined;
    values.push(found.join(','));
  }
  if (authorizer.type === 'TOKEN' && authorizer.validationExpression !== undefined) {
    if (!new RegExp(`^(?:${authorizer.validationExpression})$`).test(values[0] ?? '')) return undefined;
  }
  return values;
}

/** The request's method ARN (REST) or route ARN (HTTP API). */
export function requestArn(request: FrontRequest, context: ApiContext): string {
  return executeApiArn({ region: context.region, accountId: context.accountId, apiId: apiIdOf(context.api.id), stage: context.api.stageName, method: request.method, path: request.rawPath });
}

/**
 * The event for the authorizer function.
 *
 * @example authorizerEvent(tokenAuthorizer, request, match, context, id, ['Bearer a']) // { type: 'TOKEN', authorizationToken: 'Bearer a', methodArn: 'arn:aws:execute-api:...' }
 */
export function authorizerEvent(authorizer: LambdaAuthorizer, request: FrontRequest, match: RouteMatch, context: ApiContext, requestId: string, identity: readonly string[]): Record<string, unknown> {
  const arn = requestArn(request, context);
  if (authorizer.type === 'TOKEN') return { type: 'TOKEN', authorizationToken: identity[0] ?? '', methodArn: arn };
  if (authorizer.payloadFormatVersion === '2.0') {
    const { body: _body, isBase64Encoded: _b64, ...event } = httpApiEventV2(request, match, context, requestId);
    return { type: 'REQUEST', routeArn: arn, identitySource: [...identity], ...event };
  }
  const { body: _body, isBase64Encoded: _b64, ...event } = proxyEventV1(request, match, context, requestId);
  if (context.api.kind === 'rest') return { type: 'REQUEST', methodArn: arn, ...event };
  // An HTTP API's 1.0 authorizer event also names its identity sources.
  return { version: '1.0', type: 'REQUEST', methodArn: arn, identitySource: identity.join(','), authorizationToken: identity[0] ?? null, ...event };
}
