/**
 * Listening sockets on an isolated environment's own loopback, owned by the platform
 * (docs/isolation.md, "Reaching the host's services"). The launcher binary, entered into the
 * environment's network namespace with `nsenter -n` (that namespace only), binds 127.0.0.1:PORT
 * there for each port, hands each socket over Node's IPC channel and exits: no process stays in
 * the environment, and the platform accepts the connections in its own event loop.
 */
import { spawn } from 'node:child_process';
import type { Server } from 'node:net';
import { nsenter } from '../observability/namespace-relay.js';
import { SANDBOX_LAUNCHER } from '../platform/paths.js';

function isServer(handle: unknown): handle is Server {
  return typeof handle === 'object' && handle !== null && typeof (handle as Server).listen === 'function' && typeof (handle as Server).close === 'function';
}

export interface NamespaceListeners {
  /** Port -> the server listening on it inside the namespace. */
  readonly servers: ReadonlyMap<number, Server>;
  /** Why ports are missing (taken inside the namespace by the function, no nsenter), if any are. */
  readonly problem: string | undefined;
}

/**
 * @example
 * const { servers } = await openNamespaceListeners(sandbox.rootPid, [9324]);
 * servers.get(9324)?.on('connection', (socket) => socket.pipe(net.connect(9324)).pipe(socket));
 */
export function openNamespaceListeners(pid: number, ports: readonly number[], launcher: string = SANDBOX_LAUNCHER): Promise<NamespaceListeners> {
  const servers = new Map<number, Server>();
  const enter = nsenter();
  if (enter === undefined || ports.length === 0) return Promise.resolve({ servers, problem: enter === undefined ? 'nsenter is missing' : undefined });
  return new Promise((resolve) => {
    const child = spawn(enter, ['-t', String(pid), '-n', '--', launcher, '--listen-loopback', '3', ...ports.map(String)], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-1000)));
    child.on('message', (message: unknown, handle: unknown) => {
      const port = (message as { lamina?: unknown; port?: unknown } | null)?.port;
      if ((message as { lamina?: unknown } | null)?.lamina === 'loopback' && typeof port === 'number' && isServer(handle)) servers.set(port, handle);
    });
    // The channel's end after the launcher's: every handle it sent has been delivered by then.
    let exited: number | null | undefined;
    let disconnected = false;
    const settle = (): void => {
      if (exited === undefined || !disconnected) return;
      const missing = ports.filter((port) => !servers.has(port));
      resolve({ servers, problem: missing.length === 0 ? undefined : `ports ${missing.join(', ')}: ${stderr.trim() || `the listener maker exited ${exited}`}` });
    };
    child.on('error', (error) => {
      if (exited === undefined) exited = null;
      disconnected = true;
      stderr ||= error.message;
      settle();
    });
    child.on('exit', (code) => {
      exited = code;
      settle();
    });
    child.on('disconnect', () => {
      disconnected = true;
      settle();
    });
  });
}
