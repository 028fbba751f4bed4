/**
 * Run a route's Lambda authorizer (docs/http-front-ends.md): check the identity sources (401 when
 * one is missing), answer from the cache or invoke the authorizer function through the same
 * `InvokePort` as the route's, read its answer (an IAM policy, or `{isAuthorized}` for HTTP APIs
 * with simple responses), and give either the value for `requestContext.authorizer` or API
 * Gateway's own answer.
 */
import type { LambdaAuthorizer } from '../../config/api-auth.js';
import type { GatewayErrorCode } from '../../errors.js';
import type { InvokePort } from '../../platform/invoke-types.js';
import { isRecord } from '../answer-json.js';
import type { ApiContext } from '../http-api/event-v2.js';
import type { FrontRequest } from '../http-request.js';
import type { RouteMatch } from '../route-table.js';
import { AuthorizerCache } from './authorizer-cache.js';
import { authorizerEvent, identityValues, requestArn } from './authorizer-events.js';
import { evaluatePolicy } from './policy.js';

/** An authorizer's answer as read (and cached). */
export interface AuthorizerAnswer {
  readonly principalId: string | undefined;
  /** `isAuthorized` of a simple response; undefined for a policy answer. */
  readonly isAuthorized: boolean | undefined;
  readonly policyDocument: unknown;
  readonly context: Readonly<Record<string, unknown>>;
}

export type AuthorizeOutcome = { readonly kind: 'allow'; readonly authorizer: Record<string, unknown> } | { readonly kind: 'refuse'; readonly code: GatewayErrorCode };

const REFUSALS = {
  rest: { unauthorized: 'LAMINA_ERR_GW_REST_UNAUTHORIZED', explicitDeny: 'LAMINA_ERR_GW_REST_EXPLICIT_DENY', implicitDeny: 'LAMINA_ERR_GW_REST_IMPLICIT_DENY', failure: 'LAMINA_ERR_GW_REST_AUTHORIZER_FAILURE' },
  http: { unauthorized: 'LAMINA_ERR_GW_HTTP_UNAUTHORIZED', explicitDeny: 'LAMINA_ERR_GW_HTTP_FORBIDDEN', implicitDeny: 'LAMINA_ERR_GW_HTTP_FORBIDDEN', failure: 'LAMINA_ERR_GW_HTTP_INTERNAL' },
} as const satisfies Record<'rest' | 'http', Record<string, GatewayErrorCode>>;

/**
 * The answer as API Gateway reads it, or undefined when it cannot be used (authorizer failure).
 * REST context values must be strings, numbers or booleans (they reach the function as text).
 *
 * @example readAnswer(Buffer.from('{"isAuthorized":true}'), httpAuthorizer, 'http') // { isAuthorized: true, context: {}, ... }
 */
export function readAnswer(payload: Buffer, authorizer: LambdaAuthorizer, kind: 'rest' | 'http'): AuthorizerAnswer | undefined {
  let value: unknown;
  try {
    value = JSON.parse(payload.toString('utf8'));
  } catch {
    return undefined;
  }
  if (!isRecord(value)) return undefined;
  const context = value.context ?? {};
  if (!isRecord(context)) return undefined;
  if (kind === 'rest' && !Object.values(context).every((v) => ['string', 'number', 'boolean'].includes(typeof v))) return undefined;
  const principalId = typeof value.principalId === 'string' ? value.principalId : undefined;
  if (authorizer.simpleResponses && typeof value.isAuthorized === 'boolean') return { principalId, isAuthorized: value.isAuthorized, policyDocument: undefined, context };
  if (!isRecord(value.policyDocument) || (kind === 'rest' && principalId === undefined)) return undefined;
  return { principalId, isAuthorized: undefined, policyDocument: value.policyDocument, context };
}

/** Whether a function error is the authorizer's "Unauthorized" (API Gateway's 401), not a failure. */
function isUnauthorizedError(payload: Buffer): boolean {
  try {
    const error: unknown = JSON.parse(payload.toString('utf8'));
    return isRecord(error) && error.errorMessage === 'Unauthorized';
  } catch {
    return false;
  }
}

export interface AuthorizeRequest {
  readonly authorizer: LambdaAuthorizer;
  readonly request: FrontRequest;
  readonly match: RouteMatch;
  readonly context: ApiContext;
  readonly requestId: string;
}

/**
 * @example
 * const authorize = createAuthorizeStep(platform);
 * const outcome = await authorize({ authorizer, request, match, context, requestId });
 * if (outcome.kind === 'refuse') return send(gatewayAnswer(outcome.code));
 */
export function createAuthorizeStep(port: InvokePort, cache = new AuthorizerCache<AuthorizerAnswer>()): (input: AuthorizeRequest) => Promise<AuthorizeOutcome> {
  return async ({ authorizer, request, match, context, requestId }) => {
    const kind = context.api.kind;
    const refusals = REFUSALS[kind];
    const refuse = (code: GatewayErrorCode): AuthorizeOutcome => ({ kind: 'refuse', code });
    const identity = identityValues(authorizer, request);
    if (identity === undefined) return refuse(refusals.unauthorized);
    const key = AuthorizerCache.key(authorizer.name, identity, authorizer.ttlSeconds);
    const started = Date.now();
    let answer = cache.get(key);
    if (answer === undefined) {
      const event = authorizerEvent(authorizer, request, match, context, requestId, identity);
      let outcome;
      try {
        outcome = await port.invoke({ functionName: authorizer.functionName, qualifier: undefined, invocationType: 'RequestResponse', payload: Buffer.from(JSON.stringify(event)), clientContext: undefined, tailLogs: false, traceId: undefined, tenantId: undefined, streaming: false });
      } catch {
        return refuse(refusals.failure);
      }
      const result = outcome.result;
      if (result.kind === 'function-error') return refuse(isUnauthorizedError(result.error.payload) ? refusals.unauthorized : refusals.failure);
      if (result.kind !== 'response') return refuse(refusals.failure);
      answer = readAnswer(result.payload, authorizer, kind);
      if (answer === undefined) return refuse(refusals.failure);
      cache.set(key, answer, authorizer.ttlSeconds);
    }
    const decision = answer.isAuthorized !== undefined ? (answer.isAuthorized ? 'allow' : 'implicit-deny') : evaluatePolicy(answer.policyDocument, requestArn(request, context));
    if (decision === undefined) return refuse(refusals.failure);
    if (decision === 'explicit-deny') return refuse(refusals.explicitDeny);
    if (decision === 'implicit-deny') return refuse(refusals.implicitDeny);
    if (kind === 'http') return { kind: 'allow', authorizer: { lambda: { ...answer.context } } };
    // REST APIs hand the context over as text, with the principal and the authorizer's latency.
    const text = Object.fromEntries(Object.entries(answer.context).map(([k, v]) => [k, String(v)]));
    return { kind: 'allow', authorizer: { ...text, principalId: answer.principalId ?? '', integrationLatency: Date.now() - started } };
  };
}
