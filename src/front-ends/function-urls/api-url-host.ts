/**
 * Function URLs created through the management API (docs/management-api.md, "Function URLs"),
 * served like a template's (src/front-ends/function-urls/url-server.ts), each on its own port
 * chosen when it is created. An update serves the new settings on the same port; at a restart a
 * URL is served again on the port it had when that port is free (docs/management-api.md).
 */
import type { Server } from 'node:http';
import type { UrlHost } from '../../control/api/control-context.js';
import type { FunctionUrlDefinition } from '../../config/function-urls.js';
import { SignatureVerifier, type SigningCredentials } from '../../invoke/sigv4-verifier.js';
import type { InvokePort } from '../../platform/invoke-types.js';
import { closeServer, listenOn } from '../listener-group.js';
import { createUrlServer } from './url-server.js';

export interface ApiUrlHostOptions {
  readonly host: string;
  readonly accountId: string;
  readonly region: string;
  readonly keys: readonly SigningCredentials[];
}

/**
 * @example
 * const urls = new ApiUrlHost(platform, { host: '127.0.0.1', accountId, region, keys });
 * new ControlPlane({ ..., urls });
 */
export class ApiUrlHost implements UrlHost {
  readonly #port: InvokePort;
  readonly #options: ApiUrlHostOptions;
  readonly #verifier: SignatureVerifier | undefined;
  readonly #served = new Map<string, { server: Server; port: number }>();

  constructor(port: InvokePort, options: ApiUrlHostOptions) {
    this.#port = port;
    this.#options = options;
    this.#verifier = options.keys.length > 0 ? new SignatureVerifier(options.keys) : undefined;
  }

  async open(url: FunctionUrlDefinition, preferredPort?: number): Promise<string> {
    const key = `${url.functionName}:${url.qualifier ?? ''}`;
    const before = this.#served.get(key);
    if (before !== undefined) {
      this.#served.delete(key);
      await closeServer(before.server);
    }
    const make = (): Server => createUrlServer({ url, port: this.#port, accountId: this.#options.accountId, region: this.#options.region, verifier: this.#verifier });
    const wanted = before?.port ?? preferredPort ?? 0;
    let server = make();
    let address;
    try {
      address = await listenOn(server, this.#options.host, wanted);
    } catch (error) {
      // The port of an earlier run is taken now: a new one, which the caller records as the URL.
      if (wanted === 0 || before !== undefined) throw error;
      server = make();
      address = await listenOn(server, this.#options.host, 0);
    }
    this.#served.set(key, { server, port: address.port });
    const host = this.#options.host.includes(':') ? `[${this.#options.host}]` : this.#options.host;
    return `http://${host}:${address.port}/`;
  }

  async close(functionName: string, qualifier: string | undefined): Promise<void> {
    const key = `${functionName}:${qualifier ?? ''}`;
    const served = this.#served.get(key);
    this.#served.delete(key);
    if (served !== undefined) await closeServer(served.server);
  }

  /** Stop every URL (at shutdown). */
  async closeAll(): Promise<void> {
    const all = [...this.#served.values()];
    this.#served.clear();
    await Promise.all(all.map(({ server }) => closeServer(server)));
  }
}
