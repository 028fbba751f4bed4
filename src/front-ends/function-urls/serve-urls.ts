/**
 * Start a listener per function URL of the template for `lamina serve` (docs/http-front-ends.md):
 * ports from `--url-port` up (one per URL, in the template's order), or free ones with
 * `--url-port 0`. `AWS_IAM` URLs verify signatures against the keys `lamina serve` knows.
 */
import type { Server } from 'node:http';
import type { FunctionUrlDefinition } from '../../config/function-urls.js';
import { SignatureVerifier, type SigningCredentials } from '../../invoke/sigv4-verifier.js';
import type { InvokePort } from '../../platform/invoke-types.js';
import { listenEach } from '../listener-group.js';
import { createUrlServer } from './url-server.js';

export interface StartedUrls {
  readonly served: ReadonlyArray<{ readonly url: FunctionUrlDefinition; readonly address: string; readonly server: Server }>;
  /** Banner lines: each URL with its function, auth type and invoke mode. */
  readonly banner: readonly string[];
  close(): Promise<void>;
}

export interface StartUrlsOptions {
  readonly host: string;
  /** The first URL's port; the next URL gets the next port. 0: a free port each. */
  readonly basePort: number;
  readonly accountId: string;
  readonly region: string;
  /** The keys an `AWS_IAM` URL accepts (the host's and `--credentials-file`'s). */
  readonly keys: readonly SigningCredentials[];
}

/**
 * @example
 * const urls = await startUrls(loaded.urls, platform, { host: '127.0.0.1', basePort: 3100, accountId, region, keys });
 * for (const line of urls.banner) console.log(line);
 */
export async function startUrls(urls: readonly FunctionUrlDefinition[], port: InvokePort, options: StartUrlsOptions): Promise<StartedUrls> {
  const verifier = options.keys.length > 0 ? new SignatureVerifier(options.keys) : undefined;
  const group = await listenEach(
    urls,
    options,
    (url) => ({ server: createUrlServer({ url, port, accountId: options.accountId, region: options.region, verifier }), what: `function URL ${url.id}` }),
    (url, base) => {
      const target = url.qualifier === undefined ? url.functionName : `${url.functionName}:${url.qualifier}`;
      const auth = url.authType === 'AWS_IAM' && verifier === undefined ? 'AWS_IAM, no keys known: every request is refused' : url.authType;
      return [`  ${url.id} -> ${target} (${auth}, ${url.invokeMode}${url.cors === undefined ? '' : ', CORS'}): ${base}/`];
    },
  );
  return { served: group.served.map(({ item, url, server }) => ({ url: item, address: `${url}/`, server })), banner: group.banner, close: () => group.close() };
}
