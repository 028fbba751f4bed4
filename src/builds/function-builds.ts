/**
 * The esbuild builds of a template's functions (docs/builds.md): each function whose `Metadata`
 * says `BuildMethod: esbuild` is bundled into `<state dir>/builds/<logical id>/`, which becomes
 * its code directory (as `sam build` makes `.aws-sam/build/<logical id>/` the function's code),
 * and, while `lamina serve` watches, rebuilt on every change of its sources.
 *
 * A build that fails at start is a ConfigError: nothing of that function could be served (as
 * `sam build` stops). A rebuild that fails later leaves the last good build in place.
 */
import type { FunctionConfig } from '../config/function-config.js';
import { buildOutputDir, type FunctionBuild } from '../config/build-properties.js';
import { ConfigError } from '../errors.js';
import { builtHandler } from './build-output.js';
import { describeFailure, FunctionBuilder, type BuilderLog } from './function-builder.js';

export interface BuildsOptions {
  /** The state directory (src/async/state-dir.ts): builds go under its `builds/`. */
  readonly stateDir: string;
  /** Rebuild on change (`lamina serve` with hot reload); false builds once. */
  readonly watch: boolean;
  readonly log: BuilderLog;
}

/** The functions as served (built ones with their build's code directory and handler), and the builders. */
export interface StartedBuilds {
  readonly functions: FunctionConfig[];
  /** One line per built function, for the start banner. */
  readonly banner: readonly string[];
  /**
   * The template was loaded again (hot reload): functions whose build is unchanged keep their
   * builder, changed or new ones are built, removed ones stop being watched. `failures` names the
   * functions whose new build failed (esbuild's messages): a new one is left out of `functions`, one
   * served before stays as it was (its last good build).
   */
  update(functions: readonly FunctionConfig[]): Promise<{ functions: FunctionConfig[]; failures: string[] }>;
  /** Stop watching and release esbuild (its service process ends with the last context). */
  close(): Promise<void>;
}

/** One function's builder and what its last good build serves. */
interface Served {
  readonly builder: FunctionBuilder | undefined;
  /** The build's settings as JSON: an equal one after a template reload keeps the builder. */
  readonly key: string;
  readonly handler: string;
  readonly ms: number;
}

type Outcome = { readonly ok: true; readonly served: Served } | { readonly ok: false; readonly failure: string };

const QUIET_LOG: BuilderLog = { info: () => undefined, error: () => undefined };

class Builds implements StartedBuilds {
  readonly #options: BuildsOptions;
  readonly #served = new Map<string, Served>();
  functions: FunctionConfig[] = [];

  constructor(options: BuildsOptions) {
    this.#options = options;
  }

  get banner(): string[] {
    return this.functions.flatMap((fn) => {
      const served = fn.build === undefined ? undefined : this.#served.get(fn.build.logicalId);
      if (served === undefined) return [];
      return [`  ${fn.name}: built with esbuild in ${served.ms} ms into ${fn.codeDir} (handler ${served.handler})${this.#options.watch ? ', rebuilt on change' : ''}`];
    });
  }

  async #build(fn: FunctionConfig, build: FunctionBuild, key: string): Promise<Outcome> {
    const failed = (message: string): Outcome => ({ ok: false, failure: `Build of function ${fn.name} (esbuild, ${build.sourceDir}) failed:\n${message}` });
    let builder: FunctionBuilder;
    try {
      builder = await FunctionBuilder.open(fn.name, build, buildOutputDir(this.#options.stateDir, build), this.#options.log);
    } catch (error) {
      return failed(describeFailure(error));
    }
    const outcome = await builder.build();
    if (!outcome.ok || !this.#options.watch) await builder.close();
    if (!outcome.ok) return failed(outcome.message);
    if (this.#options.watch) builder.watch();
    return { ok: true, served: { builder: this.#options.watch ? builder : undefined, key, handler: builtHandler(fn.handler, outcome.outputs), ms: outcome.ms } };
  }

  async update(functions: readonly FunctionConfig[]): Promise<{ functions: FunctionConfig[]; failures: string[] }> {
    const wanted = new Set(functions.flatMap((fn) => (fn.build === undefined ? [] : [fn.build.logicalId])));
    for (const [id, served] of [...this.#served]) {
      if (wanted.has(id)) continue;
      this.#served.delete(id);
      await served.builder?.close();
    }
    const results = await Promise.all(
      functions.map(async (fn): Promise<{ fn: FunctionConfig | undefined; failure?: string }> => {
        const build = fn.build;
        if (build === undefined) return { fn };
        const key = JSON.stringify([fn.handler, build]);
        const known = this.#served.get(build.logicalId);
        if (known?.key !== key) {
          const outcome = await this.#build(fn, build, key);
          // A function that was served keeps its last good build (and builder) until a build succeeds.
          if (!outcome.ok) return { fn: known === undefined ? undefined : this.functions.find((old) => old.build?.logicalId === build.logicalId), failure: outcome.failure };
          await known?.builder?.close();
          this.#served.set(build.logicalId, outcome.served);
        }
        const served = this.#served.get(build.logicalId);
        return { fn: { ...fn, codeDir: buildOutputDir(this.#options.stateDir, build), handler: served?.handler ?? fn.handler } };
      }),
    );
    this.functions = results.flatMap((result) => (result.fn === undefined ? [] : [result.fn]));
    return { functions: this.functions, failures: results.flatMap((result) => (result.failure === undefined ? [] : [result.failure])) };
  }

  async close(): Promise<void> {
    const served = [...this.#served.values()];
    this.#served.clear();
    await Promise.all(served.map((entry) => entry.builder?.close()));
  }
}

/**
 * Build every function that asks for it, then (with `watch`) keep rebuilding on change.
 *
 * @throws ConfigError naming each function whose build failed, with esbuild's messages.
 * @example
 * const builds = await startBuilds(loaded.functions, { stateDir: state.path, watch: true, log });
 * const platform = new Platform({ functions: builds.functions, ... });
 * // at exit: await builds.close();
 */
export async function startBuilds(functions: readonly FunctionConfig[], options: BuildsOptions): Promise<StartedBuilds> {
  const builds = new Builds(options);
  const { failures } = await builds.update(functions);
  if (failures.length > 0) {
    await builds.close();
    throw new ConfigError(failures.join('\n'));
  }
  return builds;
}

/**
 * Build once, for a command that runs functions without watching them (`lamina invoke`): the
 * functions come back as they are served, their builds in place under `<stateDir>/builds/`;
 * nothing is left running.
 *
 * @throws ConfigError when a build fails (esbuild's messages included).
 * @example
 * const functions = await buildFunctionsOnce(loaded.functions, state.path);
 */
export async function buildFunctionsOnce(functions: readonly FunctionConfig[], stateDir: string): Promise<FunctionConfig[]> {
  const builds = await startBuilds(functions, { stateDir, watch: false, log: QUIET_LOG });
  await builds.close();
  return builds.functions;
}
