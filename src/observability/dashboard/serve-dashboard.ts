/**
 * The live dashboard in `lamina serve` (docs/dashboard.md): a model registered as a platform
 * observer, the page's routes for the front door, and the WebSocket on the same server, so it
 * binds wherever the Invoke API binds.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Observers } from '../platform-observer.js';
import { DashboardModel } from './dashboard-model.js';
import { DASHBOARD_PATH, loadPage, serveDashboardRequest } from './dashboard-http.js';
import type { FunctionsSource } from './function-list.js';
import { LiveChannel, type LiveOptions } from './live-channel.js';
import { isLoopbackName } from './same-origin.js';
import type { TraceSource } from './trace-source.js';

export interface DashboardSettings {
  /** `--no-dashboard`. */
  readonly disabled: boolean;
  /** The address the Invoke API binds (`--host`). */
  readonly host: string;
  /** Whether the Invoke API verifies SigV4 signatures. */
  readonly signaturesVerified: boolean;
  /** Where traces come from (the X-Ray receiver's store, docs/xray.md), when there is one. */
  readonly traces?: TraceSource;
  readonly live?: Omit<LiveOptions, 'boundHost'>;
}

export interface Dashboard {
  /** For the front door's `dashboard` option; undefined when the dashboard is off. */
  readonly route: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  /** Take the WebSocket upgrades of the front door's server. */
  attach(server: Server): void;
  /** The banner's line, given the Invoke API's base URL. */
  banner(base: string): string;
  stop(): void;
  readonly live: LiveChannel | undefined;
}

function off(reason: string): Dashboard {
  return { route: undefined, live: undefined, attach: () => undefined, banner: () => `Dashboard: off (${reason})`, stop: () => undefined };
}

/**
 * Off with `--no-dashboard`, and on a non-loopback address whose Invoke API verifies signatures:
 * a browser cannot sign, so the page would show function logs to anyone the signatures keep out.
 *
 * @example
 * const dashboard = startDashboard(platform, { disabled: false, host: '127.0.0.1', signaturesVerified: false });
 * const server = createFrontDoor(platform, { dashboard: dashboard.route });
 * dashboard.attach(server);
 */
export function startDashboard(platform: { readonly observers: Observers; readonly registry: FunctionsSource }, settings: DashboardSettings): Dashboard {
  if (settings.disabled) return off('--no-dashboard');
  if (settings.signaturesVerified && !isLoopbackName(settings.host)) return off(`--host ${settings.host} with signature verification: a browser cannot sign`);
  const assets = loadPage();
  const model = new DashboardModel({ functions: platform.registry, ...(settings.traces === undefined ? {} : { traces: settings.traces }) });
  const removeObserver = platform.observers.add(model);
  const live = new LiveChannel(model, { ...settings.live, boundHost: settings.host });
  return {
    route: (req, res) => serveDashboardRequest(assets, req, res),
    live,
    attach: (server) => live.attach(server),
    banner: (base) => `Dashboard: ${base}${DASHBOARD_PATH} (--no-dashboard turns it off)`,
    stop: () => {
      removeObserver();
      live.close();
      model.close();
    },
  };
}
