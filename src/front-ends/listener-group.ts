/**
 * Start one listener per front-end item (an API, a function URL, an ALB listener, a distribution)
 * for `lamina serve` (docs/http-front-ends.md): ports from a base up in order (`0`: a free port
 * each; an item may name its own), a banner, and one `close` for all. A port that cannot be had
 * closes what was opened and says which item wanted it.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Listening<T> {
  readonly item: T;
  /** `http://host:port` (no trailing slash). */
  readonly url: string;
  readonly server: Server;
}

export interface ListenerGroup<T> {
  readonly served: readonly Listening<T>[];
  readonly banner: readonly string[];
  close(): Promise<void>;
}

export interface ListenerSpec {
  readonly server: Server;
  /** For the error when its port is taken: `function URL HelloUrl`. */
  readonly what: string;
  /** A port of its own (`--alb FN=PORT`); else the next one from the base. */
  readonly port?: number;
}

/** Listen, and resolve with the address (a free port when `port` is 0). */
export function listenOn(server: Server, host: string, port: number): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

/** Stop listening and drop open connections. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/**
 * @example
 * const group = await listenEach(apis, { host: '127.0.0.1', basePort: 3000 },
 *   (api) => ({ server: createApiServer({ api, ... }), what: api.id }),
 *   (api, url) => [`  ${api.id}: ${url}`]);
 */
export async function listenEach<T>(
  items: readonly T[],
  options: { readonly host: string; readonly basePort: number },
  make: (item: T) => ListenerSpec,
  describe: (item: T, url: string) => readonly string[],
): Promise<ListenerGroup<T>> {
  const served: Array<Listening<T>> = [];
  const banner: string[] = [];
  const close = async (): Promise<void> => {
    await Promise.all(served.map(({ server }) => closeServer(server)));
  };
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  let next = options.basePort;
  try {
    for (const item of items) {
      const spec = make(item);
      const wanted = spec.port ?? (options.basePort === 0 ? 0 : next++);
      let address: AddressInfo;
      try {
        address = await listenOn(spec.server, options.host, wanted);
      } catch (error) {
        throw new Error(`cannot listen for ${spec.what} on ${options.host}:${wanted}: ${(error as Error).message}`);
      }
      const url = `http://${host}:${address.port}`;
      served.push({ item, url, server: spec.server });
      banner.push(...describe(item, url));
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { served, banner, close };
}
