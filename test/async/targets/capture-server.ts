/**
 * A small HTTP server on 127.0.0.1 that records every request the SDK clients make and answers
 * each with what the test's handler says: a stand-in for SQS, SNS or EventBridge, so the tests see
 * the real bytes on the wire.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CapturedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** The client's port: equal ports mean one reused connection. */
  readonly remotePort: number | undefined;
}

export interface Answer {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** `undefined` leaves the request hanging (a hung endpoint). */
export type Handler = (request: CapturedRequest) => Answer | undefined;

export interface CaptureServer {
  readonly url: string;
  readonly requests: CapturedRequest[];
  close(): Promise<void>;
}

export async function startCaptureServer(handler: Handler): Promise<CaptureServer> {
  const requests: CapturedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const captured: CapturedRequest = {
        method: req.method ?? '', url: req.url ?? '', headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'), remotePort: req.socket.remotePort,
      };
      requests.push(captured);
      const answer = handler(captured);
      if (answer === undefined) return;
      res.writeHead(answer.status, { 'content-type': answer.contentType, ...answer.headers });
      res.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

export function json10(body: unknown, status = 200, headers?: Record<string, string>): Answer {
  return { status, contentType: 'application/x-amz-json-1.0', body: JSON.stringify(body), ...(headers === undefined ? {} : { headers }) };
}

export function json11(body: unknown, status = 200): Answer {
  return { status, contentType: 'application/x-amz-json-1.1', body: JSON.stringify(body) };
}

export function xml(body: string, status = 200): Answer {
  return { status, contentType: 'text/xml', body };
}

export function md5Hex(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex');
}

/** The body of an awsQuery request (SNS), as a map of its form fields. */
export function formFields(body: string): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(body));
}
