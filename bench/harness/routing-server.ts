/**
 * The routing scenario's server (bench/scenarios/routing.ts): the platform and the Invoke API
 * front door in a process of their own, with the template's first function published twice and
 * two aliases on it: `plain` (version 1) and `weighted` (version 1, half the invokes routed to
 * version 2). The versions and aliases are made through the registry, as the management API's
 * PublishVersion and CreateAlias do; then it prints `routing bench on <url>` and serves until SIGTERM.
 *
 *   node dist/bench/harness/routing-server.js <template.yaml>
 */
import { loadTemplate } from '../../src/config/sam-template.js';
import { DEFAULT_ACCOUNT_ID, DEFAULT_REGION } from '../../src/config/function-config.js';
import { createFrontDoor, listen } from '../../src/invoke/front-door-server.js';
import { Platform } from '../../src/platform/platform.js';
import { createAlias } from '../../src/registry/alias-changes.js';
import { publishVersion, updateLatest } from '../../src/registry/latest-changes.js';
import type { RegistryResult } from '../../src/registry/registry-types.js';

/** The aliases the scenario invokes (bench/scenarios/routing.ts names them too), and the routed share. */
const ROUTING_ALIASES = { plain: 'plain', weighted: 'weighted', weight: 0.5 } as const;

function must<T>(result: RegistryResult<T>): T {
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.value;
}

async function main(): Promise<void> {
  const template = process.argv[2];
  if (template === undefined) throw new Error('usage: routing-server <template.yaml>');
  const { functions } = loadTemplate(template, { region: DEFAULT_REGION, accountId: DEFAULT_ACCOUNT_ID });
  const fn = functions[0];
  if (fn === undefined) throw new Error(`no function in ${template}`);
  const platform = new Platform({ functions: [fn], shutdownGraceMs: 0 });
  const registry = platform.registry;
  must(await publishVersion(registry, fn.name));
  // A configuration change, so that version 2 is a version of its own (same code).
  must(await updateLatest(registry, fn.name, { config: { environment: { ...fn.environment, ROUTING_BENCH_VERSION: '2' } } }));
  must(await publishVersion(registry, fn.name));
  must(await createAlias(registry, fn.name, ROUTING_ALIASES.plain, { functionVersion: '1' }));
  must(await createAlias(registry, fn.name, ROUTING_ALIASES.weighted, { functionVersion: '1', routing: { version: '2', weight: ROUTING_ALIASES.weight } }));
  const server = createFrontDoor(platform);
  const address = await listen(server, '127.0.0.1', 0);
  process.stdout.write(`routing bench on http://127.0.0.1:${address.port}\n`);
  process.once('SIGTERM', () => {
    server.close();
    server.closeAllConnections();
    void platform.stop().then(() => process.exit(0));
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
