/**
 * Where uploaded function code lives (docs/management-api.md, "Functions"): each package is
 * extracted once into its own directory `<state dir>/code/<uuid>`, atomically (src/control/zip-package.ts),
 * before the registry hears of it; a directory goes when no version of any function uses it.
 * The account's code storage is the sum of the packages the versions use, each counted once.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { ServiceError, type ServiceErrorCode } from '../../errors.js';
import type { CodeIdentity } from '../../registry/registry-types.js';
import type { ControlError, ControlErrorCode } from '../control-errors.js';
import { TOTAL_CODE_SIZE, checkCodeStorage, checkZippedSize } from '../package-limits.js';
import { extractPackage } from '../zip-package.js';
import type { ControlContext } from './control-context.js';
import { layerStoreOf } from './layer-store-of.js';
import type { CodeSource } from './function-input.js';

/** How the package refusals go on the management API's wire. */
const WIRE_CODES: Record<ControlErrorCode, ServiceErrorCode> = {
  LAMINA_ERR_LAMBDA_REQUEST_TOO_LARGE: 'LAMINA_ERR_REQUEST_ENTITY_TOO_LARGE',
  LAMINA_ERR_LAMBDA_UNZIPPED_TOO_LARGE: 'LAMINA_ERR_INVALID_PARAMETER',
  LAMINA_ERR_LAMBDA_INVALID_ZIP: 'LAMINA_ERR_INVALID_PARAMETER',
  LAMINA_ERR_LAMBDA_UNSAFE_ZIP_ENTRY: 'LAMINA_ERR_INVALID_PARAMETER',
  LAMINA_ERR_LAMBDA_TOO_MANY_ZIP_ENTRIES: 'LAMINA_ERR_INVALID_PARAMETER',
  LAMINA_ERR_LAMBDA_CODE_STORAGE_EXCEEDED: 'LAMINA_ERR_CODE_STORAGE_EXCEEDED',
  LAMINA_ERR_LAMBDA_INVALID_ZIP_FILE: 'LAMINA_ERR_SERVICE',
};

/** @example throw wireError(controlError('LAMINA_ERR_LAMBDA_INVALID_ZIP', COULD_NOT_UNZIP)) */
export function wireError(error: ControlError): ServiceError {
  return new ServiceError(WIRE_CODES[error.code], error.message);
}

/** `<state dir>/code`: every extracted package of the management API is directly under it. */
export function codeRoot(context: ControlContext): string {
  return join(context.stateDir, 'code');
}

/** Directories extracted but not yet committed to the registry: never swept. */
const inFlight = new Set<string>();

/** Code stored for the account: each package directory under the code root counted once. */
export function storedCodeBytes(context: ControlContext): number {
  const root = codeRoot(context) + sep;
  const sizes = new Map<string, number>();
  for (const name of context.registry.names) {
    for (const record of context.registry.versions(name) ?? []) {
      if (record.config.codeDir.startsWith(root)) sizes.set(record.config.codeDir, record.code.size);
    }
  }
  let total = 0;
  for (const size of sizes.values()) total += size;
  return total;
}

/**
 * The account's code storage in use: the functions' packages and the layer versions' archives, as
 * Lambda counts both (CodeStorageExceededException, GetAccountSettings' `AccountUsage.TotalCodeSize`).
 *
 * @example accountCodeBytes(context) // 0 for an account with no code
 */
export function accountCodeBytes(context: ControlContext): number {
  return storedCodeBytes(context) + layerStoreOf(context).storedBytes();
}

/** The bytes of `Code.S3Bucket`/`S3Key` (and a layer's `Content.S3Bucket`/`S3Key`) from the embedded S3 server, or Lambda's refusal. */
export async function s3Package(context: ControlContext, bucket: string, key: string): Promise<Buffer> {
  const objects = context.codeObjects?.();
  const found = objects === undefined ? { ok: false as const, missing: 'bucket' as const } : await objects.read(bucket, key);
  if (found.ok) return found.bytes;
  const [code, message] = found.missing === 'bucket' ? ['NoSuchBucket', 'The specified bucket does not exist'] : ['NoSuchKey', 'The specified key does not exist.'];
  throw new ServiceError('LAMINA_ERR_INVALID_PARAMETER', `Error occurred while GetObject. S3 Error Code: ${code}. S3 Error Message: ${message}`);
}

/** A stored package: its directory and identity, and `release` to call once the registry took it (or refused). */
export interface StoredPackage {
  readonly codeDir: string;
  readonly identity: CodeIdentity;
  release(): void;
}

/**
 * Extract a zip (inline or from S3) into a fresh directory under the code root, after the size
 * and storage checks; every refusal is thrown as Lambda's error and leaves nothing behind.
 *
 * @example
 * const stored = await storePackage(context, { kind: 'zip', zip }, 'CreateFunction', 0);
 * try { await createFunction(...) } finally { stored.release(); }
 */
export async function storePackage(context: ControlContext, source: Exclude<CodeSource, { kind: 'image' }>, operation: 'CreateFunction' | 'UpdateFunctionCode', layerBytes: number): Promise<StoredPackage> {
  const zip = source.kind === 'zip' ? source.zip : await s3Package(context, source.bucket, source.key);
  // The 50 MB zipped limit is the direct upload's (the request body); Lambda takes a bigger zip from S3,
  // bounded by its unzipped size (checked while extracting).
  const zipped = source.kind === 'zip' ? checkZippedSize(zip.length, operation) : undefined;
  const refusal = zipped ?? checkCodeStorage(accountCodeBytes(context), zip.length, context.codeStorageLimit ?? TOTAL_CODE_SIZE);
  if (refusal !== undefined) throw wireError(refusal);
  await mkdir(codeRoot(context), { recursive: true, mode: 0o700 });
  const codeDir = join(codeRoot(context), randomUUID());
  inFlight.add(codeDir);
  try {
    const extracted = await extractPackage(zip, codeDir, { layerBytes });
    if (!extracted.ok) throw wireError(extracted.error);
    return { codeDir, identity: { sha256: extracted.package.codeSha256, size: extracted.package.codeSize }, release: () => void inFlight.delete(codeDir) };
  } catch (error) {
    inFlight.delete(codeDir);
    throw error;
  }
}

/**
 * Remove the package directories no version uses any more (after an update or a delete) and the
 * platform does not hold (a replaced `$LATEST` still draining, a saved function not loaded): those
 * go when the platform releases them (`watchReleases`).
 *
 * @example await sweepCode(context);
 */
export async function sweepCode(context: ControlContext): Promise<void> {
  const root = codeRoot(context);
  const names = await readdir(root).catch(() => [] as string[]);
  // Decided in one turn after the listing: a package committed meanwhile is either still in
  // flight or already a version here, never neither.
  const used = new Set<string>(context.code?.heldCodeDirs());
  for (const name of context.registry.names) for (const record of context.registry.versions(name) ?? []) used.add(record.config.codeDir);
  // Partial extractions (`.<uuid>.partial-...`) belong to extractions in progress; `snapshots`
  // holds template code copied for versions, swept at start (src/control/snapshots/code-snapshots.ts).
  const unused = names.filter((name) => !name.startsWith('.') && name !== 'snapshots').map((name) => join(root, name)).filter((dir) => !used.has(dir) && !inFlight.has(dir));
  for (const dir of unused) await rm(dir, { recursive: true, force: true });
}

/**
 * Sweep again whenever the platform releases a package directory under the code root.
 *
 * @example watchReleases(context); // once, when the control plane is made
 */
export function watchReleases(context: ControlContext): void {
  const root = codeRoot(context) + sep;
  context.code?.onCodeReleased((codeDir) => {
    if (codeDir.startsWith(root)) void sweepCode(context).catch(() => undefined);
  });
}
