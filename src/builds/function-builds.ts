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
import { buildOutputDir } from '../config/build-properties.js';
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
  /** Stop watching and release esbuild (its service process ends with the last context). */
  close(): Promise<void>;
}

const QUIET_LOG: BuilderLog = { info: () => undefined, error: () => undefined };

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
  const builders: FunctionBuilder[] = [];
  const close = async (): Promise<void> => void (await Promise.all(builders.map((builder) => builder.close())));
  try {
    const results = await Promise.all(
      functions.map(async (fn) => {
        if (fn.build === undefined) return { fn, line: undefined, failure: undefined };
        const failed = (message: string): { fn: FunctionConfig; line: undefined; failure: string } => ({ fn, line: undefined, failure: `Build of function ${fn.name} (esbuild, ${fn.build?.sourceDir ?? ''}) failed:\n${message}` });
        let builder: FunctionBuilder;
        try {
          builder = await FunctionBuilder.open(fn.name, fn.build, buildOutputDir(options.stateDir, fn.build), options.log);
        } catch (error) {
          return failed(describeFailure(error));
        }
        builders.push(builder);
        const outcome = await builder.build();
        if (!outcome.ok) return failed(outcome.message);
        if (options.watch) builder.watch();
        const handler = builtHandler(fn.handler, outcome.outputs);
        const built: FunctionConfig = { ...fn, codeDir: builder.outDir, handler };
        const line = `  ${fn.name}: built with esbuild in ${outcome.ms} ms into ${builder.outDir} (handler ${handler})${options.watch ? ', rebuilt on change' : ''}`;
        return { fn: built, line, failure: undefined };
      }),
    );
    const failures = results.flatMap((result) => (result.failure === undefined ? [] : [result.failure]));
    if (failures.length > 0) throw new ConfigError(failures.join('\n'));
    return {
      functions: results.map((result) => result.fn),
      banner: results.flatMap((result) => (result.line === undefined ? [] : [result.line])),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * Build once, for a command that runs functions without watching them (`lamina invoke`): the
 * functions come back as they are served, their builds in place; nothing is left running.
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
