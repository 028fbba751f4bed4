/**
 * Snapshots of directory code (docs/control-plane.md, "Snapshots of directory code"): a template
 * function whose `CodeUri` is a directory runs `$LATEST` from that live directory, and every
 * version published from it (AutoPublishAlias at start, PublishVersion, a deployment) runs from
 * its own copy, `<state dir>/code/snapshots/<sha256 hex>`, so later edits reach `$LATEST` only.
 * A copy is keyed by its content digest, so publishing the same content twice copies it once.
 * Files are cloned (reflinks) where the filesystem can, copied otherwise.
 */
import { randomUUID } from 'node:crypto';
import { chmodSync, constants, copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { chmod, copyFile, mkdir, rename, rm, symlink } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { FunctionConfig } from '../../config/function-config.js';
import type { CodeIdentity, CodeSnapshotPort, FrozenCode, VersionRecord } from '../../registry/registry-types.js';
import { DigestCache, entriesIdentity } from './directory-digest.js';
import { type WalkEntry, walkDirectory } from './directory-walk.js';

/** Directories keep the owner's rwx, so Lamina can delete the snapshot later (as extraction does). */
const OWNER = 0o700;

/** `<state dir>/code/snapshots`, beside the management API's packages. */
export function snapshotRoot(stateDir: string): string {
  return join(stateDir, 'code', 'snapshots');
}

/**
 * A snapshot's root directory: isolated environments run as their own user, so the code
 * directory mounted at /var/task must be readable and searchable by others (extracted zips get
 * the same, src/control/zip-package.ts).
 */
const PACKAGE_ROOT_MODE = 0o755;

function hex(sha256: string): string {
  return Buffer.from(sha256, 'base64').toString('hex');
}

function copyEntriesSync(entries: readonly WalkEntry[], into: string): void {
  mkdirSync(into, { recursive: true, mode: OWNER });
  for (const entry of entries) {
    const to = join(into, entry.path);
    if (entry.kind === 'directory') mkdirSync(to, { mode: OWNER });
    else if (entry.kind === 'symlink') symlinkSync(entry.target, to);
    else {
      copyFileSync(entry.source, to, constants.COPYFILE_FICLONE);
      chmodSync(to, entry.mode);
    }
  }
  // Modes of directories last, so a read-only one was still writable while filled.
  for (const entry of entries) if (entry.kind === 'directory') chmodSync(join(into, entry.path), entry.mode | OWNER);
  // The package root as Lambda's /var/task: readable by the function's own user, not only Lamina's.
  chmodSync(into, PACKAGE_ROOT_MODE);
}

async function copyEntries(entries: readonly WalkEntry[], into: string): Promise<void> {
  await mkdir(into, { recursive: true, mode: OWNER });
  for (const entry of entries) {
    const to = join(into, entry.path);
    if (entry.kind === 'directory') await mkdir(to, { mode: OWNER });
    else if (entry.kind === 'symlink') await symlink(entry.target, to);
    else {
      await copyFile(entry.source, to, constants.COPYFILE_FICLONE);
      await chmod(to, entry.mode);
    }
  }
  for (const entry of entries) if (entry.kind === 'directory') await chmod(join(into, entry.path), entry.mode | OWNER);
  await chmod(into, PACKAGE_ROOT_MODE);
}

/** One entry as the copy saw it: what was hashed is what was copied when these agree before and after. */
function statKey(entry: WalkEntry): string {
  if (entry.kind === 'file') return `f\0${entry.path}\0${entry.mode}\0${entry.size}\0${entry.mtimeMs}\0${entry.ctimeMs}`;
  return entry.kind === 'directory' ? `d\0${entry.path}\0${entry.mode}` : `l\0${entry.path}\0${entry.target}`;
}

function sameStats(before: readonly WalkEntry[], after: readonly WalkEntry[]): boolean {
  return before.length === after.length && before.every((entry, index) => {
    const other = after[index];
    return other !== undefined && statKey(entry) === statKey(other);
  });
}

/**
 * @example
 * const snapshots = new CodeSnapshots(stateDir);
 * const registry = registryFromState(functions, { snapshots }, store).registry;
 * snapshots.saveCache();
 */
export class CodeSnapshots implements CodeSnapshotPort {
  readonly #stateDir: string;
  readonly #root: string;
  readonly #cache: DigestCache;

  constructor(stateDir: string) {
    this.#stateDir = stateDir;
    this.#root = snapshotRoot(stateDir);
    this.#cache = DigestCache.load(join(stateDir, 'code-digests.json'));
  }

  identity(config: FunctionConfig): CodeIdentity {
    if (config.codePackage !== undefined) return config.codePackage;
    if (config.image !== undefined) return { sha256: '', size: 0 };
    return entriesIdentity(walkDirectory(config.codeDir), this.#cache);
  }

  /** Code that changes under a version: a directory of the project (not a package Lamina extracted into its state, not an image). */
  #live(config: FunctionConfig): boolean {
    if (config.image !== undefined || config.codePackage !== undefined) return false;
    const first = relative(this.#stateDir, config.codeDir).split(sep)[0];
    return first !== 'code' && first !== 'template-packages';
  }

  /** The walk, its identity, and the snapshot directory for it when it is not there yet. */
  #plan(latest: VersionRecord): { entries: WalkEntry[]; frozen: FrozenCode; exists: boolean; partial: string } | undefined {
    if (!this.#live(latest.config)) return undefined;
    const entries = walkDirectory(latest.config.codeDir);
    const code = entriesIdentity(entries, this.#cache);
    const name = hex(code.sha256);
    const codeDir = join(this.#root, name);
    return { entries, frozen: { codeDir, code }, exists: existsSync(codeDir), partial: join(this.#root, `.${name}.partial-${randomUUID()}`) };
  }

  /**
   * What the copy holds: the planned identity, unless a file was edited while it was copied (its
   * stat no longer what was hashed), in which case the copy itself is hashed, so that a version's
   * `CodeSha256` always describes the code it runs.
   */
  #copied(plan: { entries: readonly WalkEntry[]; frozen: FrozenCode; partial: string; source: string }): FrozenCode {
    if (sameStats(plan.entries, walkDirectory(plan.source))) return plan.frozen;
    const code = entriesIdentity(walkDirectory(plan.partial));
    return { codeDir: join(this.#root, hex(code.sha256)), code };
  }

  freezeSync(latest: VersionRecord): FrozenCode | undefined {
    const plan = this.#plan(latest);
    if (plan === undefined || plan.exists) return plan?.frozen;
    try {
      copyEntriesSync(plan.entries, plan.partial);
      const frozen = this.#copied({ ...plan, source: latest.config.codeDir });
      if (existsSync(frozen.codeDir)) rmSync(plan.partial, { recursive: true, force: true });
      else renameSync(plan.partial, frozen.codeDir);
      return frozen;
    } catch (error) {
      rmSync(plan.partial, { recursive: true, force: true });
      throw error;
    }
  }

  async freeze(latest: VersionRecord): Promise<FrozenCode | undefined> {
    const plan = this.#plan(latest);
    if (plan === undefined || plan.exists) return plan?.frozen;
    try {
      await copyEntries(plan.entries, plan.partial);
      const frozen = this.#copied({ ...plan, source: latest.config.codeDir });
      // Another turn (another function with the same code) may have made it meanwhile.
      if (existsSync(frozen.codeDir)) await rm(plan.partial, { recursive: true, force: true });
      else await rename(plan.partial, frozen.codeDir);
      return frozen;
    } catch (error) {
      await rm(plan.partial, { recursive: true, force: true });
      throw error;
    }
  }

  /** Keep the digests read at start, so the next start reads only the files that changed. */
  saveCache(): void {
    this.#cache.save();
  }

  /**
   * At start, once the registry is loaded: remove the snapshots no version uses (their versions
   * were deleted) and partial copies left by a stop during a copy. While serving they stay: a
   * deleted version's snapshot goes at the next start, and no sweep can race a copy.
   *
   * @example snapshots.sweepSync(new Set([...versions].map((record) => record.config.codeDir)));
   */
  sweepSync(used: ReadonlySet<string>): void {
    let names: string[];
    try {
      names = readdirSync(this.#root);
    } catch {
      return;
    }
    for (const name of names) if (!used.has(join(this.#root, name))) rmSync(join(this.#root, name), { recursive: true, force: true });
  }
}
