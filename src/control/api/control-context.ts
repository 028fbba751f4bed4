/**
 * What every management operation's handler can reach (docs/management-api.md): the registry,
 * where code and state live, and the platform's hooks as plain interfaces. Areas add optional
 * fields here as they need them; the HTTP layer never sees this.
 */
import type { FunctionRegistry } from '../../registry/function-registry.js';
import type { ManagementAnswer, ManagementCall } from '../../management/management-port.js';
import type { ManagementOperation } from '../../management/management-routes.js';
import type { EnsureNodeOptions } from '../../runtimes/node-installer.js';
import type { SettingsStore } from '../settings-store.js';
import type { FunctionUrlDefinition } from '../../config/function-urls.js';

/**
 * Objects of the embedded S3 server, for `Code.S3Bucket`/`S3Key` (src/services/s3/): the object's
 * bytes, or which of the bucket and the key is missing.
 */
export interface CodeObjects {
  read(bucket: string, key: string): Promise<{ readonly ok: true; readonly bytes: Buffer } | { readonly ok: false; readonly missing: 'bucket' | 'key' }>;
}

/**
 * The platform's side of provisioned concurrency (implemented by `Platform`): keep `count`
 * initialised environments of one published version ready, and say how many are ready now.
 */
export interface ProvisionedPort {
  setProvisioned(functionName: string, version: string, count: number): void;
  readyProvisioned(functionName: string, version: string): number;
}

/**
 * Which package directories the platform still holds (implemented by `Platform`): those its
 * environments run from, including a replaced `$LATEST`'s environments that are still finishing
 * an invocation (they may read files lazily, e.g. a Node `import()` after an `await`), and those
 * of saved functions it did not load. The code store removes no directory held here, and sweeps
 * again when the platform says a directory was released (its last environment exited).
 */
export interface CodeHolder {
  heldCodeDirs(): ReadonlySet<string>;
  onCodeReleased(listener: (codeDir: string) => void): void;
}

/**
 * Layer versions by ARN (implemented by the layers area): the unpacked directories of the layers a
 * function names, in order, and their unzipped bytes, or the refusal Lambda gives for a layer
 * that does not exist or that the function cannot use.
 */
export interface LayerResolver {
  resolve(arns: readonly string[]): { readonly ok: true; readonly dirs: readonly string[]; readonly unzippedBytes: number } | { readonly ok: false; readonly code: 'LAMINA_ERR_INVALID_PARAMETER' | 'LAMINA_ERR_FUNCTION_NOT_FOUND'; readonly message: string };
}

/**
 * Serves function URLs created through the API (implemented in src/front-ends/function-urls/):
 * `open` starts (or, for a URL already served, restarts on its port) a listener and answers its
 * base address, on `preferredPort` when given and free (a URL served again after a restart);
 * `close` stops it.
 */
export interface UrlHost {
  open(url: FunctionUrlDefinition, preferredPort?: number): Promise<string>;
  close(functionName: string, qualifier: string | undefined): Promise<void>;
}

export interface ControlContext {
  readonly registry: FunctionRegistry;
  readonly region: string;
  readonly accountId: string;
  /** The state directory (`lamina serve --state-dir`): unpacked code, layers and the saved state live under it. */
  readonly stateDir: string;
  readonly now: () => Date;
  /** Tags, policies, event invoke configs, provisioned and URL configs, layer versions. */
  readonly settings: SettingsStore;
  readonly provisioned?: ProvisionedPort;
  /** Without it, a package directory no version uses is removed at once. */
  readonly code?: CodeHolder;
  readonly layers?: LayerResolver;
  /** Serves API-created function URLs; without it they are stored only. */
  readonly urls?: UrlHost;
  /** The embedded S3 server's objects when `lamina serve` runs it (it starts after the control plane, hence a getter). */
  readonly codeObjects?: () => CodeObjects | undefined;
  /** The account's code storage in bytes (GetAccountSettings' TotalCodeSize); Lambda's 75 GB by default. */
  readonly codeStorageLimit?: number;
  /** How a `nodejsNN.x` function's Node major is found or installed (`lamina serve --host-node`). */
  readonly nodeOptions?: EnsureNodeOptions;
}

/** One operation: a parsed call in, a success out; refusals are thrown `ServiceError`s. */
export type OperationHandler = (context: ControlContext, call: ManagementCall) => Promise<ManagementAnswer>;

/** Handlers by operation; each API area exports one. */
export type HandlerTable = Partial<Record<ManagementOperation, OperationHandler>>;
