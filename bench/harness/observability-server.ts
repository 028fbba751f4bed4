/**
 * The observability scenario's server (bench/scenarios/observability.ts): the platform and the
 * Invoke API front door in a process of their own, whose observers are switched on and off
 * between rounds (`POST <control>/on`, `POST <control>/off`), so both sides run on the same warm
 * environment in the same process and differ only in who listens:
 *
 * - off: no observer (the platform's emissions are loops over empty lists);
 * - on: what `lamina serve` runs by default: `/metrics` (every phase record, state and throttle;
 *   EMF checks of every log line), the log store of `lamina logs` (every line appended to its
 *   stream's file in batches) and the dashboard's model (aggregated, no browser connected).
 *
 *   node dist/bench/harness/observability-server.js <template.yaml>
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTemplate } from '../../src/config/sam-template.js';
import { DEFAULT_ACCOUNT_ID, DEFAULT_REGION } from '../../src/config/function-config.js';
import { createFrontDoor, listen } from '../../src/invoke/front-door-server.js';
import { startMetrics } from '../../src/observability/metrics/serve-metrics.js';
import { Platform } from '../../src/platform/platform.js';
import { startLogStore } from '../../src/cli/log-store-start.js';
import { DashboardModel } from '../../src/observability/dashboard/dashboard-model.js';

async function main(): Promise<void> {
  const template = process.argv[2];
  if (template === undefined) throw new Error('usage: observability-server <template.yaml>');
  const { functions } = loadTemplate(template, { region: DEFAULT_REGION, accountId: DEFAULT_ACCOUNT_ID });
  const platform = new Platform({ functions, shutdownGraceMs: 0 });
  const metrics = startMetrics();
  const logs = mkdtempSync(join(tmpdir(), 'lamina-bench-logs-'));
  const server = createFrontDoor(platform, { metrics: (req, res) => metrics.serve(req, res) });
  const address = await listen(server, '127.0.0.1', 0);
  let stops: Array<() => void> = [];
  const logStore = await startLogStore(logs, '100MB');
  const control = createServer((req, res) => {
    for (const stop of stops) stop();
    stops = [];
    if (req.url === '/on') {
      const model = new DashboardModel({ functions: platform.registry });
      const removeModel = platform.observers.add(model);
      stops = [metrics.attach(platform), logStore.attach(platform.observers), removeModel, () => model.close()];
    }
    res.end(req.url === '/on' ? 'on' : 'off');
  });
  const controlAddress = await listen(control, '127.0.0.1', 0);
  process.stdout.write(`control http://127.0.0.1:${controlAddress.port}\n`);
  process.stdout.write(`observability bench on http://127.0.0.1:${address.port}\n`);
  process.once('SIGTERM', () => {
    control.close();
    server.close();
    server.closeAllConnections();
    void platform.stop().then(async () => {
      await logStore.store?.close();
      rmSync(logs, { recursive: true, force: true });
      process.exit(0);
    });
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
