/**
 * The embedded CodeDeploy endpoint (docs/deployments.md): the one call a Lambda hook makes,
 * PutLifecycleEventHookExecutionStatus, in CodeDeploy's AWS JSON 1.1 protocol (`POST /`,
 * `X-Amz-Target: CodeDeploy_20141006.<Operation>`). Hook functions find it through
 * `AWS_ENDPOINT_URL_CODEDEPLOY`, so a hook written with @aws-sdk/client-codedeploy works unchanged.
 * Signatures are not checked: the endpoint listens where the functions run, like the other
 * embedded services.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { listenDraining } from '../services/draining-listener.js';
import { CodeDeployError } from './codedeploy-errors.js';
import type { LifecycleHooks } from './lifecycle-hooks.js';

const TARGET_PREFIX = 'CodeDeploy_20141006.';
/** A status report is a few hundred bytes; anything this large is not one. */
export const MAX_REQUEST_BYTES = 64 * 1024;

export interface CodeDeployServer {
  /** `http://host:port`, what `AWS_ENDPOINT_URL_CODEDEPLOY` names. */
  readonly endpoint: string;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // Past the cap the rest is read and dropped (the socket stays whole for the answer).
      if (size > MAX_REQUEST_BYTES) reject(new CodeDeployError('LAMINA_ERR_CODEDEPLOY_REQUEST_TOO_LARGE', `The request is larger than ${MAX_REQUEST_BYTES} bytes.`));
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const text = await readBody(req);
  let parsed: unknown;
  try {
    parsed = text.trim() === '' ? {} : JSON.parse(text);
  } catch {
    throw new CodeDeployError('LAMINA_ERR_CODEDEPLOY_SERIALIZATION', 'The request body is not valid JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new CodeDeployError('LAMINA_ERR_CODEDEPLOY_SERIALIZATION', 'The request body must be a JSON object.');
  return parsed as Record<string, unknown>;
}

function send(res: ServerResponse, status: number, body: Record<string, unknown>, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID(), 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

async function handle(hooks: LifecycleHooks, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    const header = req.headers['x-amz-target'];
    const target = Array.isArray(header) ? header[0] : header;
    const operation = target?.startsWith(TARGET_PREFIX) === true ? target.slice(TARGET_PREFIX.length) : undefined;
    if (req.method !== 'POST' || operation !== 'PutLifecycleEventHookExecutionStatus') {
      throw new CodeDeployError('LAMINA_ERR_CODEDEPLOY_UNKNOWN_OPERATION', `The operation ${JSON.stringify(operation ?? target ?? '(no X-Amz-Target)')} is not served: this endpoint serves POST PutLifecycleEventHookExecutionStatus.`);
    }
    const input = await readJson(req);
    const id = hooks.report(input.deploymentId, input.lifecycleEventHookExecutionId, input.status);
    send(res, 200, { lifecycleEventHookExecutionId: id });
  } catch (err) {
    const error = err instanceof CodeDeployError ? err : new CodeDeployError('LAMINA_ERR_CODEDEPLOY_SERIALIZATION', err instanceof Error ? err.message : String(err));
    // A refused oversized body is not read further: the connection closes after the answer.
    send(res, error.spec.status, { __type: error.spec.shape, message: error.message }, { 'x-amzn-errortype': error.spec.shape, ...(error.spec.status === 413 ? { connection: 'close' } : {}) });
  }
}

/**
 * @example
 * const server = await startCodeDeployServer(hooks, '127.0.0.1', 0);
 * // hook functions get AWS_ENDPOINT_URL_CODEDEPLOY=server.endpoint
 * await server.close();
 */
export async function startCodeDeployServer(hooks: LifecycleHooks, host: string, port: number): Promise<CodeDeployServer> {
  const listener = await listenDraining((req, res) => handle(hooks, req, res), host, port);
  return { endpoint: `http://${listener.hostPort}`, close: () => listener.close() };
}
