/**
 * What the settings store keeps that must act again when `lamina serve` starts
 * (docs/control-plane.md, "Persistence"): provisioned concurrency configs, handed to the
 * platform's ProvisionedPort for the version each one runs now (its status turns READY once the
 * environments are initialised), and function URL configs, served again. Everything else in the
 * store (tags, policies, event invoke configs, layers) is read when it is used.
 */
import type { ControlContext } from './control-context.js';
import { serveStoredUrls } from './function-url-operations.js';
import { provisionedRecords, provisionedVersion, syncProvisioned } from './provisioned-store.js';

/**
 * Re-apply the stored provisioned concurrency configs; answers one line per version given environments.
 *
 * @example restoreProvisioned(control.context) // ['Stable:1: 2 provisioned environment(s)']
 */
export function restoreProvisioned(context: ControlContext): string[] {
  const lines: string[] = [];
  if (context.provisioned === undefined) return lines;
  for (const name of context.registry.names) {
    const entry = context.registry.entry(name);
    const records = provisionedRecords(context.settings, name);
    if (entry === undefined || records.length === 0) continue;
    // A config whose version or alias is gone (a template edit while stopped) has nothing to run.
    const versions = records.map((record) => provisionedVersion(entry, record.qualifier)).filter((version) => entry.versions.has(version));
    for (const [version, count] of syncProvisioned(context.settings, context.provisioned, name, entry, versions)) lines.push(`${name}:${version}: ${count} provisioned environment(s)`);
  }
  return lines;
}

/**
 * Provisioned concurrency and function URLs of the settings store, in effect again; the lines say what was restored.
 *
 * @example for (const line of await restoreSettings(control.context)) process.stdout.write(`${line}\n`);
 */
export async function restoreSettings(context: ControlContext): Promise<string[]> {
  return [...restoreProvisioned(context), ...(await serveStoredUrls(context))];
}
