/**
 * Start a listener per HTTP API of the template for `lamina serve` (docs/http-front-ends.md):
 * ports from `--api-port` up (one per API, in the template's order, implicit APIs first), or free
 * ones with `--api-port 0`.
 */
import type { Server } from 'node:http';
import type { ApiDefinition } from '../config/api-events.js';
import type { InvokePort } from '../platform/invoke-types.js';
import { createApiServer, describeRoutes } from './api-server.js';
import { listenEach } from './listener-group.js';

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


/**
 * @example
 * const apis = await startApis(loaded.apis, platform, { host: '127.0.0.1', basePort: 3000, accountId, region });
 * for (const line of apis.banner) console.log(line);
 */
export async function startApis(apis: readonly ApiDefinition[], port: InvokePort, options: StartApisOptions): Promise<StartedApis> {
  const group = await listenEach(
    apis,
    options,
    (api) => ({ server: createApiServer({ api, port, accountId: options.accountId, region: options.region }), what: api.id }),
    (api, url) => [`  ${api.id} (${api.kind === 'http' ? 'HTTP API' : 'REST API'}, stage ${api.stageName}): ${url}`, ...describeRoutes(api).map((line) => `    ${line}`)],
  );
  return { served: group.served.map(({ item, url, server }) => ({ api: item, url, server })), banner: group.banner, close: () => group.close() };
}
