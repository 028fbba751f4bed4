/**
 * The CloudWatch Logs API of `lamina serve --logs-api-port` (docs/cloudwatch-logs.md): an HTTP
 * listener speaking AWS JSON 1.1 (`X-Amz-Target: Logs_20140328.<Operation>`) over the log store,
 * so that `aws logs tail /aws/lambda/NAME --endpoint-url http://127.0.0.1:PORT` works.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { listenDraining } from '../../services/draining-listener.js';
import { executeLogsOperation, LOGS_OPERATIONS, type LogsOperation } from './logs-api.js';
import { LogsApiError } from './logs-api-errors.js';

/** A request of these operations is small; anything larger is refused unread. */
const MAX_REQUEST_BYTES = 1024 * 1024;
const TARGET_PREFIX = 'Logs_20140328.';

export interface LogsApiServer {
  /** `http://host:port`, what `--endpoint-url` takes. */
  readonly endpoint: string;
  close(): Promise<void>;
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_REQUEST_BYTES) throw new LogsApiError('LAMINA_ERR_LOGS_SERIALIZATION', `The request is larger than ${MAX_REQUEST_BYTES} bytes.`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  let parsed: unknown;
  try {
    parsed = text.trim() === '' ? {} : JSON.parse(text);
  } catch {
    throw new LogsApiError('LAMINA_ERR_LOGS_SERIALIZATION', 'The request body is not valid JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new LogsApiError('LAMINA_ERR_LOGS_SERIALIZATION', 'The request body must be a JSON object.');
  return parsed as Record<string, unknown>;
}

function send(res: ServerResponse, status: number, headers: Record<string, string>, body: string): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID(), 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

/**
 * @example
 * const api = await startLogsApiServer(join(stateDir, 'logs'), { host: '127.0.0.1', port: 0, region, accountId });
 * // aws logs tail /aws/lambda/Hello --endpoint-url ${api.endpoint}
 * await api.close();
 */
export async function startLogsApiServer(root: string, options: { readonly host: string; readonly port: number; readonly region: string; readonly accountId: string }): Promise<LogsApiServer> {
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      const header = req.headers['x-amz-target'];
      const target = Array.isArray(header) ? header[0] : header;
      const name = target?.startsWith(TARGET_PREFIX) === true ? target.slice(TARGET_PREFIX.length) : undefined;
      if (req.method !== 'POST' || name === undefined || !(LOGS_OPERATIONS as readonly string[]).includes(name)) {
        throw new LogsApiError('LAMINA_ERR_LOGS_UNKNOWN_OPERATION', `The operation ${JSON.stringify(name ?? target ?? '(no X-Amz-Target)')} is not served: this endpoint serves ${LOGS_OPERATIONS.join(', ')}.`);
      }
      const input = await readJson(req);
      send(res, 200, {}, JSON.stringify(await executeLogsOperation(root, name as LogsOperation, input, options)));
    } catch (err) {
      const error = err instanceof LogsApiError ? err : new LogsApiError('LAMINA_ERR_LOGS_INTERNAL', err instanceof Error ? err.message : String(err));
      send(res, error.spec.status, { 'x-amzn-errortype': error.spec.shape, connection: 'close' }, JSON.stringify({ __type: error.spec.shape, message: error.message }));
    }
  };
  const listener = await listenDraining(handle, options.host, options.port);
  return { endpoint: `http://${listener.hostPort}`, close: () => listener.close() };
}
