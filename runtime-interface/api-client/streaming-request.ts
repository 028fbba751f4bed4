/**
 * Streamed `/response` requests (`Transfer-Encoding: chunked`, error trailers). These keep using
 * `node:http`: its ClientRequest is the writable the handler's `responseStream` wraps (cork,
 * backpressure, `addTrailers`...). `node:http` is loaded on first use only, so functions that never
 * stream never pay for it (the buffered path uses `http1-connection.ts`).
 */
import type { Agent, ClientRequest } from 'node:http';
import type { Socket } from 'node:net';
import { RuntimeApiError, USER_AGENT, type ApiAnswer, type ApiRequest } from './runtime-api-requests.js';

/** A request whose body the caller writes and ends, and the Runtime API's answer to it. */
export interface OpenRequest {
  request: ClientRequest;
  answer: Promise<ApiAnswer>;
}

function connectWithHighWaterMark(host: string, port: number, highWaterMark: number): Socket {
  const { Socket: NetSocket } = process.getBuiltinModule('node:net');
  // Socket options reach its Duplex: highWaterMark sizes the write buffer.
  const socket = new NetSocket({ highWaterMark } as ConstructorParameters<typeof NetSocket>[0]);
  return socket.connect(port, host);
}

/**
 * Opens streamed requests to one Runtime API address over `node:http`.
 * @example
 * ```ts
 * const streams = new StreamingRequests('127.0.0.1', 9001);
 * const { request, answer } = streams.open(streamingResponseRequest('id-1'), undefined);
 * request.end('all at once');
 * await answer;
 * ```
 */
export class StreamingRequests {
  private agent: Agent | undefined;

  constructor(
    private readonly hostname: string,
    private readonly port: number,
  ) {}

  /**
   * Start a request and leave its body open. With `highWaterMark`, the request gets its own
   * connection whose socket buffers that many bytes before `write` asks for backpressure (the
   * `streamifyResponse` option); otherwise it uses a keep-alive connection of its own.
   */
  open(req: ApiRequest, highWaterMark: number | undefined): OpenRequest {
    const http = process.getBuiltinModule('node:http');
    this.agent ??= new http.Agent({ keepAlive: true, maxSockets: 1 });
    let outgoing: ClientRequest | undefined;
    const answer = new Promise<ApiAnswer>((resolve, reject) => {
      outgoing = http.request(
        {
          hostname: this.hostname,
          port: this.port,
          method: req.method,
          path: req.path,
          headers: { 'User-Agent': USER_AGENT, ...req.headers },
          agent: highWaterMark === undefined ? this.agent : false,
          ...(highWaterMark === undefined ? {} : { createConnection: () => connectWithHighWaterMark(this.hostname, this.port, highWaterMark) }),
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => resolve({ statusCode: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        },
      );
      outgoing.on('error', (err) => reject(new RuntimeApiError(`${req.method} ${req.path} failed: ${err.message}`)));
    });
    return { request: outgoing as unknown as ClientRequest, answer };
  }
}
