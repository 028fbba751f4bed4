/**
 * The embedded EventBridge server (docs/eventbridge-server.md): an HTTP listener speaking
 * EventBridge's AWS JSON 1.1 protocol in front of an `EventBridgeService`, so that
 * `aws events put-events --endpoint-url` and `@aws-sdk/client-eventbridge` reach the template's rules.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { listenDraining } from '../draining-listener.js';
import { EventBridgeError, renderEventBridgeError } from './eventbridge-errors.js';
import { parseRequest } from './eventbridge-protocol.js';
import { EventBridgeService, type EventBridgeServiceOptions } from './eventbridge-service.js';

export interface EventBridgeServerOptions extends EventBridgeServiceOptions {
  readonly host?: string | undefined;
  /** 0 (the default) picks a free port. */
  readonly port?: number | undefined;
}

export interface EventBridgeServer {
  /** `http://host:port`, what `--endpoint-url` takes. */
  readonly endpoint: string;
  readonly service: EventBridgeService;
  close(): Promise<void>;
}

/**
 * 10 entries of 256 KB together, JSON-escaped (a byte may become `\u0000`, six): anything larger
 * cannot be a valid PutEvents and is refused before it is parsed.
 */
export const MAX_REQUEST_BYTES = 2 * 1024 * 1024;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on('data', (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      if (size > MAX_REQUEST_BYTES) {
        refused = true;
        reject(new EventBridgeError('LAMINA_ERR_EVENTS_REQUEST_TOO_LARGE', `The request is larger than ${MAX_REQUEST_BYTES} bytes.`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, headers: Record<string, string>, body: string): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID(), 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

async function handle(service: EventBridgeService, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    if (req.method !== 'POST') throw new EventBridgeError('LAMINA_ERR_EVENTS_UNKNOWN_OPERATION', 'Only POST requests of the AWS JSON 1.1 protocol are served.');
    const body = await readBody(req);
    const target = req.headers['x-amz-target'];
    const { operation, input } = parseRequest(Array.isArray(target) ? target[0] : target, body);
    send(res, 200, {}, JSON.stringify(await service.execute(operation, input)));
  } catch (err) {
    const error = err instanceof EventBridgeError ? err : new EventBridgeError('LAMINA_ERR_EVENTS_INTERNAL', err instanceof Error ? err.message : String(err));
    const { status, headers, body } = renderEventBridgeError(error);
    // A refused oversized body is not read further: the connection closes after the answer.
    send(res, status, error.spec.status === 413 ? { ...headers, connection: 'close' } : headers, body);
  }
}

/**
 * Start the server.
 *
 * @example
 * const events = await startEventBridgeServer({ port: 4010, region, accountId, buses, rules, deliver });
 * // aws events put-events --endpoint-url http://127.0.0.1:4010 --entries '[...]'
 * await events.close();
 */
export async function startEventBridgeServer(options: EventBridgeServerOptions): Promise<EventBridgeServer> {
  const host = options.host ?? '127.0.0.1';
  const service = new EventBridgeService(options);
  const listener = await listenDraining((req, res) => handle(service, req, res), host, options.port ?? 0);
  return {
    endpoint: `http://${listener.hostPort}`,
    service,
    // PutEvents under way finish their hand-overs to the durable queue first.
    close: () => listener.close(),
  };
}
