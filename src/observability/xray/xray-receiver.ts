/**
 * Lamina's X-Ray daemon (docs/xray.md): one UDP socket for the whole platform that takes the
 * segment documents functions' X-Ray SDKs send (`AWS_XRAY_DAEMON_ADDRESS`) and keeps them in the
 * trace store. Every datagram is untrusted: oversized, malformed or foreign ones are dropped and
 * counted, never answered and never logged one by one.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { networkInterfaces } from 'node:os';
import { parseDatagram, type RefusalReason } from './segment-document.js';
import type { TraceStore } from './trace-store.js';

/** What the receiver did with the datagrams it got. */
export interface ReceiverCounts {
  received: number;
  accepted: number;
  /** From an address that is neither this host's nor an environment's link (docs/isolation.md). */
  foreign: number;
  refused: Record<RefusalReason, number>;
}

export interface XRayReceiver {
  /** The bound address and port. */
  readonly address: string;
  readonly port: number;
  readonly counts: Readonly<ReceiverCounts>;
  /** Take a datagram that came another way (an isolated environment's relay), as if over UDP. */
  receive(datagram: Buffer): void;
  close(): Promise<void>;
}

/**
 * The senders a receiver bound to every address accepts: this host (its loopback and `own`
 * addresses) and its environments' links (198.18.0.0/15, src/sandbox/outbound-network.ts).
 *
 * @example isLocalSender('198.18.4.2', new Set(['192.0.2.2'])) // true
 */
export function isLocalSender(address: string, own: ReadonlySet<string>): boolean {
  // An IPv4 sender to a dual-stack socket arrives as ::ffff:a.b.c.d.
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return v4.startsWith('127.') || v4 === '::1' || v4.startsWith('198.18.') || v4.startsWith('198.19.') || own.has(v4);
}

function localSender(): (remote: RemoteInfo) => boolean {
  const own = new Set<string>();
  for (const list of Object.values(networkInterfaces())) for (const entry of list ?? []) own.add(entry.address);
  return (remote) => isLocalSender(remote.address, own);
}

/**
 * Bind the receiver. On a loopback address only local processes can send; bound to every
 * address (`--host 0.0.0.0`, so isolated environments reach it through their link) it accepts
 * datagrams from this host's own addresses and the environments' links only.
 *
 * @example
 * const receiver = await startReceiver(store, '127.0.0.1', 0);
 * // functions get AWS_XRAY_DAEMON_ADDRESS=127.0.0.1:<receiver.port>
 */
export function startReceiver(store: TraceStore, host: string, port: number): Promise<XRayReceiver> {
  const socket: Socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
  const counts: ReceiverCounts = { received: 0, accepted: 0, foreign: 0, refused: { oversize: 0, header: 0, json: 0, shape: 0 } };
  const loopback = host.startsWith('127.') || host === '::1' || host === 'localhost';
  const accepts = loopback ? undefined : localSender();
  const receive = (datagram: Buffer): void => {
    const parsed = parseDatagram(datagram);
    if (!parsed.ok) {
      counts.refused[parsed.reason] += 1;
      return;
    }
    counts.accepted += 1;
    store.add(parsed.document);
  };
  socket.on('message', (datagram, remote) => {
    counts.received += 1;
    if (accepts !== undefined && !accepts(remote)) counts.foreign += 1;
    else receive(datagram);
  });
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, host, () => {
      socket.removeListener('error', reject);
      // After the bind a socket error (none expected for a receiver) must not crash the platform.
      socket.on('error', (error) => process.stderr.write(`lamina: X-Ray receiver: ${error.message}\n`));
      socket.unref();
      const bound = socket.address();
      resolve({
        address: bound.address,
        port: bound.port,
        counts,
        receive: (datagram) => {
          counts.received += 1;
          receive(datagram);
        },
        close: () => new Promise((done) => socket.close(() => done())),
      });
    });
  });
}
