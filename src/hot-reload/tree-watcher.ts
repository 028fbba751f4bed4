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
  /** A directory that exists could not be watched (the kernel's inotify limits): told once per reason. */
  readonly onError?: (message: string) => void;
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
  readonly #reported = new Set<string>();

  constructor(options: TreeWatcherOptions) {
    this.#options = options;
    this.#ignore = options.ignore ?? (() => false);
  }

  /** How many directories are watched (one inotify watch each). */
  get size(): number {
    return this.#watched.size;
  }

  /**
   * Watch exactly these roots (and the trees of deep ones): directories no root wants are closed,
   * new roots are walked. A deep root already watched is not walked again: its new directories
   * were added as they appeared.
   */
  setRoots(roots: readonly WatchRoot[]): void {
    if (this.#closed) return;
    const deep = roots.filter((root) => root.deep).map((root) => root.dir);
    const shallow = new Set(roots.filter((root) => !root.deep && !deep.some((dir) => isUnder(root.dir, dir))).map((root) => root.dir));
    for (const [dir, state] of this.#watched) {
      const wanted = state.deep ? deep.some((root) => isUnder(dir, root)) : shallow.has(dir);
      if (!wanted) this.#unwatch(dir);
    }
    for (const root of deep) {
      const state = this.#watched.get(root);
      if (state?.deep === true) continue;
      if (state !== undefined) this.#unwatch(root);
      for (const dir of [root, ...subdirectories(root, this.#ignore)]) if (!this.#watched.has(dir)) this.#watch(dir, true);
    }
    for (const dir of shallow) if (!this.#watched.has(dir)) this.#watch(dir, false);
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
    } catch (error) {
      // Gone between the listing and the watch: its parent's event covers it. Anything else (ENOSPC:
      // fs.inotify.max_user_watches reached) leaves the directory unwatched, and is said once.
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      if (code !== 'ENOENT' && code !== 'ENOTDIR' && !this.#reported.has(code)) {
        this.#reported.add(code);
        this.#options.onError?.(`cannot watch ${dir}: ${(error as Error).message}${code === 'ENOSPC' ? ' (the kernel\'s fs.inotify.max_user_watches is reached; raise it with sysctl)' : ''}`);
      }
      return;
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
    if (event === 'rename') this.#renamed(path, deep);
    this.#options.onPath(path);
  }

  /**
   * An entry appeared or went. A directory watched under that name is stale now (removed, or
   * replaced by another one: a checkout of the whole folder); its watches end, and the directory
   * now there is watched if it was, or if its parent's tree is.
   */
  #renamed(path: string, deepParent: boolean): void {
    const known = this.#watched.get(path);
    if (known === undefined && !deepParent) return;
    let isDirectory = false;
    try {
      isDirectory = lstatSync(path).isDirectory();
    } catch {
      /* removed */
    }
    if (known !== undefined) for (const dir of [...this.#watched.keys()]) if (isUnder(dir, path)) this.#unwatch(dir);
    if (!isDirectory) return;
    if (deepParent || known?.deep === true) {
      for (const dir of [path, ...subdirectories(path, this.#ignore)]) if (!this.#watched.has(dir)) this.#watch(dir, true);
    } else {
      this.#watch(path, false);
    }
  }
}
