/**
 * The `CodeSha256` and `CodeSize` of code that is a directory (docs/deployment-packages.md, "Code
 * that is a directory"): a SHA-256 over the sorted (path, kind, mode, content) of its entries, so
 * it changes exactly when a package made of it would (a file's bytes, a name, a mode, a link's
 * target, an empty directory), and not when only times or the order of the disk's listing change.
 * The size is the files' bytes. Files are read once: a `DigestCache` remembers each file's digest
 * with its size and times, and a file whose stat is unchanged is not read again.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { CodeIdentity } from '../../registry/registry-types.js';
import { type WalkEntry, walkDirectory } from './directory-walk.js';

interface CachedFile {
  readonly size: number;
  readonly mtimeMs: number;
  readonly ctimeMs: number;
  readonly sha256: string;
}

/**
 * Files' digests by absolute path, kept in a JSON file of the state directory between starts.
 * An unreadable or foreign file is an empty cache: it only saves reading.
 */
export class DigestCache {
  readonly #file: string | undefined;
  readonly #files = new Map<string, CachedFile>();
  /** Files looked up since the last save: only those are written back, so deleted ones drop out. */
  readonly #used = new Map<string, CachedFile>();

  /** @example const cache = DigestCache.load(join(stateDir, 'code-digests.json')); */
  static load(file: string): DigestCache {
    const cache = new DigestCache(file);
    try {
      const saved = JSON.parse(readFileSync(file, 'utf8')) as unknown;
      if (saved !== null && typeof saved === 'object' && !Array.isArray(saved)) {
        for (const [path, value] of Object.entries(saved as Record<string, unknown>)) {
          const entry = value as Partial<CachedFile> | null;
          if (entry !== null && typeof entry === 'object' && typeof entry.size === 'number' && typeof entry.mtimeMs === 'number' && typeof entry.ctimeMs === 'number' && typeof entry.sha256 === 'string') {
            cache.#files.set(path, { size: entry.size, mtimeMs: entry.mtimeMs, ctimeMs: entry.ctimeMs, sha256: entry.sha256 });
          }
        }
      }
    } catch {
      /* no cache yet, or one that cannot be read: every file is read */
    }
    return cache;
  }

  constructor(file?: string) {
    this.#file = file;
  }

  /** A file's content digest, read only when its size or times changed since it was last read. */
  fileDigest(entry: Extract<WalkEntry, { kind: 'file' }>): string {
    const known = this.#files.get(entry.source);
    if (known !== undefined && known.size === entry.size && known.mtimeMs === entry.mtimeMs && known.ctimeMs === entry.ctimeMs) {
      this.#used.set(entry.source, known);
      return known.sha256;
    }
    const sha256 = createHash('sha256').update(readFileSync(entry.source)).digest('hex');
    const fresh = { size: entry.size, mtimeMs: entry.mtimeMs, ctimeMs: entry.ctimeMs, sha256 };
    this.#files.set(entry.source, fresh);
    this.#used.set(entry.source, fresh);
    return sha256;
  }

  /** Write the files looked up since the last save (atomically: a torn write is no cache, never a wrong one). */
  save(): void {
    if (this.#file === undefined) return;
    mkdirSync(dirname(this.#file), { recursive: true });
    const partial = `${this.#file}.partial`;
    writeFileSync(partial, JSON.stringify(Object.fromEntries(this.#used)));
    renameSync(partial, this.#file);
  }
}

/** One entry's line in the package digest; NUL separates fields, since no path or target holds one. */
function entryLine(entry: WalkEntry, cache: DigestCache): string {
  if (entry.kind === 'directory') return `d\0${entry.path}\0${entry.mode.toString(8)}\0`;
  if (entry.kind === 'symlink') return `l\0${entry.path}\0${entry.target}\0`;
  return `f\0${entry.path}\0${entry.mode.toString(8)}\0${cache.fileDigest(entry)}\0`;
}

/** The identity of walked entries (also used on a snapshot's copy, which must match what was hashed). */
export function entriesIdentity(entries: readonly WalkEntry[], cache: DigestCache = new DigestCache()): CodeIdentity {
  const hash = createHash('sha256');
  let size = 0;
  for (const entry of entries) {
    hash.update(entryLine(entry, cache));
    if (entry.kind === 'file') size += entry.size;
  }
  return { sha256: hash.digest('base64'), size };
}

/**
 * @example directoryIdentity('/project/src') // { sha256: 'q1w2...=', size: 5120 }
 */
export function directoryIdentity(root: string, cache: DigestCache = new DigestCache()): CodeIdentity {
  return entriesIdentity(walkDirectory(root), cache);
}
