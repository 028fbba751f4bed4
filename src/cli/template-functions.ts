/**
 * What `lamina serve` and `lamina invoke` both do before running anything: load a SAM template
 * (its zip packages extracted under the state directory), settle the Node.js each `nodejsNN.x`
 * function runs on, and decide the sandbox limits (process or container). One place, so that a
 * function invoked once behaves as the same function served.
 */
import { join } from 'node:path';
import type { FunctionConfig } from '../config/function-config.js';
import { loadTemplatePackaged, type LoadedTemplate, type LoadTemplateOptions } from '../config/sam-template.js';
import { containerSettings } from '../containers/serve-settings.js';
import { describeLimits, detectSandboxLimits, type SandboxLimits } from '../platform/sandbox-factory.js';
import { resolveFunctionNodes } from '../runtimes/function-nodes.js';
import { progressLine } from '../runtimes/progress-line.js';

/** Given to functions when the host has no AWS credentials (docs/environment.md). */
export const PLACEHOLDER_CREDENTIALS = { accessKeyId: 'AKIALAMINAPLACEHOLDER', secretAccessKey: 'lamina-placeholder-secret', sessionToken: undefined };

export interface TemplateFunctionsOptions {
  readonly load: Omit<LoadTemplateOptions, 'packages'>;
  /** Where zip code and template-bucket objects are extracted and read (`template-packages/`, `s3/`). */
  readonly stateDir: string;
  /** `--host-node`. */
  readonly allowHostNode: boolean;
  /** The functions to prepare (all by default): `lamina invoke` settles only the one it runs. */
  readonly pick?: (functions: FunctionConfig[]) => FunctionConfig[];
}

export interface TemplateFunctions {
  readonly loaded: LoadedTemplate;
  /** The picked functions, each with its interpreter settled. */
  readonly functions: FunctionConfig[];
  /** Function name -> its interpreter, for a banner. */
  readonly interpreters: ReadonlyMap<string, string>;
}

/**
 * Load the template, pick functions and settle their interpreters (installing a missing Node.js
 * major, with a progress line); the template's warnings are printed on stderr.
 *
 * @example
 * const { loaded, functions } = await templateFunctions('template.yaml', { load: { region, accountId }, stateDir, allowHostNode: false });
 */
export async function templateFunctions(templatePath: string, options: TemplateFunctionsOptions): Promise<TemplateFunctions> {
  const loaded = await loadTemplatePackaged(templatePath, options.load, join(options.stateDir, 'template-packages'), join(options.stateDir, 's3'));
  const picked = options.pick === undefined ? loaded.functions : options.pick(loaded.functions);
  const { functions, interpreters, warnings } = await resolveFunctionNodes(picked, { allowHostNode: options.allowHostNode, onProgress: progressLine() });
  for (const warning of [...loaded.warnings, ...warnings]) process.stderr.write(`lamina: warning: ${warning}\n`);
  return { loaded, functions, interpreters };
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
