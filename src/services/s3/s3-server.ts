/**
 * The embedded S3 server (docs/s3-server.md): an HTTP listener speaking S3's REST-XML protocol,
 * path-style, over an `S3Store` under the state directory, with the template's buckets created
 * at start. Every created or removed object is handed to `onChange` before the answer is sent, so
 * a notification is queued (durably, by the caller) before the client hears of success.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { listenDraining } from '../draining-listener.js';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { bucketLocation, createBucket, deleteBucket, headBucket, listBuckets, listObjects } from './bucket-operations.js';
import { abortUpload, completeUpload, createUpload, uploadPart, uploadPartCopy } from './multipart-operations.js';
import { copyObject, deleteObject, deleteObjects, getObject, objectTagging, putObject } from './object-operations.js';
import { S3Error, renderS3Error } from './s3-errors.js';
import { sequencerSource, type S3Context, type S3Reply } from './s3-reply.js';
import { parseTarget, type S3Request } from './s3-request.js';
import { S3Store } from './s3-store.js';
import { S3_LIMITS, type ObjectChange } from './s3-types.js';

export interface S3ServerOptions {
  readonly host?: string | undefined;
  /** 0 (the default) picks a free port. */
  readonly port?: number | undefined;
  /** Where objects are kept (e.g. `<state dir>/s3`). */
  readonly dir: string;
  readonly region?: string | undefined;
  /** Buckets to create when missing (the template's). */
  readonly buckets?: readonly string[] | undefined;
  /** Largest body of one PutObject or UploadPart; S3's 5 GiB by default. */
  readonly maxUploadBytes?: number | undefined;
  /** Called for each object change, awaited before the answer. */
  readonly onChange?: ((change: ObjectChange) => Promise<void> | void) | undefined;
}

export interface S3Server {
  /** `http://host:port`, what `--endpoint-url` takes. */
  readonly endpoint: string;
  readonly store: S3Store;
  close(): Promise<void>;
}

/** Request bodies read whole (DeleteObjects, CompleteMultipartUpload): 1,000 keys of 1 KiB fit. */
const MAX_XML_BYTES = 2 * 1024 * 1024;

function readXml(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= MAX_XML_BYTES) return void chunks.push(chunk);
      // Stop keeping it; the error handler drains the rest so the answer reaches the caller.
      req.off('data', onData);
      reject(new S3Error('LAMINA_ERR_S3_MALFORMED_XML', `The XML body is larger than ${MAX_XML_BYTES} bytes.`));
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Which operation a request is, by method, bucket/key and subresource. */
async function route(ctx: S3Context, req: S3Request): Promise<S3Reply> {
  const { method, bucket, key, query } = req;
  const has = (name: string): boolean => query.has(name);
  // Query-string authentication (presigned URLs) and the SDK's `x-id` tag are not subresources.
  const params = [...query.keys()].filter((k) => k !== 'x-id' && !/^x-amz-/i.test(k) && !['AWSAccessKeyId', 'Signature', 'Expires'].includes(k));
  if (bucket === undefined) {
    if (method === 'GET') return listBuckets(ctx);
    throw new S3Error('LAMINA_ERR_S3_METHOD_NOT_ALLOWED', 'The specified method is not allowed against this resource.');
  }
  if (key === undefined) {
    if (method === 'PUT' && params.length === 0) return createBucket(ctx, bucket);
    if (method === 'HEAD') return headBucket(ctx, bucket);
    if (method === 'DELETE' && params.length === 0) return deleteBucket(ctx, bucket);
    if (method === 'GET' && has('location')) return bucketLocation(ctx, bucket);
    if (method === 'GET' && params.every((k) => ['list-type', 'prefix', 'delimiter', 'max-keys', 'continuation-token', 'start-after', 'marker', 'encoding-type', 'fetch-owner'].includes(k))) return listObjects(ctx, bucket, query);
    if (method === 'POST' && has('delete')) return deleteObjects(ctx, bucket, await readXml(req.raw));
    throw new S3Error('LAMINA_ERR_S3_NOT_IMPLEMENTED', `This bucket operation (${method} ?${params.join('&')}) is not implemented by Lamina's S3 server.`);
  }
  const uploadId = query.get('uploadId');
  if (method === 'PUT' && uploadId !== null) {
    return req.headers['x-amz-copy-source'] !== undefined ? uploadPartCopy(ctx, req, bucket, key) : uploadPart(ctx, req, bucket, key);
  }
  if (method === 'POST' && has('uploads')) return createUpload(ctx, req, bucket, key);
  if (method === 'POST' && uploadId !== null) return completeUpload(ctx, bucket, key, uploadId, await readXml(req.raw));
  if (method === 'DELETE' && uploadId !== null) return abortUpload(ctx, bucket, key, uploadId);
  // Tags are not kept (docs/s3-server.md): reading them gives the empty set every untagged object
  // has (the AWS CLI v2 reads them before a multipart copy), and a write that sets tags is refused
  // rather than dropped.
  if (method === 'GET' && has('tagging') && params.length === 1) return objectTagging(ctx, bucket, key);
  if (req.headers['x-amz-tagging'] !== undefined && req.headers['x-amz-tagging'] !== '') {
    throw new S3Error('LAMINA_ERR_S3_NOT_IMPLEMENTED', "Object tags (x-amz-tagging) are not kept by Lamina's S3 server.");
  }
  const subresources = params.filter((k) => !k.startsWith('response-') && k !== 'versionId' && k !== 'partNumber');
  if (subresources.length > 0) throw new S3Error('LAMINA_ERR_S3_NOT_IMPLEMENTED', `This object operation (${method} ?${subresources.join('&')}) is not implemented by Lamina's S3 server.`);
  if (method === 'PUT') return req.headers['x-amz-copy-source'] !== undefined ? copyObject(ctx, req, bucket, key) : putObject(ctx, req, bucket, key);
  if (method === 'GET' || method === 'HEAD') return getObject(ctx, req, bucket, key, method === 'HEAD');
  if (method === 'DELETE') return deleteObject(ctx, bucket, key);
  throw new S3Error('LAMINA_ERR_S3_METHOD_NOT_ALLOWED', 'The specified method is not allowed against this resource.');
}

async function handle(ctx: S3Context, onChange: S3ServerOptions['onChange'], req: IncomingMessage, res: ServerResponse): Promise<void> {
  const requestId = randomBytes(8).toString('hex').toUpperCase();
  const hostId = randomBytes(32).toString('base64');
  const base = { 'x-amz-request-id': requestId, 'x-amz-id-2': hostId, server: 'LaminaS3' };
  try {
    const target = parseTarget(req.url ?? '/');
    const reply = await route(ctx, { method: req.method ?? 'GET', ...target, headers: req.headers, raw: req });
    // An IPv4 caller of a dual-stack listener shows as ::ffff:a.b.c.d; S3 reports the IPv4 form.
    const sourceIp = (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
    for (const change of reply.changes ?? []) await onChange?.({ ...change, sourceIp, requestId, hostId, time: new Date() });
    const body = reply.body;
    const headers: Record<string, string> = { ...base, ...reply.headers };
    if (typeof body === 'string') headers['content-length'] = String(Buffer.byteLength(body));
    else if (body === undefined && headers['content-length'] === undefined) headers['content-length'] = '0';
    res.writeHead(reply.status, headers);
    if (body instanceof Readable) await pipeline(body, res);
    else res.end(req.method === 'HEAD' ? undefined : body);
  } catch (err) {
    // A body left unread would stall the connection: drain what is left (bounded by the socket).
    req.resume();
    const error = err instanceof S3Error ? err : new S3Error('LAMINA_ERR_S3_INTERNAL', err instanceof Error ? err.message : String(err));
    if (res.headersSent || res.destroyed) {
      res.destroy();
      return;
    }
    const { status, body } = renderS3Error(error, requestId);
    res.writeHead(status, { ...base, 'content-type': 'application/xml', 'content-length': req.method === 'HEAD' ? '0' : String(Buffer.byteLength(body)), ...(status === 413 || error.spec.s3Code === 'EntityTooLarge' ? { connection: 'close' } : {}) });
    res.end(req.method === 'HEAD' ? undefined : body);
  }
}

/**
 * Start the S3 server and create the given buckets when missing.
 *
 * @example
 * const s3 = await startS3Server({ host: '127.0.0.1', port: 4569, dir: '.lamina/s3', buckets: ['uploads'] });
 * // aws s3 ls --endpoint-url http://127.0.0.1:4569
 * await s3.close();
 */
export async function startS3Server(options: S3ServerOptions): Promise<S3Server> {
  const host = options.host ?? '127.0.0.1';
  const store = new S3Store(options.dir);
  for (const bucket of options.buckets ?? []) store.createBucket(bucket);
  const ctx: S3Context = { store, region: options.region ?? 'us-east-1', maxUploadBytes: options.maxUploadBytes ?? S3_LIMITS.maxSingleUploadBytes, sequencer: sequencerSource() };
  const listener = await listenDraining((req, res) => handle(ctx, options.onChange, req, res), host, options.port ?? 0);
  return {
    endpoint: `http://${listener.hostPort}`,
    store,
    close: () => listener.close(),
  };
}
