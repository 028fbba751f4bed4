/**
 * The dashboard's list of functions and their versions and aliases, read from the registry's
 * listing API (docs/control-plane.md): the same answers ListFunctions, ListVersionsByFunction and
 * ListAliases give, so the page and the management API agree.
 */
import type { FunctionRegistry } from '../../registry/function-registry.js';
import type { FunctionView } from './dashboard-protocol.js';

/** What the dashboard reads of the registry; `platform.registry` is one. */
export type FunctionsSource = Pick<FunctionRegistry, 'names' | 'versions' | 'aliases' | 'onChange'>;

/**
 * Every function in creation order, with `$LATEST` first among its versions.
 *
 * @example listFunctions(platform.registry) // [{ name: 'hello', runtime: 'nodejs20.x', versions: ['$LATEST', '1'], aliases: [...] , ... }]
 */
export function listFunctions(source: FunctionsSource): FunctionView[] {
  return source.names.flatMap((name) => {
    const versions = source.versions(name);
    const latest = versions?.[0];
    if (versions === undefined || latest === undefined) return [];
    const config = latest.config;
    const aliases = (source.aliases(name) ?? []).map((alias) => ({ name: alias.name, version: alias.functionVersion }));
    const runtime = config.image === undefined ? config.runtime : `image ${config.image.uri}`;
    return [{ name, runtime, memorySize: config.memorySize, timeout: config.timeout, versions: versions.map((v) => v.version), aliases }];
  });
}
