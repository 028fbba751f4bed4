/**
 * The Kinesis front listener (src/services/kinesis/two-protocol-listener.ts) against hostile
 * clients: one that sends a byte and stalls, one that sends a torn HTTP/2 preface, and one that
 * sends garbage, must not keep a well-behaved HTTP/1.1 or HTTP/2 client from being served, and
 * close must end every connection.
 */
import { connect as http2Connect } from 'node:http2';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { listenTwoProtocols, type TwoProtocolListener } from '../../../src/services/kinesis/two-protocol-listener.js';

let listener: TwoProtocolListener | undefined;
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await listener?.close();
  listener = undefined;
});

function rawClient(port: number, bytes: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      if (bytes !== '') socket.write(bytes);
      resolve(socket);
    });
    socket.on('error', () => undefined);
    socket.once('error', reject);
    sockets.push(socket);
  });
}

function http1Get(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => { body += c.toString(); });
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.end();
  });
}

function http2Get(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const session = http2Connect(`http://127.0.0.1:${port}`);
    session.on('error', reject);
    const stream = session.request({ ':path': '/' });
    let body = '';
    stream.on('data', (c: Buffer) => { body += c.toString(); });
    stream.on('end', () => { session.close(); resolve(body); });
    stream.on('error', reject);
    stream.end();
  });
}

describe('the two-protocol listener under hostile clients', () => {
  it('serves HTTP/1.1 and HTTP/2 clients while others stall after one byte, tear the preface or send garbage', async () => {
    listener = await listenTwoProtocols((req, res) => {
      res.end(`ok ${req.httpVersion}`);
    }, '127.0.0.1', 0);
    const port = listener.port;
    await rawClient(port, 'P');
    await rawClient(port, 'PRI * HTTP/2.0\r\n');
    const garbage = await rawClient(port, '\u0000\u00ff\u0001garbage\r\n\r\n');
    expect(await http1Get(port)).toBe('ok 1.1');
    expect(await http2Get(port)).toBe('ok 2.0');
    // The garbage is answered (or dropped) by the HTTP/1.1 parser, never served as a request.
    const answer = await new Promise<string>((resolve) => {
      let text = '';
      garbage.on('data', (c: Buffer) => { text += c.toString(); });
      garbage.on('close', () => resolve(text));
    });
    expect(answer).not.toContain('ok ');
  });

  it('close ends every connection, stalled ones included', async () => {
    listener = await listenTwoProtocols((_req, res) => { res.end('ok'); }, '127.0.0.1', 0);
    const stalled = await rawClient(listener.port, 'P');
    const closedSocket = new Promise<void>((resolve) => stalled.once('close', () => resolve()));
    await listener.close();
    listener = undefined;
    await closedSocket;
    expect(stalled.destroyed).toBe(true);
  });
});
