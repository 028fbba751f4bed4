/** The RIC's own HTTP/1.1 client: the response reader, and the keep-alive connection against a node:http server. */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Http1Connection, SEPARATE_BODY_FROM } from '../../runtime-interface/api-client/http1-connection.js';
import { Http1ResponseParser, HttpProtocolError } from '../../runtime-interface/api-client/http1-response-parser.js';
import { nextRequest, responseRequest, RuntimeApiError, type ApiAnswer } from '../../runtime-interface/api-client/runtime-api-requests.js';

const read = (...parts: string[]): ApiAnswer[] => {
  const parser = new Http1ResponseParser();
  const answers: ApiAnswer[] = [];
  for (const part of parts) parser.push(Buffer.from(part, 'latin1'), (answer) => answers.push(answer));
  const last = parser.end();
  if (last !== undefined) answers.push(last);
  return answers;
};

describe('Http1ResponseParser', () => {
  it('reads a Content-Length answer split anywhere, with lower-cased and joined headers', () => {
    const raw = 'HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: r-1\r\nX-Twice: a\r\nx-twice: b\r\nContent-Length: 7\r\n\r\n{"a":1}';
    for (let cut = 1; cut < raw.length; cut += 1) {
      const [answer, ...rest] = read(raw.slice(0, cut), raw.slice(cut));
      expect(rest).toEqual([]);
      expect(answer?.statusCode).toBe(200);
      expect(answer?.headers).toMatchObject({ 'lambda-runtime-aws-request-id': 'r-1', 'x-twice': 'a, b' });
      expect(answer?.body.toString()).toBe('{"a":1}');
    }
  });

  it('reads a large Content-Length body read by read (kept as it came), with answers pipelined behind it', () => {
    const body = Buffer.alloc(300_001);
    for (let i = 0; i < body.length; i += 1) body[i] = 0x61 + (i % 26);
    const wire = Buffer.concat([
      Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`),
      body,
      Buffer.from('HTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\n{}HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'),
    ]);
    // Reads of 1 byte, of odd sizes, and of 64 KB; one read ending inside the head, one right after it.
    for (const size of [1, 7, 4093, 65_536, 41, 42]) {
      const parser = new Http1ResponseParser();
      const answers: ApiAnswer[] = [];
      for (let at = 0; at < wire.length; at += size) parser.push(wire.subarray(at, at + size), (answer) => answers.push(answer));
      expect(answers.map((a) => [a.statusCode, a.body.length]), `reads of ${size}`).toEqual([[200, body.length], [202, 2], [200, 0]]);
      expect(answers[0]?.body.equals(body)).toBe(true);
      expect(answers[1]?.body.toString()).toBe('{}');
      expect(parser.busy).toBe(false);
    }
  });

  it('reads chunked bodies with extensions and trailers, answers back to back, and skips 1xx', () => {
    const answers = read(
      'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 202 Accepted\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n2\r\nde\r\n0\r\nX-Trailer: t\r\n\r\n',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nf\r\n0\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n',
    );
    expect(answers.map((a) => [a.statusCode, a.body.toString()])).toEqual([[202, 'abcde'], [200, 'f'], [204, '']]);
  });

  it('reads a body without length until the connection ends, and refuses garbage', () => {
    expect(read('HTTP/1.0 200 OK\r\n\r\nuntil', ' close').map((a) => a.body.toString())).toEqual(['until close']);
    expect(() => read('SSH-2.0-OpenSSH\r\n\r\n')).toThrow(HttpProtocolError);
    expect(() => read('HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n')).toThrow(HttpProtocolError);
  });
});

describe('Http1Connection', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((done) => (server === undefined ? done() : (server.closeAllConnections(), server.close(() => done())))));

  const listen = async (handler: (req: IncomingMessage, body: string, res: import('node:http').ServerResponse) => void): Promise<{ port: number; sockets: Set<Socket> }> => {
    const sockets = new Set<Socket>();
    server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => handler(req, body, res));
    });
    server.on('connection', (socket) => sockets.add(socket));
    await new Promise<void>((done) => server!.listen(0, '127.0.0.1', done));
    return { port: (server.address() as AddressInfo).port, sockets };
  };

  it('sends every request on one keep-alive socket, UTF-8 bodies and Latin-1 headers intact', async () => {
    const seen: string[] = [];
    const { port, sockets } = await listen((req, body, res) => {
      seen.push(`${req.method} ${req.url} ${req.headers['host']} ${req.headers['x-latin'] ?? ''} ${body}`);
      res.writeHead(req.method === 'GET' ? 200 : 202, { 'Lambda-Runtime-Aws-Request-Id': 'r-1' }).end(req.method === 'GET' ? '{"e":1}' : '');
    });
    const connection = new Http1Connection('127.0.0.1', port);
    const next = await connection.send(nextRequest());
    expect([next.statusCode, next.headers['lambda-runtime-aws-request-id'], next.body.toString()]).toEqual([200, 'r-1', '{"e":1}']);
    const posted = responseRequest('r-1', '{"ü":"✓"}');
    posted.headers['X-Latin'] = 'é';
    expect((await connection.send(posted)).statusCode).toBe(202);
    const [a, b] = await Promise.all([connection.send(nextRequest()), connection.send(nextRequest())]);
    expect([a.statusCode, b.statusCode]).toEqual([200, 200]);
    expect(sockets.size).toBe(1);
    expect(seen[1]).toBe(`POST /2018-06-01/runtime/invocation/r-1/response 127.0.0.1:${port} é {"ü":"✓"}`); // one Latin-1 byte, read back as Latin-1
    connection.close();
  });

  it('sends a large body (a write of its own, corked with the head) byte for byte, then small requests on the same socket', async () => {
    const seen: string[] = [];
    const { port, sockets } = await listen((req, body, res) => {
      seen.push(`${req.method} ${req.headers['content-length'] ?? '-'} ${req.headers['x-latin'] ?? ''} ${body}`);
      res.writeHead(202).end();
    });
    const connection = new Http1Connection('127.0.0.1', port);
    const large = JSON.stringify({ text: 'ü✓😀'.repeat(SEPARATE_BODY_FROM) });
    const latin = responseRequest('r-2', large);
    latin.headers['X-Latin'] = 'é';
    const answers = await Promise.all([
      connection.send(responseRequest('r-1', large)),
      connection.send(latin),
      connection.send(responseRequest('r-3', '{"small":true}')),
    ]);
    expect(answers.map((a) => a.statusCode)).toEqual([202, 202, 202]);
    expect(sockets.size).toBe(1);
    const length = Buffer.byteLength(large);
    expect(length).toBeGreaterThan(SEPARATE_BODY_FROM * 4);
    expect(seen).toEqual([`POST ${length}  ${large}`, `POST ${length} é ${large}`, 'POST 14  {"small":true}']);
    connection.close();
  });

  it('reconnects after `Connection: close`, and fails waiting requests when the server drops the socket', async () => {
    let count = 0;
    const { port, sockets } = await listen((req, _body, res) => {
      count += 1;
      if (count === 1) res.writeHead(200, { Connection: 'close' }).end('bye');
      else if (count === 2) res.writeHead(200).end('again');
      else req.socket.destroy();
    });
    const connection = new Http1Connection('127.0.0.1', port);
    expect((await connection.send(nextRequest())).body.toString()).toBe('bye');
    expect((await connection.send(nextRequest())).body.toString()).toBe('again');
    expect(sockets.size).toBe(2);
    const failed = connection.send(nextRequest());
    await expect(failed).rejects.toThrow(RuntimeApiError);
    await expect(failed).rejects.toThrow(/^GET \/2018-06-01\/runtime\/invocation\/next failed: /);
  });
});
