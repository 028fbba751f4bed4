/**
 * The event Lambda sends a function through its URL (docs/http-front-ends.md): payload format 2.0
 * as an HTTP API's `$default` route builds it, with the URL's own `requestContext`: `apiId` is the
 * URL id, `domainName` is `<url-id>.lambda-url.<region>.on.aws`, `stage` is `$default`, the request
 * id is a UUID, and an `AWS_IAM` URL adds `authorizer.iam` (who signed the request).
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { FunctionUrlDefinition } from '../../config/function-urls.js';
import type { FrontRequest } from '../http-request.js';
import { apiIdOf, httpApiEventV2 } from '../http-api/event-v2.js';

/** The signer of an `AWS_IAM` request, as `requestContext.authorizer.iam` shows it. */
export interface IamCaller {
  readonly accessKeyId: string;
}

/** `requestContext.authorizer.iam` of a function URL event (not in @types/aws-lambda's 2.0 event). */
export interface UrlIamAuthorizer {
  readonly accessKey: string;
  readonly accountId: string;
  readonly callerId: string;
  readonly cognitoIdentity: null;
  readonly principalOrgId: null;
  readonly userArn: string;
  readonly userId: string;
}

export type FunctionUrlEvent = APIGatewayProxyEventV2 & {
  readonly requestContext: APIGatewayProxyEventV2['requestContext'] & { readonly authorizer?: { readonly iam: UrlIamAuthorizer } };
};

export interface UrlContext {
  readonly url: FunctionUrlDefinition;
  readonly accountId: string;
  readonly region: string;
}

/**
 * A function URL's id: 32 lower-case letters and digits, stable per URL resource.
 *
 * @example urlIdOf('HelloUrl') // 'q2...' (32 characters, always the same for that name)
 */
export function urlIdOf(logicalId: string): string {
  return apiIdOf(logicalId, 32);
}

/**
 * @example
 * const event = functionUrlEvent(request, { url, accountId: '000000000000', region: 'us-east-1' }, randomUUID(), undefined);
 * event.requestContext.domainName // '<url-id>.lambda-url.us-east-1.on.aws'
 */
export function functionUrlEvent(request: FrontRequest, context: UrlContext, requestId: string, caller: IamCaller | undefined): FunctionUrlEvent {
  const urlId = urlIdOf(context.url.id);
  const api = { id: context.url.id, kind: 'http' as const, stageName: '$default', stageVariables: {}, binaryMediaTypes: [], routes: [] };
  const route = { method: 'ANY', path: '$default', functionName: context.url.functionName, payloadFormatVersion: '2.0' as const, timeoutMs: 0, source: context.url.id };
  const base = httpApiEventV2(request, { route, pathParameters: {} }, { api, accountId: context.accountId, region: context.region }, requestId);
  const domainName = `${urlId}.lambda-url.${context.region}.on.aws`;
  // Lambda's own stand-ins for an IAM user: the access key that signed, in this account.
  const authorizer = caller === undefined
    ? undefined
    : { iam: { accessKey: caller.accessKeyId, accountId: context.accountId, callerId: caller.accessKeyId, cognitoIdentity: null, principalOrgId: null, userArn: `arn:aws:iam::${context.accountId}:user/${caller.accessKeyId}`, userId: caller.accessKeyId } };
  return {
    ...base,
    requestContext: { ...base.requestContext, apiId: urlId, domainName, domainPrefix: urlId, ...(authorizer === undefined ? {} : { authorizer }) },
  };
}
