/**
 * The X-Ray daemon's address inside an isolated environment (docs/xray.md, "Isolated functions").
 * An isolated environment has a network namespace of its own and cannot reach the host's loopback,
 * where the receiver listens. A small relay is started inside the namespace (`nsenter -n`: the
 * network namespace only, so it still sees the platform's filesystem): it listens on the
 * namespace's own 127.0.0.1 at the receiver's port, so the function's `AWS_XRAY_DAEMON_ADDRESS`
 * is the same as everywhere, and passes each datagram, length-prefixed, over a Unix socket in a
 * private directory to the platform's inlet ({@link startRelayInlet}).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nsenter } from '../namespace-relay.js';
import { MAX_DATAGRAM_BYTES } from './segment-document.js';

/**
 * The relay: each datagram as a 4-byte big-endian length and its bytes. What the platform has not
 * read past 1 MB is dropped, not queued; it exits when the platform closes its stdin or its socket.
 */
const RELAY_SOURCE = `
const dgram = require('node:dgram');
const net = require('node:net');
const [path, port] = process.argv.slice(1);
const inlet = net.connect(path);
inlet.on('error', () => process.exit(0));
inlet.on('close', () => process.exit(0));
const socket = dgram.createSocket('udp4');
socket.on('message', (datagram) => {
  if (inlet.writableLength > 1048576) return;
  const length = Buffer.alloc(4);
  length.writeUInt32BE(datagram.length);
  inlet.write(Buffer.concat([length, datagram]));
});
socket.on('error', () => process.exit(1));
socket.bind(Number(port), '127.0.0.1', () => process.stdout.write('ready\\n'));
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
`;

export interface RelayInlet {
  /** Where relays connect. */
  readonly socketPath: string;
  close(): Promise<void>;
}

/**
 * The platform's end: every relay's datagrams go to `onDatagram`, as if they came over UDP. A
 * frame longer than a datagram may be ends that connection (a relay does not send one).
 *
 * @example
 * const inlet = await startRelayInlet((datagram) => receive(datagram));
 */
export function startRelayInlet(onDatagram: (datagram: Buffer) => void): Promise<RelayInlet> {
  const dir = mkdtempSync(join(tmpdir(), 'lamina-xray-'));
  const socketPath = join(dir, 'inlet.sock');
  const server: Server = createServer((connection) => {
    let pending: Buffer = Buffer.alloc(0);
    connection.on('error', () => connection.destroy());
    connection.on('data', (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      while (pending.length >= 4) {
        const length = pending.readUInt32BE(0);
        if (length > MAX_DATAGRAM_BYTES) {
          connection.destroy();
          return;
        }
        if (pending.length < 4 + length) break;
        onDatagram(pending.subarray(4, 4 + length));
        pending = pending.subarray(4 + length);
      }
    });
  });
  server.unref();
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => {
      resolve({
        socketPath,
        close: () =>
          new Promise((done) => {
            server.close(() => done());
            rmSync(dir, { recursive: true, force: true });
          }),
      });
    });
  });
}

export interface UdpRelay {
  close(): void;
}

/**
 * Start a relay in the network namespace of process `pid`, listening on its 127.0.0.1:`port`.
 * Resolves once it listens; rejects when it cannot (no nsenter, the port taken in there).
 *
 * @example
 * const relay = await openUdpRelay(sandbox.rootPid, receiver.port, inlet.socketPath);
 * void sandbox.exited.then(() => relay.close());
 */
export function openUdpRelay(pid: number, port: number, inletPath: string): Promise<UdpRelay> {
  const tool = nsenter();
  if (tool === undefined) return Promise.reject(new Error('no nsenter'));
  const child: ChildProcess = spawn(tool, ['-t', String(pid), '-n', '--', process.execPath, '-e', RELAY_SOURCE, inletPath, String(port)], {
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  const close = (): void => {
    child.stdin?.end();
    child.kill('SIGKILL');
  };
  return new Promise((resolve, reject) => {
    child.once('error', (error) => reject(error));
    child.once('exit', (code) => reject(new Error(`the X-Ray relay into pid ${pid}'s network exited with ${String(code)}`)));
    child.stdout?.once('data', () => {
      child.removeAllListeners('exit');
      resolve({ close });
    });
  });
}
