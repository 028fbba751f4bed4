/**
 * Extracting a deployment package as Lambda accepts and refuses it (docs/deployment-packages.md):
 * the management API (CreateFunction and UpdateFunctionCode with `ZipFile`, PublishLayerVersion)
 * calls `extractPackage` with the decoded zip and a directory that does not exist yet.
 *
 * All-or-nothing: the whole central directory is checked before a byte is written (names,
 * duplicates, encryption, declared sizes, entry count), the data is written into a fresh sibling
 * directory while counted against the headers, and that directory is renamed into place only
 * when every entry is written. A refused, corrupt or half-read package leaves nothing behind.
 */
import { randomBytes } from 'node:crypto';
import { chmod, lstat, mkdir, rename, rm, symlink } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type yauzl from 'yauzl';
import { controlError, type ControlError } from './control-errors.js';
import { CODE_SIZE_UNZIPPED, COULD_NOT_UNZIP, MAX_ZIP_ENTRIES, checkUnzippedSize, codeSha256 } from './package-limits.js';
import { linkStaysInside, linkedAncestor, planEntry, type EntryKind, type EntryPlan } from './zip-entry-path.js';
import { ByteBudgetError, ZipReadError, listEntries, openEntry, readEntry, type ByteBudget } from './zip-reader.js';

export interface PackageLimits {
  /** The unzipped limit for the package and its layers together (Lambda: 262,144,000). */
  readonly unzippedBytes?: number;
  /** The unzipped bytes of the function's layers, counted against the same limit. */
  readonly layerBytes?: number;
  /** Lamina's bound on entries (no Lambda figure). */
  readonly maxEntries?: number;
}

export interface ExtractedFile {
  readonly path: string;
  readonly kind: EntryKind;
  readonly mode: number;
  /** Bytes of a file's data or a symlink's target; 0 for a directory. */
  readonly size: number;
}

export interface ExtractedPackage {
  /** Lambda's `CodeSha256`: base64 of the SHA-256 of the zip bytes. */
  readonly codeSha256: string;
  /** Lambda's `CodeSize`: the zip's byte count. */
  readonly codeSize: number;
  /** The bytes extracted, counted as they streamed (files' data and symlinks' targets). */
  readonly unzippedBytes: number;
  readonly files: readonly ExtractedFile[];
}

export type PackageResult = { readonly ok: true; readonly package: ExtractedPackage } | { readonly ok: false; readonly error: ControlError };

/** A symlink's target is a path: longer than Linux's PATH_MAX is not one. */
const MAX_LINK_TARGET = 4096;

/** A refusal found while extracting: carried to the one place that cleans up. */
class Refusal extends Error {
  constructor(readonly error: ControlError) {
    super(error.detail);
  }
}

function invalidZip(detail: string): Refusal {
  return new Refusal(controlError('LAMINA_ERR_LAMBDA_INVALID_ZIP', COULD_NOT_UNZIP, detail));
}

function unsafeEntry(detail: string): Refusal {
  return new Refusal(controlError('LAMINA_ERR_LAMBDA_UNSAFE_ZIP_ENTRY', `The deployment package has an entry Lamina will not extract: ${detail}.`, detail));
}

/**
 * Check every entry of the central directory: names, duplicates (also a file used as a
 * directory), encryption, compression, entries below a symlink, and the declared sizes.
 */
function planPackage(entries: readonly yauzl.Entry[], budget: number): { entry: yauzl.Entry; plan: EntryPlan }[] {
  const planned: { entry: yauzl.Entry; plan: EntryPlan }[] = [];
  const kinds = new Map<string, EntryKind>();
  let declared = 0;
  for (const entry of entries) {
    const plan = planEntry(entry);
    if ('refusal' in plan) throw plan.refusal === 'unsafe' ? unsafeEntry(plan.detail) : invalidZip(plan.detail);
    if (entry.isEncrypted()) throw invalidZip(`entry '${plan.path}' is encrypted`);
    if (plan.kind !== 'directory' && entry.compressionMethod !== 0 && entry.compressionMethod !== 8) throw invalidZip(`entry '${plan.path}' uses compression method ${entry.compressionMethod}`);
    const seen = kinds.get(plan.path);
    // A directory listed twice is harmless (some zippers do it); anything else twice is ambiguous.
    if (seen !== undefined && !(seen === 'directory' && plan.kind === 'directory')) throw invalidZip(`entry '${plan.path}' appears twice`);
    kinds.set(plan.path, plan.kind);
    if (plan.kind !== 'directory') declared += entry.uncompressedSize;
    planned.push({ entry, plan });
  }
  const links = new Set([...kinds].filter(([, kind]) => kind === 'symlink').map(([path]) => path));
  for (const [path] of kinds) {
    const link = linkedAncestor(path, links);
    if (link !== undefined) throw unsafeEntry(`entry '${path}' lies below the symlink '${link}'`);
    for (let at = path.indexOf('/'); at !== -1; at = path.indexOf('/', at + 1)) {
      if (kinds.get(path.slice(0, at)) === 'file') throw invalidZip(`entry '${path}' lies below the file '${path.slice(0, at)}'`);
    }
  }
  if (declared > budget) throw new ByteBudgetError(declared);
  return planned;
}

/** Write the planned entries under `root`: files first (with their modes), then links, then directory modes. */
async function writePackage(zipfile: yauzl.ZipFile, planned: readonly { entry: yauzl.Entry; plan: EntryPlan }[], root: string, budget: ByteBudget): Promise<ExtractedFile[]> {
  const files: ExtractedFile[] = [];
  const directories = new Map<string, number>();
  const links: { path: string; target: string }[] = [];
  const ensureParents = async (path: string): Promise<void> => {
    for (let at = path.indexOf('/'); at !== -1; at = path.indexOf('/', at + 1)) if (!directories.has(path.slice(0, at))) directories.set(path.slice(0, at), 0o755);
    const parent = dirname(path);
    if (parent !== '.') await mkdir(join(root, parent), { recursive: true, mode: 0o700 });
  };
  for (const { entry, plan } of planned) {
    if (plan.kind === 'directory') {
      await ensureParents(plan.path);
      directories.set(plan.path, plan.mode);
      await mkdir(join(root, plan.path), { recursive: true, mode: 0o700 });
      files.push({ ...plan, size: 0 });
    } else if (plan.kind === 'symlink') {
      const target = (await readEntry(zipfile, entry, budget, MAX_LINK_TARGET)).toString('utf8');
      await ensureParents(plan.path);
      links.push({ path: plan.path, target });
      files.push({ ...plan, size: Buffer.byteLength(target) });
    } else {
      await ensureParents(plan.path);
      const before = budget.counted;
      // 'wx': the directory is fresh and duplicates were refused, so an existing file is a bug, never overwritten.
      await pipeline(await openEntry(zipfile, entry, budget), createWriteStream(join(root, plan.path), { flags: 'wx', mode: 0o600 }));
      await chmod(join(root, plan.path), plan.mode);
      files.push({ ...plan, size: budget.counted - before });
    }
  }
  // Judged once every target is known: a link may lead out through another link.
  const targets = new Map(links.map((link) => [link.path, link.target]));
  for (const { path, target } of links) if (!linkStaysInside(path, target, targets)) throw unsafeEntry(`symlink '${path}' points out of the package (to '${target}')`);
  for (const link of links) await symlink(link.target, join(root, link.path));
  // Deepest first; the owner keeps rwx so that Lamina can replace or delete the package later.
  for (const [path, mode] of [...directories].sort(([a], [b]) => b.length - a.length)) await chmod(join(root, path), mode | 0o700);
  return files;
}

/**
 * Extract a deployment package into `into`, which must not exist; it appears, complete, only
 * when the result is `ok`. Refusals are data; an I/O failure of the host (disk full) is thrown,
 * after the partial directory is removed.
 *
 * @example
 * const result = await extractPackage(zip, '/state/code/abc', { layerBytes: 10_000_000 });
 * if (!result.ok) return renderControlError(result.error);
 */
export async function extractPackage(zip: Buffer, into: string, limits: PackageLimits = {}): Promise<PackageResult> {
  if (await lstat(into).then(() => true, () => false)) throw new Error(`extractPackage: ${into} exists already; a package goes into a fresh directory`);
  const unzippedLimit = limits.unzippedBytes ?? CODE_SIZE_UNZIPPED;
  const layerBytes = limits.layerBytes ?? 0;
  const budget: ByteBudget = { remaining: unzippedLimit - layerBytes, counted: 0 };
  const partial = join(dirname(into), `.${basename(into)}.partial-${randomBytes(6).toString('hex')}`);
  let zipfile: yauzl.ZipFile | undefined;
  try {
    const listed = await listEntries(zip, limits.maxEntries ?? MAX_ZIP_ENTRIES);
    zipfile = listed.zipfile;
    if (listed.tooMany) {
      const max = limits.maxEntries ?? MAX_ZIP_ENTRIES;
      const detail = `${listed.zipfile.entryCount} entries, over ${max}`;
      return { ok: false, error: controlError('LAMINA_ERR_LAMBDA_TOO_MANY_ZIP_ENTRIES', `The deployment package has ${listed.zipfile.entryCount} entries; Lamina extracts at most ${max}.`, detail) };
    }
    const planned = planPackage(listed.entries, budget.remaining);
    await mkdir(partial, { mode: 0o700 });
    const files = await writePackage(listed.zipfile, planned, partial, budget);
    await chmod(partial, 0o755);
    await rename(partial, into);
    return { ok: true, package: { codeSha256: codeSha256(zip), codeSize: zip.length, unzippedBytes: budget.counted, files } };
  } catch (err) {
    await rm(partial, { recursive: true, force: true });
    if (err instanceof Refusal) return { ok: false, error: err.error };
    if (err instanceof ZipReadError) return { ok: false, error: controlError('LAMINA_ERR_LAMBDA_INVALID_ZIP', COULD_NOT_UNZIP, err.message) };
    if (err instanceof ByteBudgetError) {
      const refusal = checkUnzippedSize(err.counted, layerBytes, unzippedLimit);
      if (refusal !== undefined) return { ok: false, error: refusal };
    }
    throw err;
  } finally {
    zipfile?.close();
  }
}
