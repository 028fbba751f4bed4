/**
 * The definition of one function, as the platform runs it. Produced by the SAM template loader
 * (./sam-template.ts) or by the RIE drop-in, validated once at construction.
 */

import type { FunctionAsyncSettings } from '../async/async-types.js';
import type { DeploymentPreference } from './deployment-preference.js';
import type { FunctionBuild } from './build-properties.js';

/** How an environment starts its runtime. */
export type RuntimeLaunch =
  /** `provided*` runtimes: run `<codeDir>/bootstrap` (or an explicit command, RIE mode). */
  | { readonly kind: 'bootstrap'; readonly command: string; readonly args: readonly string[] }
  /**
   * `nodejs*` runtimes: Lamina's runtime interface client on `node`, the absolute path of the
   * runtime's own Node major (src/runtimes/, docs/runtimes.md); '' until it is installed.
   */
  | { readonly kind: 'node-ric'; readonly runtime: string; readonly node: string }
  /** `python3.*` runtimes: Lamina's Python runtime interface client on the machine's `python` (absolute path). */
  | { readonly kind: 'python-ric'; readonly runtime: string; readonly python: string };

/**
 * A `PackageType: Image` function's image: what it runs, and how `lamina image build` builds it
 * (SAM's `Metadata.Dockerfile` / `DockerContext` / `DockerTag` / `DockerBuildArgs`).
 */
export interface FunctionImage {
  /** `ImageUri`, else `<function name lowercased>:<DockerTag or latest>` as `sam build` tags it. */
  readonly uri: string;
  /** Absolute path of the Dockerfile (`Metadata.Dockerfile`, relative to the context), when buildable. */
  readonly dockerfile?: string | undefined;
  /** Absolute path of the build context (`Metadata.DockerContext`). */
  readonly dockerContext?: string | undefined;
  /** `Metadata.DockerBuildArgs`. */
  readonly buildArgs?: Readonly<Record<string, string>> | undefined;
  /** `ImageConfig.EntryPoint`, `Command`, `WorkingDirectory`: override the image's own. */
  readonly entryPoint?: readonly string[] | undefined;
  readonly command?: readonly string[] | undefined;
  readonly workingDirectory?: string | undefined;
}

/** A function's attributes from CreateFunction / UpdateFunctionConfiguration that only describe it. */
export interface ManagementAttributes {
  readonly role: string;
  readonly architecture: 'x86_64' | 'arm64';
  /** `Layers` as the caller gave them (their directories are `FunctionConfig.layers`), with each one's size. */
  readonly layers: readonly { readonly arn: string; readonly codeSize: number }[];
  /** `TracingConfig.Mode`. */
  readonly tracingMode: 'Active' | 'PassThrough';
}

export interface FunctionConfig {
  /** Function name (the template's logical id, or `FunctionName` when given). */
  readonly name: string;
  /** `arn:aws:lambda:REGION:ACCOUNT:function:NAME` (unqualified). */
  readonly arn: string;
  readonly region: string;
  readonly accountId: string;
  /** Lambda runtime identifier, e.g. `nodejs20.x`, `provided.al2023`. */
  readonly runtime: string;
  /** `_HANDLER`. May be empty for custom runtimes. */
  readonly handler: string;
  /** Absolute path to the function's code directory (the working directory and task root). */
  readonly codeDir: string;
  /**
   * Absolute paths of the function's layer directories (SAM `Layers` naming LayerVersion resources
   * of the same template), in Lambda's extraction order: a file in a later layer wins. Lambda
   * extracts them into /opt; process mode cannot, so only a layer's `bootstrap` is used directly
   * (for `provided*` runtimes without their own). Undefined or empty: no layers.
   */
  readonly layers?: readonly string[] | undefined;
  /**
   * The package the code was extracted from (a template's zip `CodeUri`, S3 object or inline
   * `ZipFile`): Lambda's `CodeSha256` (base64 SHA-256) and `CodeSize`. Undefined for code that is
   * a directory.
   */
  readonly codePackage?: { readonly sha256: string; readonly size: number } | undefined;
  readonly launch: RuntimeLaunch;
  /**
   * `PackageType: Image`: the function is its container image (runtime '' and the handler from the
   * image's CMD); it always runs in the container sandbox. Undefined for zip functions.
   */
  readonly image?: FunctionImage | undefined;
  /** MB, 128 to 10,240. */
  readonly memorySize: number;
  /**
   * `VpcConfig` with subnets: as on Lambda, no route to the internet (isolated environments get
   * only their loopback; others get an outbound link to the host). docs/isolation.md.
   */
  readonly vpc?: boolean | undefined;
  /** Seconds, 1 to 900. */
  readonly timeout: number;
  /** User environment variables (already checked against reserved names and the 4 KB limit). */
  readonly environment: Readonly<Record<string, string>>;
  /** `EphemeralStorage.Size` in MB (512 to 10,240); undefined means Lambda's default, 512. */
  readonly ephemeralStorageMb?: number | undefined;
  /** `AutoPublishAlias`: version 1 is published and this alias points at it. */
  readonly publishedAlias?: string | undefined;
  /**
   * SAM `DeploymentPreference` (needs `publishedAlias`): a new version reaches the alias by the
   * schedule of its type, with its hooks (docs/deployments.md). Undefined: the alias moves at once.
   */
  readonly deployment?: DeploymentPreference | undefined;
  /** `ProvisionedConcurrencyConfig.ProvisionedConcurrentExecutions` on that alias. */
  readonly provisionedConcurrency?: number | undefined;
  /** `ReservedConcurrentExecutions`, or undefined when the function uses the unreserved pool. */
  readonly reservedConcurrency: number | undefined;
  /** `AWS_LAMBDA_LOG_FORMAT`: Text or JSON (`LoggingConfig.LogFormat`). */
  readonly logFormat: 'Text' | 'JSON';
  /** `AWS_LAMBDA_LOG_LEVEL` when JSON logging sets an application log level. */
  readonly logLevel: string | undefined;
  /**
   * Environment variables forwarded from the host as they are (RIE drop-in only: like AWS's RIE
   * it forwards the container's environment). Undefined for normal functions: nothing leaks.
   */
  readonly inheritedEnvironment?: Readonly<Record<string, string>> | undefined;
  /**
   * Asynchronous invocation: `EventInvokeConfig` by qualifier and the dead-letter target, as the
   * template gives them (docs/async-template.md). Undefined: Lambda's defaults, no destinations.
   */
  readonly async?: FunctionAsyncSettings | undefined;
  /**
   * What the management API keeps and reports but Lamina does not act on (docs/management-api.md,
   * "Functions"): the execution role, the architecture, the layers' ARNs as given. Undefined for
   * template functions.
   */
  readonly management?: ManagementAttributes | undefined;
  /**
   * SAM's `Metadata: BuildMethod: esbuild` (docs/builds.md): src/builds/ bundles `build.sourceDir`
   * into a directory of the state directory, which then becomes `codeDir`. Undefined: no build.
   */
  readonly build?: FunctionBuild | undefined;
  /** `RecursiveLoop: Allow` turns recursive loop detection off (docs/async-invocation.md); undefined is Lambda's `Terminate`. */
  readonly recursiveLoop?: 'Allow' | 'Terminate' | undefined;
}

/** The documented limits that a function configuration must respect (docs/limits.md). */
export const FUNCTION_LIMITS = {
  minMemoryMb: 128,
  maxMemoryMb: 10_240,
  minTimeoutS: 1,
  maxTimeoutS: 900,
  defaultMemoryMb: 128,
  defaultTimeoutS: 3,
  maxEnvironmentBytes: 4096,
} as const;

/** Lambda's default region and a local account id, used to build ARNs. */
export const DEFAULT_REGION = 'us-east-1';
export const DEFAULT_ACCOUNT_ID = '000000000000';

/** @example functionArn('us-east-1', '000000000000', 'hello') */
export function functionArn(region: string, accountId: string, name: string): string {
  return `arn:aws:lambda:${region}:${accountId}:function:${name}`;
}
