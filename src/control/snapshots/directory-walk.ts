/**
 * A code directory read as the package a zip of it would be (docs/deployment-packages.md, "Code
 * that is a directory"): its files, directories and symlinks by package-relative path, in one
 * sorted list that both the digest and the snapshot copy use, so what is hashed is what is copied.
 *
 * Symlinks follow the package rules: a link whose target stays inside the directory (resolved
 * through the directory's other links, `linkStaysInside`) is kept as a link with its target
 * unchanged, as Lamina's zip extraction keeps it; a link that leaves the directory (absolute, or
 * climbing out) is followed, as `zip -r` follows it, and what it names is packaged in its place.
 * A link that leaves and names nothing is left out: no packager can store it.
 */
import { lstatSync, readdirSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { linkStaysInside } from '../zip-entry-path.js';

export type WalkEntry =
  | { readonly kind: 'file'; readonly path: string; readonly source: string; readonly mode: number; readonly size: number; readonly mtimeMs: number; readonly ctimeMs: number }
  | { readonly kind: 'directory'; readonly path: string; readonly mode: number }
  | { readonly kind: 'symlink'; readonly path: string; readonly target: string };

/** Permission bits as a zip keeps them: setuid, setgid and sticky are dropped (docs/deployment-packages.md, "File modes"). */
const PERMISSIONS = 0o777;

function byPath(a: WalkEntry, b: WalkEntry): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

/**
 * Every entry under `root`, sorted by path (plain code-unit order, so the same on every host).
 *
 * @example walkDirectory('/project/src') // [{ kind: 'file', path: 'app.js', mode: 0o644, ... }]
 */
export function walkDirectory(root: string): WalkEntry[] {
  const entries: WalkEntry[] = [];
  const links = new Map<string, string>();
  const pendingLinks: { path: string; source: string; target: string }[] = [];
  // Real directories entered, so a followed link that loops back is walked once.
  const entered = new Set<string>([realpathSync(root)]);
  const visit = (dir: string, prefix: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const source = join(dir, name);
      const path = prefix === '' ? name : `${prefix}/${name}`;
      const stat = lstatSync(source);
      if (stat.isSymbolicLink()) {
        const target = readlinkSync(source);
        links.set(path, target);
        pendingLinks.push({ path, source, target });
      } else if (stat.isDirectory()) {
        entries.push({ kind: 'directory', path, mode: stat.mode & PERMISSIONS });
        visit(source, path);
      } else if (stat.isFile()) {
        entries.push({ kind: 'file', path, source, mode: stat.mode & PERMISSIONS, size: stat.size, mtimeMs: stat.mtimeMs, ctimeMs: stat.ctimeMs });
      }
      // Devices, FIFOs and sockets: no package holds one.
    }
  };
  const follow = (path: string, source: string): void => {
    let stat;
    try {
      stat = statSync(source);
    } catch {
      return; // A link out of the directory to nothing.
    }
    if (stat.isDirectory()) {
      const real = realpathSync(source);
      if (entered.has(real)) return;
      entered.add(real);
      entries.push({ kind: 'directory', path, mode: stat.mode & PERMISSIONS });
      const before = pendingLinks.length;
      visit(real, path);
      // Links found under a followed directory are judged like any other.
      for (const link of pendingLinks.splice(before)) resolveLink(link);
    } else if (stat.isFile()) {
      entries.push({ kind: 'file', path, source: realpathSync(source), mode: stat.mode & PERMISSIONS, size: stat.size, mtimeMs: stat.mtimeMs, ctimeMs: stat.ctimeMs });
    }
  };
  const resolveLink = (link: { path: string; source: string; target: string }): void => {
    if (linkStaysInside(link.path, link.target, links)) entries.push({ kind: 'symlink', path: link.path, target: link.target });
    else follow(link.path, link.source);
  };
  visit(root, '');
  // Every link's target is known only once the walk is done (a link may go through a later one).
  for (const link of pendingLinks.splice(0)) resolveLink(link);
  return entries.sort(byPath);
}
