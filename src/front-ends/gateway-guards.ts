/**
 * What API Gateway does around a route's integration (docs/http-front-ends.md): CORS preflights
 * answered before routing, the route's Lambda authorizer before the function, and the HTTP API's
 * CORS headers on every answer. Kept apart from the listener so it stays a thin loop.
 */
import type { ApiDefinition } from '../config/api-events.js';
import type { GatewayErrorCode } from '../errors.js';
import type { InvokePort } from '../platform/invoke-types.js';
import { createAuthorizeStep } from './authorizers/authorize.js';
import { httpApiPreflight, restPreflight, withHttpApiCors } from './cors.js';
import type { ApiContext } from './http-api/event-v2.js';
import type { GatewayResponse } from './http-api/response-v2.js';
import type { FrontRequest } from './http-request.js';
import type { RouteMatch } from './route-table.js';

/** An answer API Gateway gives itself: a ready response, or one of its error answers. */
export type GatewayAnswer = GatewayResponse | GatewayErrorCode;

export interface GatewayGuards {
  /** A CORS preflight's answer, given before routing; undefined for any other request. */
  preflight(request: FrontRequest, requestId: string): Promise<GatewayAnswer | undefined>;
  /** The value for `requestContext.authorizer` (undefined: the route is open), or a refusal. */
  authorize(request: FrontRequest, match: RouteMatch, requestId: string): Promise<{ authorizer: Record<string, unknown> | undefined } | GatewayErrorCode>;
  /** The answer as sent: an HTTP API's CORS headers added. */
  finish(request: FrontRequest, answer: GatewayResponse): GatewayResponse;
}

/**
 * @example
 * const guards = createGatewayGuards(api, platform, context);
 * const refused = await guards.authorize(request, match, requestId);
 */
export function createGatewayGuards(api: ApiDefinition, port: InvokePort, context: ApiContext): GatewayGuards {
  const step = createAuthorizeStep(port);
  const authorizeWith = async (name: string | undefined, request: FrontRequest, match: RouteMatch, requestId: string): Promise<{ authorizer: Record<string, unknown> | undefined } | GatewayErrorCode> => {
    const authorizer = name === undefined ? undefined : api.auth?.authorizers[name];
    if (authorizer === undefined) return { authorizer: undefined };
    const outcome = await step({ authorizer, request, match, context, requestId });
    return outcome.kind === 'allow' ? { authorizer: outcome.authorizer } : outcome.code;
  };
  const cors = api.cors;
  return {
    async preflight(request, requestId) {
      if (cors === undefined) return undefined;
      if (api.kind === 'http') return httpApiPreflight(cors, request);
      const preflight = restPreflight(api, cors, request);
      if (preflight === undefined) return undefined;
      // SAM puts the default authorizer on its preflight methods unless AddDefaultAuthorizerToCorsPreflight is false.
      if (api.auth?.authorizePreflight === true && api.auth.defaultAuthorizer !== undefined) {
        const route = api.routes.find((r) => r.path === preflight.resource) ?? api.routes[0];
        if (route !== undefined) {
          const allowed = await authorizeWith(api.auth.defaultAuthorizer, request, { route, pathParameters: {} }, requestId);
          if (typeof allowed === 'string') return allowed;
        }
      }
      return preflight.answer;
    },
    authorize: (request, match, requestId) => authorizeWith(match.route.authorizer, request, match, requestId),
    finish(request, answer) {
      if (cors === undefined || api.kind !== 'http') return answer;
      // A preflight's answer already carries its own headers.
      return httpApiPreflight(cors, request) === undefined ? withHttpApiCors(cors, request, answer) : answer;
    },
  };
}

/**
 * The event with `requestContext.authorizer` set (when the route has an authorizer).
 *
 * @example withAuthorizer({ requestContext: {} }, { lambda: { user: 'ann' } }) // { requestContext: { authorizer: { lambda: { user: 'ann' } } } }
 */
export function withAuthorizer(event: unknown, authorizer: Record<string, unknown> | undefined): unknown {
  if (authorizer === undefined || typeof event !== 'object' || event === null) return event;
  const record = event as { requestContext?: Record<string, unknown> };
  return { ...record, requestContext: { ...record.requestContext, authorizer } };
}
