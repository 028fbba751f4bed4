/**
 * The management API's side of the front door (docs/management-api.md): read a matched call's
 * body within its route's limit, hand the parsed call to the `ManagementPort`, and render the
 * answer as REST-JSON. Errors are rendered by the front door like the Invoke API's.
 */
import type { Hash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ServiceError } from '../errors.js';
import { collectBody } from '../invoke/read-body.js';
import type { ManagementPort } from './management-port.js';
import { toManagementCall, type RouteMatch } from './match-route.js';

/**
 * @example
 * const match = matchManagementRoute(req.method, req.url);
 * if (match !== undefined) await serveManagement(port, match, req, res, requestId, 16 << 20);
 */
export async function serveManagement(port: ManagementPort, match: RouteMatch, req: IncomingMessage, res: ServerResponse, requestId: string, maxDrainBytes: number, signature?: { readonly hash: Hash | undefined; finish(): void }): Promise<void> {
  // A body just over a large route's limit (a 70 MB CreateFunction) is read to its end and answered
  // on a connection that stays usable: `maxDrainBytes` counts past the route's limit, not from zero.
  const body = await collectBody(req, match.bodyLimit, match.bodyLimit + maxDrainBytes, { hash: signature?.hash });
  if (!body.ok) {
    if (body.close) res.setHeader('Connection', 'close');
    if (body.problem === 'too-large') {
      throw new ServiceError('LAMINA_ERR_REQUEST_ENTITY_TOO_LARGE', `Request must be smaller than ${match.bodyLimit} bytes for the ${match.route.operation} operation`);
    }
    throw new ServiceError('LAMINA_ERR_INVALID_REQUEST_CONTENT', 'Could not read the request body');
  }
  signature?.finish();
  const answer = await port.handle(toManagementCall(match, body.body));
  const payload = answer.body === undefined ? undefined : Buffer.from(JSON.stringify(answer.body));
  res.writeHead(answer.status, {
    'Content-Type': 'application/json',
    'Content-Length': payload?.length ?? 0,
    'x-amzn-RequestId': requestId,
  });
  res.end(payload);
}
