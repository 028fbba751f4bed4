/**
 * What `lamina serve` and `lamina invoke` both do before running anything: load a SAM template
 * (its zip packages extracted under the state directory), settle the Node.js each `nodejsNN.x`
 * function runs on, and decide the sandbox limits (process or container). One place, so that a
 * function invoked once behaves as the same function served. (Between loading and settling, both
 * build `BuildMethod: esbuild` functions: src/builds/function-builds.ts.)
 */
import { join } from 'node:path';
import type { FunctionConfig } from '../config/function-config.js';
import { loadTemplatePackaged, type LoadedTemplate, type LoadTemplateOptions } from '../config/sam-template.js';
import { containerSettings } from '../containers/serve-settings.js';
import { describeLimits, detectSandboxLimits, type SandboxLimits } from '../platform/sandbox-factory.js';
import { resolveFunctionNodes, type FunctionNodes } from '../runtimes/function-nodes.js';
import { progressLine } from '../runtimes/progress-line.js';

/** Given to functions when the host has no AWS credentials (docs/environment.md). */
export const PLACEHOLDER_CREDENTIALS = { accessKeyId: 'AKIALAMINAPLACEHOLDER', secretAccessKey: 'lamina-placeholder-secret', sessionToken: undefined };

/**
 * The template's loader: zip code and template-bucket objects extracted under the state directory
 * (`template-packages/`, `s3/`). A function, so that hot reload can load the template again.
 *
 * @example
 * const load = templateLoader('template.yaml', { region, accountId }, stateDir);
 * const loaded = await load();
 */
export function templateLoader(templatePath: string, options: Omit<LoadTemplateOptions, 'packages'>, stateDir: string): () => Promise<LoadedTemplate> {
  return () => loadTemplatePackaged(templatePath, options, join(stateDir, 'template-packages'), join(stateDir, 's3'));
}

/**
 * Settles the interpreter of each `nodejsNN.x` function (installing a missing Node.js major, with a
 * progress line; `--host-node` runs them on this machine's node).
 *
 * @example
 * const { functions, interpreters, warnings } = await nodeSettler(false)(loaded.functions);
 */
export function nodeSettler(allowHostNode: boolean): (functions: readonly FunctionConfig[]) => Promise<FunctionNodes> {
  return (functions) => resolveFunctionNodes(functions, { allowHostNode, onProgress: progressLine() });
}

export interface LimitFlags {
  readonly noLimits: boolean;
  readonly noIsolation: boolean;
  /** `--sandbox process|container`. */
  readonly sandbox: string;
  readonly engine: string | undefined;
  /** Where the `Limits: ...` line and the container side's progress go (`lamina invoke` keeps stdout for the result). */
  readonly out: (text: string) => void;
}

/**
 * The sandbox limits of `--no-limits`, `--no-isolation`, `--sandbox` and `--engine`; says which
 * process limits apply (`Limits: ...`) through `flags.out`.
 *
 * @example
 * const limits = await sandboxLimits({ noLimits: false, noIsolation: false, sandbox: 'process', engine: undefined, out: (t) => process.stdout.write(t) }, functions);
 */
export async function sandboxLimits(flags: LimitFlags, functions: readonly FunctionConfig[]): Promise<SandboxLimits | undefined> {
  const detected = flags.noLimits ? undefined : detectSandboxLimits();
  const processLimits = detected !== undefined && flags.noIsolation ? { ...detected, isolation: undefined, outbound: undefined } : detected;
  flags.out(`Limits: ${processLimits === undefined ? 'off (--no-limits)' : describeLimits(processLimits)}\n`);
  const containers = await containerSettings(flags.sandbox, flags.engine, functions, flags.out);
  return containers === undefined ? processLimits : { cgroups: undefined, maxOpenFiles: undefined, ...processLimits, containers };
}
