/**
 * A container's private network (docs/isolation.md): the native launcher in `--hold-network` mode
 * makes a network namespace, brings up its loopback, binds 127.0.0.1:9001 there and hands the
 * listening socket to the platform, adds the link to the host unless the function is in a VPC,
 * and then holds the namespace (`/proc/PID/ns/net`) until it is released, so that runc or podman
 * can start the container in it. The container's Runtime API is then that listener, out of every
 * other container's and process environment's reach, as a process environment's is.
 *
 * The holder ends when the platform releases it (the container is gone), when its stdin reaches
 * EOF or when its parent dies (PR_SET_PDEATHSIG): a platform killed outright leaks no holder. The
 * namespace itself lives as long as anything is in it or refers to it (the container's processes,
 * the platform's listening socket); its link to the host goes with it.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Server } from 'node:net';
import { SANDBOX_LAUNCHER } from '../platform/paths.js';
import { splitOutputLines, type LineSink } from '../sandbox/output-lines.js';
import { receiveListener } from '../sandbox/process-sandbox.js';

/** The fd of Node's IPC channel in the holder (stdio index 3). */
const CHANNEL_FD = 3;

export interface NetworkHolder {
  /** The holder's pid on the host. */
  readonly pid: number;
  /** The namespace for the container (`/proc/PID/ns/net`); it exists once {@link listener} has settled with a server. */
  readonly namespace: string;
  /** The Runtime API's listening socket, or undefined when the holder failed (its stderr went to the log). */
  readonly listener: Promise<Server | undefined>;
  /** The holder's exit code (125 on a launcher failure), or null when it was killed. */
  readonly exited: Promise<number | null>;
  /** The container is gone (or never started): let the namespace go. */
  release(): void;
}

/**
 * Can containers get a private network here (root and the native launcher)?
 * @example privateNetworkAvailable(); // true as root after `npm run build`
 */
export function privateNetworkAvailable(launcher = SANDBOX_LAUNCHER): boolean {
  return process.getuid?.() === 0 && existsSync(launcher);
}

/**
 * Start a holder; `link` is `nextLink()`'s DEV:HOST:GUEST, or undefined for loopback only (VpcConfig).
 * @example
 * const holder = holdNetwork(nextLink(), (line) => log(line));
 * const server = await holder.listener; // then: runc with { type: 'network', path: holder.namespace }
 */
export function holdNetwork(link: string | undefined, onLine: LineSink, launcher = SANDBOX_LAUNCHER): NetworkHolder {
  const args = ['--hold-network', '--api-fd', String(CHANNEL_FD), ...(link === undefined ? [] : ['--link', link])];
  // Its own process group: a Ctrl-C at the platform does not reach it before the container stops.
  const child = spawn(launcher, args, { stdio: ['pipe', 'ignore', 'pipe', 'ipc'], detached: true, env: {} });
  child.stdin?.on('error', () => undefined);
  if (child.stderr !== null) splitOutputLines(child.stderr, onLine);
  const exited = new Promise<number | null>((resolve) => {
    child.once('error', (error: NodeJS.ErrnoException) => {
      onLine(`Error: spawn ${launcher}: ${error.code ?? error.message}`);
      resolve(125);
    });
    child.once('close', (code) => resolve(code));
  });
  const pid = child.pid ?? -1;
  return {
    pid,
    namespace: `/proc/${pid}/ns/net`,
    listener: receiveListener(child),
    exited,
    release: () => {
      child.stdin?.end();
      child.kill('SIGKILL');
    },
  };
}
