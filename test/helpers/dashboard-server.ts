/**
 * The dashboard on a real front door and platform in the test's own process (what `lamina serve`
 * wires, without the rest of serve), stopped after the test.
 */
import { createFrontDoor, listen } from '../../src/invoke/front-door-server.js';
import { startDashboard, type Dashboard } from '../../src/observability/dashboard/serve-dashboard.js';
import type { TraceSource } from '../../src/observability/dashboard/trace-source.js';
import { Platform } from '../../src/platform/platform.js';
import type { FunctionConfig } from '../../src/config/function-config.js';

export interface DashboardServer {
  /** `http://127.0.0.1:<port>`: the Invoke API; the page is at `${base}/_lamina/`. */
  readonly base: string;
  readonly dashboard: Dashboard;
  readonly platform: Platform;
  stop(): Promise<void>;
}

/**
 * @example
 * const served = await dashboardServer([bootstrapFunction('echo')]);
 * await fetch(`${served.base}/_lamina/`);
 * await served.stop();
 */
export async function dashboardServer(functions: FunctionConfig[], options: { readonly traces?: TraceSource; readonly signingKey?: boolean } = {}): Promise<DashboardServer> {
  const platform = new Platform({ functions, shutdownGraceMs: 200 });
  const dashboard = startDashboard(platform, { disabled: false, host: '127.0.0.1', signaturesVerified: options.signingKey === true, ...(options.traces === undefined ? {} : { traces: options.traces }) });
  const verify = options.signingKey === true ? { verifySignatures: { credentials: [{ accessKeyId: 'AKID', secretAccessKey: 'secret', sessionToken: undefined }] } } : {};
  const server = createFrontDoor(platform, { dashboard: dashboard.route, ...verify });
  dashboard.attach(server);
  const address = await listen(server, '127.0.0.1', 0);
  return {
    base: `http://127.0.0.1:${address.port}`,
    dashboard,
    platform,
    stop: async () => {
      dashboard.stop();
      server.closeAllConnections();
      server.close();
      await platform.stop();
    },
  };
}
