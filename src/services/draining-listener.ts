/**
 * The HTTP listener every embedded service (SQS, S3, EventBridge) runs on: requests are tracked
 * while their handler runs, and closing stops new connections, lets the requests under way finish
 * (their work, e.g. a hand-over to the durable queue, must not be cut), then drops what is left.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface DrainingListener {
  /** `host:port`, the host bracketed when it is IPv6. */
  readonly hostPort: string;
  /**
   * Close once (later calls get the same promise): `beforeDrain` runs after the listener stopped
   * accepting and before the wait for requests under way (to end long polls, say).
   */
  close(beforeDrain?: () => void): Promise<void>;
}

/**
 * Listen on `host:port` (0: any free port) with `handle` for every request.
 *
 * @throws the listen error (a taken port, say); nothing is left open.
 * @example
 * const listener = await listenDraining((req, res) => handle(service, req, res), '127.0.0.1', 0);
 * // ... at shutdown:
 * await listener.close();
 */
export async function listenDraining(handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>, host: string, port: number): Promise<DrainingListener> {
  const active = new Set<Promise<void>>();
  const server = createServer((req, res) => {
    const work = handle(req, res).finally(() => active.delete(work));
    active.add(work);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    hostPort: `${host.includes(':') ? `[${host}]` : host}:${bound}`,
    close: (beforeDrain) => {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        beforeDrain?.();
        server.closeIdleConnections();
        await Promise.allSettled([...active]);
        server.closeAllConnections();
        await closed;
      })();
      return closing;
    },
  };
}
