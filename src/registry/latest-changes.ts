/**
 * The changes of a function's code, configuration and versions (CreateFunction,
 * UpdateFunctionCode, UpdateFunctionConfiguration, PublishVersion, DeleteFunction), each one turn
 * of the registry with Lambda's checks and refusals (docs/control-plane.md).
 */
import type { FunctionConfig } from '../config/function-config.js';
import { configPatchError, functionNameError } from './config-rules.js';
import { type ConfigPatch, aliasesOf, newEntry, unchangedVersion, withLatest, withoutVersion, withPublished } from './function-entry.js';
import type { FunctionRegistry } from './function-registry.js';
import { type CodeIdentity, type FrozenCode, LATEST, type RegistryError, type RegistryResult, type VersionRecord, ok, refuse } from './registry-types.js';

/** The RevisionId precondition shared by every change that takes one. */
export function revisionError(expected: string | undefined, actual: string): RegistryError | undefined {
  if (expected === undefined || expected === actual) return undefined;
  return {
    code: 'LAMINA_ERR_PRECONDITION_FAILED',
    message: 'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id',
  };
}

/**
 * A new function, as CreateFunction makes it (`Publish: true` is a createFunction then a publishVersion).
 *
 * @example await createFunction(registry, config, { sha256: 'x=', size: 3 })
 */
export function createFunction(registry: FunctionRegistry, config: FunctionConfig, code: CodeIdentity, description = ''): Promise<RegistryResult<VersionRecord>> {
  const badName = functionNameError(config.name);
  if (badName !== undefined) return Promise.resolve({ ok: false, error: badName });
  return registry.change(config.name, (existing) => {
    if (existing !== undefined) return refuse('LAMINA_ERR_RESOURCE_CONFLICT', `Function already exist: ${config.name}`);
    const entry = newEntry(config, code, description, registry.now());
    return ok({ entry, change: { kind: 'function-created', functionName: config.name }, value: entry.latest });
  });
}

export interface LatestUpdate {
  /** New code: its identity and the directory it was unpacked to. */
  readonly code?: { readonly identity: CodeIdentity; readonly codeDir: string };
  readonly config?: ConfigPatch;
  /**
   * A whole new configuration in place of `$LATEST`'s (a template function whose definition was
   * edited while serving, docs/hot-reload.md); `config` and `code` still apply on top of it.
   */
  readonly definition?: FunctionConfig;
  readonly description?: string;
  /** Only change if `$LATEST` still has this RevisionId. */
  readonly revisionId?: string;
}

/**
 * UpdateFunctionCode and UpdateFunctionConfiguration: `$LATEST` gets a new RevisionId.
 *
 * @example await updateLatest(registry, 'f', { config: { timeout: 10 }, revisionId })
 */
export function updateLatest(registry: FunctionRegistry, name: string, update: LatestUpdate): Promise<RegistryResult<VersionRecord>> {
  const badPatch = update.config === undefined ? undefined : configPatchError(update.config);
  if (badPatch !== undefined) return Promise.resolve({ ok: false, error: badPatch });
  return registry.change(name, (entry) => {
    if (entry === undefined) return registry.notFound(name);
    const stale = revisionError(update.revisionId, entry.latest.revisionId);
    if (stale !== undefined) return { ok: false, error: stale };
    const config: FunctionConfig = { ...(update.definition ?? entry.latest.config), ...update.config, ...(update.code === undefined ? {} : { codeDir: update.code.codeDir }) };
    const next = withLatest(entry, { config, ...(update.code === undefined ? {} : { code: update.code.identity }), ...(update.description === undefined ? {} : { description: update.description }) }, registry.now());
    const codeChanged = update.code !== undefined && update.code.identity.sha256 !== entry.latest.code.sha256;
    return ok({ entry: next, change: { kind: 'latest-updated', functionName: name, codeChanged, revisionId: next.latest.revisionId }, value: next.latest });
  });
}

export interface PublishOptions {
  readonly description?: string;
  /** Only publish if `$LATEST`'s code still has this digest. */
  readonly codeSha256?: string;
  readonly revisionId?: string;
}

/**
 * PublishVersion: the next number, or the newest version when nothing changed since it.
 *
 * @example await publishVersion(registry, 'f', { codeSha256 }) // { ok: true, value: { version: '1', ... } }
 */
export function publishVersion(registry: FunctionRegistry, name: string, options: PublishOptions = {}): Promise<RegistryResult<VersionRecord>> {
  return registry.change(name, async (entry) => {
    if (entry === undefined) return registry.notFound(name);
    const current = entry.latest.code.sha256;
    if (options.codeSha256 !== undefined && options.codeSha256 !== current) {
      return refuse('LAMINA_ERR_INVALID_PARAMETER', `CodeSHA256 (${options.codeSha256}) is different from current CodeSHA256 in $LATEST (${current}). Please try again with the current CodeSHA256.`);
    }
    const stale = revisionError(options.revisionId, entry.latest.revisionId);
    if (stale !== undefined) return { ok: false, error: stale };
    const same = unchangedVersion(entry);
    if (same !== undefined) return ok({ entry, change: undefined, value: same });
    // In the turn, so `$LATEST` cannot change between the copy and the version.
    const frozen = await freezeLatest(registry, entry.latest);
    if (!frozen.ok) return frozen;
    const published = withPublished(entry, options.description ?? '', frozen.value);
    return ok({ entry: published.entry, change: { kind: 'version-published', functionName: name, version: published.record.version }, value: published.record });
  });
}

/** `$LATEST`'s code copied for a new version when it is a live directory; a failed copy (a full disk) publishes nothing. */
async function freezeLatest(registry: FunctionRegistry, latest: VersionRecord): Promise<RegistryResult<FrozenCode | undefined>> {
  try {
    return ok(await registry.snapshots?.freeze(latest));
  } catch (error) {
    return refuse('LAMINA_ERR_SERVICE', `The version's code could not be copied: ${(error as Error).message}`);
  }
}

/**
 * DeleteFunction: the whole function (and its reservation), or one published version.
 *
 * @example await deleteFunction(registry, 'f', '3')
 */
export function deleteFunction(registry: FunctionRegistry, name: string, qualifier?: string): Promise<RegistryResult<undefined>> {
  return registry.change(
    name,
    (entry) => {
      if (entry === undefined) return registry.notFound(name, qualifier);
      if (qualifier === undefined) return ok({ entry: undefined, change: { kind: 'function-deleted', functionName: name }, value: undefined, reservation: null });
      if (qualifier === LATEST) return refuse('LAMINA_ERR_INVALID_PARAMETER', '$LATEST version cannot be deleted without deleting the function.');
      if (!entry.versions.has(qualifier)) {
        // Lambda deletes an alias with DeleteAlias, never here; an unknown version is not found.
        return registry.notFound(name, qualifier);
      }
      const users = aliasesOf(entry, qualifier);
      if (users.length > 0) return refuse('LAMINA_ERR_RESOURCE_CONFLICT', `Unable to delete version because the following aliases reference it: [${users.join(', ')}]`);
      return ok({ entry: withoutVersion(entry, qualifier), change: { kind: 'version-deleted', functionName: name, version: qualifier }, value: undefined });
    },
    qualifier === undefined,
  );
}
