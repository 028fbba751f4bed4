/**
 * Watching directory trees for hot reload (docs/hot-reload.md): one non-recursive `fs.watch` per
 * directory. Node 20's `{ recursive: true }` on Linux watches every file's inode as well, and
 * misses every save after the first atomic one (an editor's write-then-rename replaces the inode
 * it watched), so it cannot be used. A directory's inotify watch reports its entries' writes,
 * creations, deletions and renames by name, which is all a reload needs: the digest of the code
 * decides what changed, the watcher only says where to look.
 */
import { type FSWatcher, lstatSync, readdirSync, watch } from 'node:fs';
import { join, sep } from 'node:path';

/** A directory to watch: `deep` for a code or layer tree, shallow for the template's folder. */
export interface WatchRoot {
  readonly dir: string;
  readonly deep: boolean;
}

export interface TreeWatcherOptions {
  /** Told every changed path (a file, a directory, or a watched directory itself). */
  readonly onPath: (path: string) => void;
  /** Paths neither reported nor descended into (the state directory when it lies in a code tree). */
  readonly ignore?: (path: string) => boolean;
}

/** `path` is `dir` or inside it. @example isUnder('/a/b/c', '/a/b') // true */
export function isUnder(path: string, dir: string): boolean {
  return path === dir || path.startsWith(dir.endsWith(sep) ? dir : dir + sep);
}

/** Subdirectories of `dir`, depth first, without following links (a followed link may loop). */
function subdirectories(dir: string, ignore: (path: string) => boolean): string[] {
  const found: string[] = [];
  let names;
  try {
    names = readdirSync(dir, { withFileTypes: true });
  } catch {
    return found;
  }
  for (const entry of names) {
    if (!entry.isDirectory()) continue;
    const path = join(dir, entry.name);
    if (ignore(path)) continue;
    found.push(path, ...subdirectories(path, ignore));
  }
  return found;
}

/**
 * @example
 * const watcher = new TreeWatcher({ onPath: (path) => batcher.add(path) });
 * watcher.setRoots([{ dir: '/project/src', deep: true }, { dir: '/project', deep: false }]);
 * watcher.close();
 */
export class TreeWatcher {
  readonly #options: TreeWatcherOptions;
  readonly #ignore: (path: string) => boolean;
  /** Watched directories, each with whether new subdirectories of it are watched too. */
  readonly #watched = new Map<string, { readonly watcher: FSWatcher; readonly deep: boolean }>();
  #closed = false;

  constructor(options: TreeWatcherOptions) {
    this.#options = options;
    this.#ignore = options.ignore ?? (() => false);
  }

  /** How many directories are watched (one inotify watch each). */
  get size(): number {
    return this.#watched.size;
  }

  /** Watch exactly these roots (and the trees of deep ones): new directories are added, the others closed. */
  setRoots(roots: readonly WatchRoot[]): void {
    if (this.#closed) return;
    const wanted = new Map<string, boolean>();
    for (const root of roots) {
      if (root.deep) for (const dir of [root.dir, ...subdirectories(root.dir, this.#ignore)]) wanted.set(dir, true);
      else if (!wanted.has(root.dir)) wanted.set(root.dir, false);
    }
    for (const [dir, state] of this.#watched) {
      if (wanted.get(dir) !== state.deep) this.#unwatch(dir);
    }
    for (const [dir, deep] of wanted) if (!this.#watched.has(dir)) this.#watch(dir, deep);
  }

  close(): void {
    this.#closed = true;
    for (const dir of [...this.#watched.keys()]) this.#unwatch(dir);
  }

  #watch(dir: string, deep: boolean): void {
    let watcher: FSWatcher;
    try {
      // Not persistent: a watcher never keeps the process alive; `close` ends them at stop.
      watcher = watch(dir, { persistent: false }, (event, name) => this.#event(dir, deep, event, name));
    } catch {
      return; // Gone (or unreadable) between the listing and the watch: its parent's event covers it.
    }
    // A watched directory that is removed ends its watch; the parent's event reports the removal.
    watcher.on('error', () => this.#unwatch(dir));
    this.#watched.set(dir, { watcher, deep });
  }

  #unwatch(dir: string): void {
    this.#watched.get(dir)?.watcher.close();
    this.#watched.delete(dir);
  }

  #event(dir: string, deep: boolean, event: string, name: string | Buffer | null): void {
    if (this.#closed) return;
    const path = name === null ? dir : join(dir, name.toString());
    if (this.#ignore(path)) return;
    if (deep && event === 'rename') this.#renamed(path);
    this.#options.onPath(path);
  }

  /** An entry appeared or went: a new directory's tree is watched now, a removed one's watches end. */
  #renamed(path: string): void {
    let isDirectory = false;
    try {
      isDirectory = lstatSync(path).isDirectory();
    } catch {
      /* removed */
    }
    if (isDirectory) {
      for (const dir of [path, ...subdirectories(path, this.#ignore)]) if (!this.#watched.has(dir)) this.#watch(dir, true);
      return;
    }
    for (const dir of [...this.#watched.keys()]) if (isUnder(dir, path)) this.#unwatch(dir);
  }
}
