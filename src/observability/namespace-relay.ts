/**
 * A way into an isolated environment's loopback for telemetry delivery (docs/telemetry.md). An
 * isolated environment has a network namespace of its own, so `sandbox.localdomain:PORT` is not
 * reachable from the platform. A small relay is started inside that namespace (`nsenter -n`, the
 * network namespace only: it still sees the platform's filesystem); it listens on a Unix socket in
 * a private directory and forwards each connection to 127.0.0.1:PORT in the namespace.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Endpoint, Reach } from './telemetry-delivery.js';

/** The relay itself: forwards each connection; exits when the platform closes its stdin. */
const RELAY_SOURCE = `
const net = require('node:net');
const [path, port] = process.argv.slice(1);
const server = net.createServer((client) => {
  const upstream = net.connect(Number(port), '127.0.0.1');
  client.pipe(upstream).pipe(client);
  upstream.on('error', () => client.destroy());
  client.on('error', () => upstream.destroy());
});
server.listen(path, () => process.stdout.write('ready\\n'));
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
`;

/** util-linux's nsenter where distributions put it (looked up once; no PATH: it is the platform's own tool). */
let nsenterPath: string | undefined | null = null;
export function nsenter(): string | undefined {
  if (nsenterPath === null) nsenterPath = ['/usr/bin/nsenter', '/bin/nsenter', '/usr/sbin/nsenter', '/sbin/nsenter'].find((path) => existsSync(path));
  return nsenterPath;
}

export interface NamespaceRelay {
  /** Connect here (HTTP `socketPath`, `net.connect({ path })`) to reach the environment's port. */
  readonly socketPath: string;
  close(): void;
}

/**
 * @example
 * const relay = await openNamespaceRelay(sandbox.rootPid, 8080);
 * http.request({ socketPath: relay.socketPath, path: '/', method: 'POST' });
 * relay.close();
 */
export function openNamespaceRelay(pid: number, port: number): Promise<NamespaceRelay> {
  const dir = mkdtempSync(join(tmpdir(), 'lamina-telemetry-'));
  const socketPath = join(dir, 'relay.sock');
  const child: ChildProcess = spawn(nsenter() ?? 'nsenter', ['-t', String(pid), '-n', '--', process.execPath, '-e', RELAY_SOURCE, socketPath, String(port)], {
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  const close = (): void => {
    child.stdin?.end();
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  return new Promise((resolve, reject) => {
    const fail = (why: string): void => {
      close();
      reject(new Error(`telemetry relay into pid ${pid}'s network: ${why}`));
    };
    child.once('error', (error) => fail(error.message));
    child.once('exit', (code) => fail(`exited with ${String(code)}`));
    child.stdout?.once('data', () => {
      child.removeAllListeners('exit');
      child.on('exit', () => rmSync(dir, { recursive: true, force: true }));
      resolve({ socketPath, close });
    });
  });
}

/**
 * Reach an isolated environment through relays into its network namespace, one per port, made
 * on first use and closed with the environment.
 *
 * @example
 * const hub = new TelemetryHub(namespaceReach(() => sandbox.rootPid));
 */
export function namespaceReach(pid: () => number | undefined): Reach {
  const relays = new Map<number, Promise<NamespaceRelay>>();
  let closed = false;
  return {
    // Without nsenter or a process to enter, subscribing answers 501 instead of delivering nothing.
    reachable: () => pid() !== undefined && nsenter() !== undefined,
    async endpoint(port: number): Promise<Endpoint> {
      const root = pid();
      if (closed || root === undefined) throw new Error('the environment is gone');
      let relay = relays.get(port);
      if (relay === undefined) {
        relay = openNamespaceRelay(root, port);
        relays.set(port, relay);
        relay.catch(() => relays.delete(port));
      }
      return { path: (await relay).socketPath };
    },
    close(): void {
      closed = true;
      for (const relay of relays.values()) relay.then((made) => made.close()).catch(() => undefined);
      relays.clear();
    },
  };
}
