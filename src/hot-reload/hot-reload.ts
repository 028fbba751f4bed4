/**
 * Hot reload in `lamina serve` (docs/hot-reload.md): the code directory of every template
 * function, its layers' directories and the template file are watched; a change reaches the next
 * invoke through the registry (src/hot-reload/reload-apply.ts), without a restart. Reloads run
 * one at a time; paths that change during one are the next batch.
 */
import { dirname, relative, sep } from 'node:path';
import type { FunctionConfig } from '../config/function-config.js';
import { DigestCache, directoryIdentity } from '../control/snapshots/directory-digest.js';
import type { FunctionRegistry } from '../registry/function-registry.js';
import { LATEST } from '../registry/registry-types.js';
import { type BatchTimings, ChangeBatcher, DEFAULT_TIMINGS } from './change-batcher.js';
import { type CodeReader, type TemplateMarks, applyTemplatePlan, reloadCode, reloadLayer } from './reload-apply.js';
import { type TemplateResources, changedResources, planTemplateChange } from './template-diff.js';
import { TreeWatcher, type WatchRoot, isUnder } from './tree-watcher.js';

/** What loading the project gives: the functions as `lamina serve` runs them and the other resources. */
export interface ProjectLoad {
  readonly functions: readonly FunctionConfig[];
  readonly resources: TemplateResources;
  readonly warnings: readonly string[];
}

export interface HotReloadOptions {
  readonly registry: FunctionRegistry;
  readonly code: CodeReader;
  readonly marks?: TemplateMarks | undefined;
  readonly stateDir: string;
  readonly templatePath: string;
  /** What the template gave at start. */
  readonly initial: ProjectLoad;
  /** Load the template again (it may throw: the previous functions keep serving). */
  readonly load: () => Promise<ProjectLoad>;
  /** Reload lines (stdout). */
  readonly log: (line: string) => void;
  /** Problems (stderr). */
  readonly warn: (line: string) => void;
  readonly timings?: BatchTimings;
}

export interface HotReload {
  /** Directories watched now. */
  readonly watched: number;
  /** Batches of changes handled so far (each a reload, whether or not it changed anything). */
  readonly batches: number;
  /** Settles when the reload under way (if any) and the batches queued behind it are done. */
  idle(): Promise<void>;
  close(): void;
}

/** A directory the function's `$LATEST` runs from that Lamina does not own (not an extracted package, not an image). */
function liveCodeDir(config: FunctionConfig, stateDir: string): string | undefined {
  if (config.image !== undefined || config.codePackage !== undefined) return undefined;
  const first = relative(stateDir, config.codeDir).split(sep)[0];
  return first === 'code' || first === 'template-packages' ? undefined : config.codeDir;
}

/**
 * @example
 * const reload = startHotReload({ registry, code: snapshots, stateDir, templatePath, initial, load, log, warn });
 * teardown.add(() => reload.close());
 */
export function startHotReload(options: HotReloadOptions): HotReload {
  const { registry, stateDir, templatePath } = options;
  let template = options.initial;
  const layerCache = new DigestCache();
  const layerDigests = new Map<string, string>();
  const context = { registry, code: options.code, marks: options.marks, log: (line: string) => options.log(`Hot reload: ${line}`) };

  /** The template's functions that are still in the registry, with the directories of their `$LATEST`. */
  const watchedFunctions = (): Array<{ fn: FunctionConfig; codeDir: string | undefined; layers: readonly string[] }> =>
    template.functions.flatMap((fn) => {
      const latest = registry.version(fn.name, LATEST);
      return latest === undefined ? [] : [{ fn, codeDir: liveCodeDir(latest.config, stateDir), layers: latest.config.layers ?? [] }];
    });
  const roots = (): WatchRoot[] => {
    const found: WatchRoot[] = [{ dir: dirname(templatePath), deep: false }];
    for (const watched of watchedFunctions()) {
      if (watched.codeDir !== undefined) found.push({ dir: watched.codeDir, deep: true });
      for (const layer of watched.layers) found.push({ dir: layer, deep: true });
    }
    return found;
  };
  const layerDigest = (dir: string): string => {
    try {
      return directoryIdentity(dir, layerCache).sha256;
    } catch {
      return ''; // A removed layer directory: its environments retire and the next init says why.
    }
  };
  /** Digests of layers not seen before (a code directory's digest is the registry's `CodeSha256`). */
  const noteLayers = (): void => {
    for (const { layers } of watchedFunctions()) for (const dir of layers) if (!layerDigests.has(dir)) layerDigests.set(dir, layerDigest(dir));
  };
  // The state directory may lie in a code tree (`--state-dir .lamina`, `CodeUri: .`): its writes are
  // no code change, except in a directory a function runs from (a build output under it).
  let current = roots();
  const ignore = (path: string): boolean => isUnder(path, stateDir) && !current.some((root) => root.deep && isUnder(path, root.dir) && isUnder(root.dir, stateDir));
  const watcher = new TreeWatcher({ onPath: (path) => batcher.add(path), ignore });

  const reloadTemplate = async (): Promise<Set<string>> => {
    let next: ProjectLoad;
    try {
      next = await options.load();
    } catch (error) {
      options.warn(`lamina: hot reload: ${templatePath} was not reloaded, the previous functions keep serving:\n${(error as Error).message}`);
      return new Set();
    }
    for (const warning of next.warnings) if (!template.warnings.includes(warning)) options.warn(`lamina: warning: ${warning}`);
    const plan = planTemplateChange(template.functions, next.functions, new Set(registry.names));
    const resources = changedResources(template.resources, next.resources);
    template = next;
    const done = await applyTemplatePlan(context, plan);
    if (resources.length > 0) context.log(`the template's ${resources.join(', ')} changed: restart lamina serve to apply them (docs/hot-reload.md)`);
    return done;
  };

  const reload = async (paths: ReadonlySet<string>): Promise<void> => {
    const changed = (dir: string): boolean => [...paths].some((path) => isUnder(path, dir));
    const done = paths.has(templatePath) ? await reloadTemplate() : new Set<string>();
    const layerChanged = new Set<string>();
    for (const [dir, digest] of layerDigests) {
      if (!changed(dir)) continue;
      const now = layerDigest(dir);
      if (now !== digest) layerChanged.add(dir);
      layerDigests.set(dir, now);
    }
    for (const { fn, codeDir, layers } of watchedFunctions()) {
      if (done.has(fn.name)) continue;
      if (codeDir !== undefined && changed(codeDir) && (await reloadCode(context, fn))) continue;
      const layer = layers.find((dir) => layerChanged.has(dir));
      if (layer !== undefined) await reloadLayer(context, fn.name, layer);
    }
    current = roots();
    watcher.setRoots(current);
    noteLayers();
  };

  let running: Promise<void> = Promise.resolve();
  let batches = 0;
  const batcher = new ChangeBatcher((paths) => {
    running = running
      .then(() => reload(paths))
      .catch((error: unknown) => options.warn(`lamina: hot reload failed: ${(error as Error).message}`))
      .finally(() => void (batches += 1));
  }, options.timings ?? DEFAULT_TIMINGS);
  watcher.setRoots(current);
  noteLayers();
  return {
    get watched() {
      return watcher.size;
    },
    get batches() {
      return batches;
    },
    idle: async () => {
      for (let seen: Promise<void> | undefined; seen !== running; ) {
        seen = running;
        await seen;
      }
    },
    close: () => {
      batcher.close();
      watcher.close();
    },
  };
}

/** For the banner. @example describeWatch(reload) // 'on (3 directories watched; --no-hot-reload turns it off)' */
export function describeWatch(reload: HotReload | undefined): string {
  return reload === undefined ? 'off (--no-hot-reload)' : `on (${reload.watched} director${reload.watched === 1 ? 'y' : 'ies'} watched; --no-hot-reload turns it off)`;
}
