/**
 * Start a local CloudFront per distribution of the template for `lamina serve`
 * (docs/http-front-ends.md, "Lambda@Edge"): ports from `--edge-port` up, or free ones with
 * `--edge-port 0`; `--edge-origin ID=URL` sends an origin's traffic somewhere local instead.
 */
import type { Server } from 'node:http';
import type { EdgeDistribution } from '../../config/edge-distributions.js';
import { ConfigError } from '../../errors.js';
import type { InvokePort } from '../../platform/invoke-types.js';
import { listenEach } from '../listener-group.js';
import type { OriginTarget } from './edge-calls.js';
import { createEdgeServer } from './edge-server.js';

export interface StartedEdges {
  readonly served: ReadonlyArray<{ readonly distribution: EdgeDistribution; readonly address: string; readonly server: Server }>;
  /** Banner lines: each distribution's URL, behaviors and associations. */
  readonly banner: readonly string[];
  close(): Promise<void>;
}

export interface StartEdgesOptions {
  readonly host: string;
  /** The first distribution's port; the next gets the next port. 0: a free port each. */
  readonly basePort: number;
  readonly originOverrides: ReadonlyMap<string, OriginTarget>;
}

/**
 * `--edge-origin` values, `ID=http://host:port` (or `https://`).
 *
 * @throws ConfigError on a value of another shape.
 * @example parseEdgeOrigins(['Web=http://127.0.0.1:8080']) // Map { 'Web' => { protocol: 'http', host: '127.0.0.1', port: 8080 } }
 */
export function parseEdgeOrigins(values: readonly string[]): Map<string, OriginTarget> {
  const out = new Map<string, OriginTarget>();
  for (const value of values) {
    const eq = value.indexOf('=');
    let url: URL | undefined;
    try {
      url = eq > 0 ? new URL(value.slice(eq + 1)) : undefined;
    } catch {
      url = undefined;
    }
    if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') {
      throw new ConfigError(`--edge-origin ${value}: expected ORIGIN_ID=http://host:port`);
    }
    const protocol = url.protocol === 'https:' ? 'https' : 'http';
    const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    out.set(value.slice(0, eq), { protocol, host, port: url.port === '' ? (protocol === 'https' ? 443 : 80) : Number(url.port) });
  }
  return out;
}

/**
 * @example
 * const edges = await startEdges(loaded.edges, platform, { host: '127.0.0.1', basePort: 3200, originOverrides: new Map() });
 */
export async function startEdges(distributions: readonly EdgeDistribution[], port: InvokePort, options: StartEdgesOptions): Promise<StartedEdges> {
  const group = await listenEach(
    distributions,
    options,
    (distribution) => ({ server: createEdgeServer({ distribution, port, originOverrides: options.originOverrides }), what: `distribution ${distribution.id}` }),
    (distribution, base) => [
      `  ${distribution.id} (CloudFront): ${base}`,
      ...distribution.behaviors.map((behavior) => {
        const origin = distribution.origins.find((o) => o.id === behavior.targetOriginId);
        const override = options.originOverrides.get(behavior.targetOriginId);
        const to = override === undefined ? `${origin?.protocol ?? 'http'}://${origin?.domainName ?? '?'}:${origin?.port ?? '?'}` : `${override.protocol}://${override.host}:${override.port}`;
        const functions = behavior.associations.map((a) => `${a.eventType} ${a.functionName}${a.qualifier === undefined ? '' : `:${a.qualifier}`}${a.includeBody ? ' (body)' : ''}`);
        return `    ${behavior.pathPattern ?? '*'} -> ${behavior.targetOriginId} (${to})${functions.length === 0 ? '' : `: ${functions.join(', ')}`}`;
      }),
    ],
  );
  return { served: group.served.map(({ item, url, server }) => ({ distribution: item, address: url, server })), banner: group.banner, close: () => group.close() };
}
