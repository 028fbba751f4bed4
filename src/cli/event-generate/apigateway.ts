/**
 * `lamina event generate apigateway aws-proxy|http-api-proxy`: API Gateway's Lambda proxy events,
 * built by the REST API (payload 1.0) and HTTP API (payload 2.0) front ends' own builders from the
 * request the options describe, the route matched by the front ends' route table.
 */
import { randomUUID } from 'node:crypto';
import { IMPLICIT_HTTP_API, IMPLICIT_REST_API, type ApiDefinition, type ApiKind, type ApiRoute } from '../../config/api-events.js';
import { ConfigError } from '../../errors.js';
import { apiIdOf, gatewayRequestId, httpApiEventV2 } from '../../front-ends/http-api/event-v2.js';
import { proxyEventV1 } from '../../front-ends/rest-api/event-v1.js';
import { RouteTable } from '../../front-ends/route-table.js';
import type { EventKind, EventSourceGenerator, GenerateContext, OptionValues } from './generator-types.js';
import { pairs, text } from './option-values.js';
import { requestOptions, sampleRequest } from './sample-request.js';

/** The implicit APIs' logical ids, as SAM names them: their API ids derive from these. */
const API_IDS = { rest: IMPLICIT_REST_API, http: IMPLICIT_HTTP_API } as const;

function api(kind: ApiKind, values: OptionValues): ApiDefinition {
  const resource = text(values, 'resource');
  const path = resource === '' ? text(values, 'path') : resource;
  if (path !== '$default' && !path.startsWith('/')) throw new ConfigError(`--resource must be a route path such as /users/{id} or /{proxy+}, got ${JSON.stringify(path)}`);
  const stageName = text(values, 'stage');
  if (!/^[A-Za-z0-9_$-]{1,128}$/.test(stageName)) throw new ConfigError(`--stage must be letters, digits, '-', '_' or '$', got ${JSON.stringify(stageName)}`);
  const format = kind === 'rest' ? '1.0' : text(values, 'payload-format-version');
  if (format !== '1.0' && format !== '2.0') throw new ConfigError(`--payload-format-version must be 1.0 or 2.0, got ${JSON.stringify(format)}`);
  const route: ApiRoute = { method: 'ANY', path, functionName: 'Function', payloadFormatVersion: format, timeoutMs: 30_000, source: 'lamina event generate' };
  return { id: API_IDS[kind], kind, stageName, stageVariables: Object.fromEntries(pairs(values, 'stage-variable')), binaryMediaTypes: [], routes: [route] };
}

function proxyKind(kind: ApiKind): EventKind {
  return {
    name: kind === 'rest' ? 'aws-proxy' : 'http-api-proxy',
    description: kind === 'rest' ? "A REST API's Lambda proxy integration event (payload format 1.0)" : "An HTTP API's event (payload format 2.0)",
    options: [
      ...requestOptions(kind === 'rest' ? '/path/to/resource' : '/my/path'),
      { name: 'resource', description: "The route the request matched, e.g. /users/{id} or /{proxy+} (default: the path itself; '$default' for an HTTP API's catch-all)", default: '' },
      { name: 'stage', description: 'The stage name', default: kind === 'rest' ? 'Prod' : '$default' },
      { name: 'stage-variable', description: 'A stage variable NAME=VALUE (repeatable)', multiple: true },
      ...(kind === 'http' ? [{ name: 'payload-format-version', description: "The route's PayloadFormatVersion: 2.0, or 1.0 (the 1.0 event, with version: '1.0')", default: '2.0' }] : []),
    ],
    build: (values: OptionValues, context: GenerateContext): unknown => {
      const request = sampleRequest(values, `${apiIdOf(API_IDS[kind])}.execute-api.${context.region}.amazonaws.com`, context.now);
      const definition = api(kind, values);
      const match = new RouteTable(definition.routes).match(request.method, request.rawPath);
      if (match === undefined) throw new ConfigError(`--path ${request.rawPath} does not match --resource ${definition.routes[0]?.path ?? ''}`);
      const apiContext = { api: definition, accountId: context.accountId, region: context.region };
      // As the API front end picks the builder: by the route's payload format (a REST API's is 1.0).
      if (match.route.payloadFormatVersion === '2.0') return httpApiEventV2(request, match, apiContext, gatewayRequestId());
      return proxyEventV1(request, match, apiContext, kind === 'rest' ? randomUUID() : gatewayRequestId());
    },
  };
}

export const apigatewayGenerator: EventSourceGenerator = {
  name: 'apigateway',
  description: 'Amazon API Gateway REST and HTTP APIs (Events: Api, HttpApi)',
  kinds: [proxyKind('rest'), proxyKind('http')],
};
