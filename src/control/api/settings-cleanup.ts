/**
 * What goes with a function, version or alias when it is deleted (docs/management-api.md): its
 * tags, resource policies, event invoke configs, provisioned concurrency configs and function URL
 * configs, as on Lambda, so a function created again under the same name starts clean. Driven by
 * the registry's change announcements, whoever made the change (the API, a deployment, a restart).
 */
import type { RegistryChange } from '../../registry/registry-types.js';
import type { SettingsKind } from '../settings-store.js';
import type { ControlContext } from './control-context.js';
import { syncProvisioned } from './provisioned-store.js';

/** The kinds keyed `FUNCTION:QUALIFIER` (`FUNCTION:` for the unqualified function or `$LATEST` URL). */
const QUALIFIED_KINDS: readonly SettingsKind[] = ['policy', 'event-invoke-config', 'provisioned-concurrency', 'function-url'];

async function forget(context: ControlContext, functionName: string, qualifier: string | undefined): Promise<void> {
  for (const kind of QUALIFIED_KINDS) {
    for (const [key] of context.settings.list(kind)) {
      const matches = qualifier === undefined ? key.startsWith(`${functionName}:`) : key === `${functionName}:${qualifier}`;
      if (!matches) continue;
      // A URL host still serving that URL stops serving it.
      if (kind === 'function-url') await context.urls?.close(functionName, key.slice(functionName.length + 1) || undefined);
      await context.settings.delete(kind, key);
    }
  }
  if (qualifier === undefined) await context.settings.delete('tags', context.registry.arnOf(functionName));
  // A deleted alias's provisioned environments are no longer wanted on the version it named.
  const entry = context.registry.entry(functionName);
  if (entry !== undefined) syncProvisioned(context.settings, context.provisioned, functionName, entry, [...entry.versions.keys()]);
}

/**
 * @returns what to do for one registry change (nothing for most)
 * @example registry.onChange((change) => void cleanupAfter(context, change, log));
 */
export function cleanupAfter(context: ControlContext, change: RegistryChange, log: (line: string) => void = () => undefined): Promise<void> {
  const run = (qualifier: string | undefined): Promise<void> =>
    forget(context, change.functionName, qualifier).catch((error: unknown) => log(`settings of ${change.functionName} were not all removed: ${(error as Error).message}`));
  if (change.kind === 'function-deleted') return run(undefined);
  if (change.kind === 'version-deleted') return run(change.version);
  if (change.kind === 'alias-deleted') return run(change.alias);
  return Promise.resolve();
}
