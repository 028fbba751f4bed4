/** A raw HTTP/1.1 call that half-closes its socket (TCP FIN) right after the request. */
import { connect } from 'node:net';

/**
 * Write a whole POST, `end()` the socket, and resolve with everything the server sent (as latin1
 * text) once it closes the connection.
 */
export function halfClosedCall(port: number, path: string, body: string, headers: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
    const all = { Host: `127.0.0.1:${port}`, 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)), ...headers };
    const head = Object.entries(all).map(([name, value]) => `${name}: ${value}\r\n`).join('');
    socket.end(`POST ${path} HTTP/1.1\r\n${head}\r\n${body}`);
  });
}
