/**
 * The embedded SQS server (docs/sqs-server.md): an HTTP listener speaking SQS's AWS JSON 1.0
 * protocol, and its older Query protocol through a translation (query-protocol.ts, query-xml.ts),
 * in front of an `SqsService`, with the template's queues created at start.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { listenDraining, type DrainingListener } from '../draining-listener.js';
import type { QueueDefinition } from '../../async/async-types.js';
import { SqsError, renderSqsError } from './sqs-errors.js';
import { parseJsonRequest } from './sqs-protocol.js';
import { parseForm, parseQueryRequest } from './query-protocol.js';
import { renderQueryError, renderQueryResult } from './query-xml.js';
import { SqsService } from './sqs-service.js';
import type { SqsAction } from './sqs-types.js';

export interface SqsServerOptions {
  readonly host?: string | undefined;
  /** 0 (the default) picks a free port. */
  readonly port?: number | undefined;
  readonly dbPath: string;
  readonly region?: string | undefined;
  readonly accountId?: string | undefined;
  readonly queues?: readonly QueueDefinition[] | undefined;
}

export interface SqsServer {
  /** `http://host:port`, what `--endpoint-url` takes. */
  readonly endpoint: string;
  /** The in-process API over the same store. */
  readonly service: SqsService;
  close(): Promise<void>;
}

/** 10 entries of 1 MiB each, JSON-escaped: a generous bound that still refuses floods. */
const MAX_REQUEST_BYTES = 16 * 1024 * 1024;
const XML = { 'content-type': 'text/xml' };

function senderOf(req: IncomingMessage, accountId: string): string {
  const match = /Credential=([^/,\s]+)\//.exec(req.headers.authorization ?? '');
  return match?.[1] ?? accountId;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_REQUEST_BYTES) {
        reject(new SqsError('LAMINA_ERR_SQS_REQUEST_TOO_LARGE', `The request is larger than ${MAX_REQUEST_BYTES} bytes.`));
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, requestId: string, headers: Record<string, string>, body: string): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': requestId, 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

/**
 * The target header is what tells JSON 1.0 apart; without it, a form body or a GET is the Query
 * protocol (docs/sqs-server.md), which the CLI v2 of Debian 12 and older SDKs still speak.
 */
function isQueryRequest(req: IncomingMessage): boolean {
  if (req.headers['x-amz-target'] !== undefined) return false;
  return req.method === 'GET' || (req.headers['content-type'] ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded');
}

/** A Query request's parameters: the URL's query string, and for a POST its body as well. */
function queryRequest(req: IncomingMessage, body: string): SqsAction {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const search = url.search.slice(1);
  return parseQueryRequest(parseForm([search, req.method === 'GET' ? '' : body].filter((s) => s !== '').join('&')), url.pathname);
}

async function handle(service: SqsService, req: IncomingMessage, res: ServerResponse, fallbackHost: string): Promise<void> {
  const abort = new AbortController();
  // A long poll whose caller went away must not take messages it can no longer hand over.
  res.on('close', () => { if (!res.writableFinished) abort.abort(); });
  const requestId = randomUUID();
  const query = isQueryRequest(req);
  try {
    if (!query && req.method !== 'POST') throw new SqsError('LAMINA_ERR_SQS_INVALID_ACTION', 'Only POST requests of the AWS JSON 1.0 protocol and requests of the Query protocol are served.');
    const body = await readBody(req);
    const target = req.headers['x-amz-target'];
    const action = query ? queryRequest(req, body) : parseJsonRequest(Array.isArray(target) ? target[0] : target, body);
    const trace = req.headers['x-amzn-trace-id'];
    // Only a header of sane size is kept: it rides along with every copy of the message.
    const traceHeader = typeof trace === 'string' && trace.length <= 2048 ? trace : undefined;
    const out = await service.execute(action, { senderId: senderOf(req, service.ctx.accountId), host: req.headers.host ?? fallbackHost, traceHeader }, abort.signal);
    if (query) send(res, 200, requestId, XML, renderQueryResult(action.action, out, requestId));
    else send(res, 200, requestId, {}, JSON.stringify(out));
  } catch (err) {
    const error = err instanceof SqsError ? err : new SqsError('LAMINA_ERR_SQS_INTERNAL', err instanceof Error ? err.message : String(err));
    if (query) {
      const { status, body } = renderQueryError(error, requestId);
      send(res, status, requestId, XML, body);
      return;
    }
    const { status, headers, body } = renderSqsError(error);
    send(res, status, requestId, headers, body);
  }
}

/**
 * Starts the SQS server and creates (or updates) the template's queues.
 *
 * @example
 * const sqs = await startSqsServer({ host: '127.0.0.1', port: 9324, dbPath: '.lamina/sqs.db', queues });
 * // aws sqs list-queues --endpoint-url http://127.0.0.1:9324
 * await sqs.close();
 */
export async function startSqsServer(options: SqsServerOptions): Promise<SqsServer> {
  const host = options.host ?? '127.0.0.1';
  const service = new SqsService({ dbPath: options.dbPath, region: options.region ?? 'us-east-1', accountId: options.accountId ?? '000000000000' });
  let listener: DrainingListener;
  try {
    listener = await listenDraining((req, res) => handle(service, req, res, service.defaultHost), host, options.port ?? 0);
  } catch (err) {
    service.close();
    throw err;
  }
  service.defaultHost = listener.hostPort;
  try {
    service.ensureQueues(options.queues ?? []);
  } catch (err) {
    await listener.close();
    service.close();
    throw err;
  }
  let closing: Promise<void> | undefined;
  return {
    endpoint: `http://${listener.hostPort}`,
    service,
    close: () => {
      closing ??= (async () => {
        // Long polls answer at once (empty), then the store closes after the last request.
        await listener.close(() => service.ctx.signals.close());
        service.ctx.store.close();
      })();
      return closing;
    },
  };
}
