/**
 * Hot reload's changes, made through the registry exactly as the management API makes them
 * (docs/hot-reload.md): new code or a new definition is an `updateLatest` (UpdateFunctionCode /
 * UpdateFunctionConfiguration), a new function a `createFunction`, a removed one a
 * `deleteFunction`. The registry's change events then retire the replaced `$LATEST`'s
 * environments after their invocations (src/platform/pool-drain.ts); published versions keep
 * their own copies of the code and are never touched.
 */
import type { FunctionConfig } from '../config/function-config.js';
import type { FunctionRegistry } from '../registry/function-registry.js';
import { createFunction, deleteFunction, updateLatest } from '../registry/latest-changes.js';
import { type CodeIdentity, LATEST, type RegistryResult } from '../registry/registry-types.js';
import { templateDigest } from '../registry/saved-state.js';
import type { TemplatePlan } from './template-diff.js';

/** What hot reload needs to know of the code: a template function's `CodeSha256` now (src/control/snapshots/code-snapshots.ts). */
export interface CodeReader {
  identity(config: FunctionConfig): CodeIdentity;
}

/** The control store's record of which functions the template gave, so a restart treats them as template functions. */
export interface TemplateMarks {
  markTemplate(name: string, digest: string): void;
}

export interface ApplyContext {
  readonly registry: FunctionRegistry;
  readonly code: CodeReader;
  readonly marks: TemplateMarks | undefined;
  /** One line per change made or refused. */
  readonly log: (line: string) => void;
}

/** The first characters of a digest, enough to tell two versions of a file apart in a log line. */
function short(sha256: string): string {
  return sha256.slice(0, 12);
}

function report<T>(context: ApplyContext, name: string, done: string, result: RegistryResult<T>): boolean {
  context.log(result.ok ? `${name}: ${done}` : `${name}: not reloaded: ${result.error.message}`);
  return result.ok;
}

/**
 * `$LATEST` of a template function takes the code now in its directory, when its digest differs.
 * `template` is the definition the template gave (for the store's mark).
 *
 * @returns whether `$LATEST` changed.
 * @example await reloadCode(context, template); // "Fn: code changed (CodeSha256 q1w2e3r4t5y6), ..."
 */
export async function reloadCode(context: ApplyContext, template: FunctionConfig): Promise<boolean> {
  const latest = context.registry.version(template.name, LATEST);
  if (latest === undefined) return false;
  const identity = context.code.identity(latest.config);
  if (identity.sha256 === latest.code.sha256) return false;
  const result = await updateLatest(context.registry, template.name, { code: { identity, codeDir: latest.config.codeDir } });
  if (result.ok) context.marks?.markTemplate(template.name, templateDigest(template, identity));
  return report(context, template.name, `code changed (CodeSha256 ${short(identity.sha256)}), the next invoke runs it`, result);
}

/**
 * A layer of the function changed: its `$LATEST` gets a new revision, so environments that
 * loaded the old layer retire (the configuration and the code digest stay).
 *
 * @example await reloadLayer(context, 'Fn', '/project/layers/shared');
 */
export async function reloadLayer(context: ApplyContext, name: string, layerDir: string): Promise<boolean> {
  const result = await updateLatest(context.registry, name, { config: {} });
  return report(context, name, `layer ${layerDir} changed, the next invoke runs it`, result);
}

/**
 * Create, update and delete functions as an edited template says.
 *
 * @returns the names of functions created or updated (their code is already current).
 * @example await applyTemplatePlan(context, planTemplateChange(before, after, new Set(registry.names)));
 */
export async function applyTemplatePlan(context: ApplyContext, plan: TemplatePlan): Promise<Set<string>> {
  const done = new Set<string>();
  for (const fn of plan.create) {
    const identity = context.code.identity(fn);
    const created = await createFunction(context.registry, fn, identity);
    if (created.ok) context.marks?.markTemplate(fn.name, templateDigest(fn, identity));
    if (report(context, fn.name, `added from the template (CodeSha256 ${short(identity.sha256)})`, created)) done.add(fn.name);
  }
  for (const fn of plan.update) {
    const identity = context.code.identity(fn);
    const updated = await updateLatest(context.registry, fn.name, { definition: fn, code: { identity, codeDir: fn.codeDir } });
    if (updated.ok) context.marks?.markTemplate(fn.name, templateDigest(fn, identity));
    if (report(context, fn.name, `definition changed in the template, $LATEST updated (versions and aliases kept)`, updated)) done.add(fn.name);
  }
  for (const name of plan.remove) {
    report(context, name, 'removed from the template, deleted', await deleteFunction(context.registry, name));
  }
  for (const name of plan.claimed) {
    context.log(`${name}: the template now defines a function of this name, which was created through the API: left as it is until lamina serve restarts`);
  }
  for (const [name, settings] of plan.restart) {
    context.log(`${name}: ${settings.join(', ')} changed: restart lamina serve to apply (docs/hot-reload.md)`);
  }
  return done;
}
