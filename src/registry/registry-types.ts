/**
 * The function registry's data (docs/control-plane.md): what a function, a published version and
 * an alias are, and how an operation answers. Everything here is plain data; the registry hands
 * out frozen snapshots, so a caller can keep one while the function changes under it.
 */
import type { FunctionConfig } from '../config/function-config.js';
import type { ServiceErrorCode } from '../errors.js';

/** `$LATEST`: the one changeable version of a function. */
export const LATEST = '$LATEST';

/** The code of a version as Lambda describes it: the package's digest and size. */
export interface CodeIdentity {
  /** Base64 SHA-256 of the deployment package (Lambda's `CodeSha256`). */
  readonly sha256: string;
  /** Bytes of the package (Lambda's `CodeSize`). */
  readonly size: number;
}

/** A published version's own copy of its code: where it runs from and what it is. */
export interface FrozenCode {
  readonly codeDir: string;
  readonly code: CodeIdentity;
}

/**
 * The code of template functions, from outside the registry (which does no file I/O):
 * `src/control/snapshots/code-snapshots.ts` is the one that reads and copies directories
 * (docs/control-plane.md, "Snapshots of directory code").
 */
export interface CodeSnapshotPort {
  /** A template function's `CodeSha256` and `CodeSize`: its package's, or its directory's content digest. */
  identity(config: FunctionConfig): CodeIdentity;
  /** A frozen copy of `$LATEST`'s code for a version being published, or undefined when that code never changes (a package, an image). At start. */
  freezeSync(latest: VersionRecord): FrozenCode | undefined;
  /** The same, while serving: the copy is made in the function's turn, before the version exists. */
  freeze(latest: VersionRecord): Promise<FrozenCode | undefined>;
}

/** One version of a function: `$LATEST` or an immutable published snapshot. */
export interface VersionRecord {
  /** `$LATEST` or a decimal number, `1`, `2`, ... */
  readonly version: string;
  readonly config: FunctionConfig;
  readonly code: CodeIdentity;
  readonly description: string;
  /** A UUID that changes on every change of this record (Lambda's `RevisionId`). */
  readonly revisionId: string;
  /** ISO 8601 time of the last change of code or configuration (Lambda's `LastModified`). */
  readonly lastModified: string;
}

/** `RoutingConfig.AdditionalVersionWeights`: one other version and the share it gets. */
export interface AliasRouting {
  readonly version: string;
  /** 0.0 to 1.0: the share of invokes that run `version` instead of the alias's own. */
  readonly weight: number;
}

export interface AliasRecord {
  readonly name: string;
  /** The version the alias points at: `$LATEST` or a published number, never another alias. */
  readonly functionVersion: string;
  readonly description: string;
  readonly routing: AliasRouting | undefined;
  readonly revisionId: string;
  /** `arn:...:function:NAME:ALIAS`. */
  readonly arn: string;
}

/** A refusal, as data: the catalogue code (src/errors.ts) and Lambda's message. */
export interface RegistryError {
  readonly code: ServiceErrorCode;
  readonly message: string;
}

/** What every registry operation answers: a value or a refusal, never a throw for bad input. */
export type RegistryResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: RegistryError };

/** What an invoke runs: the exact version, found from a name, qualifier or ARN. */
export interface ResolvedTarget {
  readonly functionName: string;
  /** The version to run (the `X-Amz-Executed-Version` answer). */
  readonly version: string;
  readonly record: VersionRecord;
  /** The alias that was named, when one was. */
  readonly alias: string | undefined;
}

/** What changed, so the platform can start or retire environments (docs/control-plane.md). */
export type RegistryChange =
  | { readonly kind: 'function-created'; readonly functionName: string }
  | { readonly kind: 'function-deleted'; readonly functionName: string }
  /** `$LATEST` got new code or configuration: its environments run what was replaced. */
  | { readonly kind: 'latest-updated'; readonly functionName: string; readonly codeChanged: boolean; readonly revisionId: string }
  | { readonly kind: 'version-published'; readonly functionName: string; readonly version: string }
  | { readonly kind: 'version-deleted'; readonly functionName: string; readonly version: string }
  | { readonly kind: 'alias-changed'; readonly functionName: string; readonly alias: string }
  | { readonly kind: 'alias-deleted'; readonly functionName: string; readonly alias: string }
  | { readonly kind: 'reservation-changed'; readonly functionName: string; readonly reserved: number | undefined };

/** @example ok(3) // { ok: true, value: 3 } */
export function ok<T>(value: T): RegistryResult<T> {
  return { ok: true, value };
}

/** @example refuse('LAMINA_ERR_RESOURCE_CONFLICT', 'Alias already exists: arn:...') */
export function refuse<T>(code: ServiceErrorCode, message: string): RegistryResult<T> {
  return { ok: false, error: { code, message } };
}
