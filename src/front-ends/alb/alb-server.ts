/**
 * One listener per Application Load Balancer listener (docs/http-front-ends.md): a request is read
 * once, its rule picked, turned into the ALB event of the target group, and handed to the
 * platform's `InvokePort` (no HTTP hop to ourselves); the answer is mapped as the load balancer
 * maps it, and its own answers are `ALB_ERRORS` with its HTML page.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AlbListener, AlbTargetGroup } from '../../config/alb-targets.js';
import type { InvokePort } from '../../platform/invoke-types.js';
import { resultBytes } from '../api-server.js';
import { BodyAbortedError, collectBody } from '../../invoke/read-body.js';
import { MAX_DRAIN_BYTES } from '../listener-limits.js';
import { frontRequest, type FrontRequest } from '../http-request.js';
import { albEvent } from './alb-event.js';
import { albError, albResponse, type AlbResponse } from './alb-response.js';
import { AlbRules } from './alb-rules.js';

/** The most a Lambda target accepts as a request body. */
export const MAX_ALB_REQUEST_BYTES = 1024 * 1024;

export interface AlbServerOptions {
  readonly listener: AlbListener;
  readonly port: InvokePort;
}

/** Invoke the target group's function; its error, a throttle or a bad answer are the load balancer's 502. */
async function forward(port: InvokePort, targetGroup: AlbTargetGroup, request: FrontRequest, listenerPort: number): Promise<AlbResponse> {
  try {
    const payload = Buffer.from(JSON.stringify(albEvent(request, { targetGroup, listenerPort })));
    const outcome = await port.invoke({ functionName: targetGroup.functionName, qualifier: undefined, invocationType: 'RequestResponse', payload, clientContext: undefined, tailLogs: false, traceId: undefined, tenantId: undefined, streaming: false });
    const bytes = await resultBytes(outcome.result);
    return (bytes === undefined ? undefined : albResponse(bytes, targetGroup.multiValueHeaders)) ?? albError('LAMINA_ERR_ALB_BAD_GATEWAY');
  } catch {
    return albError('LAMINA_ERR_ALB_BAD_GATEWAY');
  }
}

function send(res: ServerResponse, answer: AlbResponse): void {
  const headers: string[] = [];
  for (const [name, value] of answer.headers) {
    if (name === 'content-length' || name === 'transfer-encoding' || name === 'connection') continue;
    headers.push(name, value);
  }
  headers.push('content-length', String(answer.body.length));
  if (answer.statusMessage === undefined) res.writeHead(answer.status, headers);
  else res.writeHead(answer.status, answer.statusMessage, headers);
  res.end(answer.body);
}

/**
 * @example
 * const server = createAlbServer({ listener, port: platform });
 * server.listen(8080, '127.0.0.1');
 */
export function createAlbServer(options: AlbServerOptions): Server {
  const rules = new AlbRules(options.listener);
  const listenerPort = options.listener.port;
  return createServer((req, res) => {
    const receivedAt = Date.now();
    // Lambda targets take no WebSockets: the upgrade is refused.
    if (req.headers.upgrade !== undefined && /websocket/i.test(req.headers.upgrade)) {
      req.resume();
      return send(res, albError('LAMINA_ERR_ALB_BAD_REQUEST'));
    }
    // Refused as soon as the limit is passed, the rest read and dropped up to a bound (listener-limits.ts).
    collectBody(req, MAX_ALB_REQUEST_BYTES, MAX_DRAIN_BYTES)
      .then(async (outcome) => {
        if (!outcome.ok) return send(res, albError('LAMINA_ERR_ALB_TOO_LARGE'));
        const request = frontRequest(req, outcome.body, receivedAt);
        const action = rules.actionFor(request);
        if (action.kind === 'fixed-response') {
          const headers: Array<readonly [string, string]> = action.contentType === undefined ? [] : [['content-type', action.contentType]];
          return send(res, { status: action.status, statusMessage: undefined, headers, body: Buffer.from(action.body) });
        }
        send(res, await forward(options.port, action.targetGroup, request, listenerPort));
      })
      .catch((error: unknown) => {
        // A client that left mid-body: nothing to answer, nothing invoked.
        if (error instanceof BodyAbortedError) return;
        if (!res.headersSent) send(res, albError('LAMINA_ERR_ALB_BAD_GATEWAY'));
        else res.destroy();
      });
  });
}
