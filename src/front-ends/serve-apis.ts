/**
 * Start a listener per HTTP API of the template for `lamina serve` (docs/http-front-ends.md):
 * ports from `--api-port` up (one per API, in the template's order, implicit APIs first), or free
 * ones with `--api-port 0`.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ApiDefinition } from '../config/api-events.js';
import type { InvokePort } from '../platform/invoke-types.js';
import { createApiServer, describeRoutes } from './api-server.js';

export interface ServedApi {
  readonly api: ApiDefinition;
  readonly url: string;
  readonly server: Server;
}

export interface StartedApis {
  readonly served: readonly ServedApi[];
  /** Banner lines: each API's URL and routes. */
  readonly banner: readonly string[];
  close(): Promise<void>;
}

export interface StartApisOptions {
  readonly host: string;
  /** The first API's port; the next API gets the next port. 0: a free port each. */
  readonly basePort: number;
  readonly accountId: string;
  readonly region: string;
}

export function listenOn(server: Server, host: string, port: number): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

/**
 * @example
 * const apis = await startApis(loaded.apis, platform, { host: '127.0.0.1', basePort: 3000, accountId, region });
 * for (const line of apis.banner) console.log(line);
 */
export async function startApis(apis: readonly ApiDefinition[], port: InvokePort, options: StartApisOptions): Promise<StartedApis> {
  const served: ServedApi[] = [];
  const banner: string[] = [];
  const close = async (): Promise<void> => {
    await Promise.all(
      served.map(
        ({ server }) =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeAllConnections();
          }),
      ),
    );
  };
  let next = options.basePort;
  try {
    for (const api of apis) {
      const server = createApiServer({ api, port, accountId: options.accountId, region: options.region });
      const wanted = options.basePort === 0 ? 0 : next++;
      let address: AddressInfo;
      try {
        address = await listenOn(server, options.host, wanted);
      } catch (error) {
        throw new Error(`cannot listen for ${api.id} on ${options.host}:${wanted}: ${(error as Error).message}`);
      }
      const host = options.host.includes(':') ? `[${options.host}]` : options.host;
      const url = `http://${host}:${address.port}`;
      served.push({ api, url, server });
      banner.push(`  ${api.id} (${api.kind === 'http' ? 'HTTP API' : 'REST API'}, stage ${api.stageName}): ${url}`, ...describeRoutes(api).map((line) => `    ${line}`));
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { served, banner, close };
}
