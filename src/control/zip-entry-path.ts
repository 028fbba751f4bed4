/**
 * What one zip entry is, where it may land and with which mode: the pure half of extracting a
 * deployment package (docs/deployment-packages.md). Nothing here touches the disk.
 *
 * Names are decoded here rather than by yauzl so that a hostile name (`../x`, `/etc/x`, `C:x`)
 * is told apart from a corrupt archive: yauzl would report both as one error.
 */
import yauzl from 'yauzl';

export type EntryKind = 'file' | 'directory' | 'symlink';

/** An entry's kind, its package-relative path (no `.`, no empty segments, no trailing `/`) and its permission bits. */
export interface EntryPlan {
  readonly kind: EntryKind;
  readonly path: string;
  readonly mode: number;
}

/** Why an entry cannot be extracted: `unsafe` for zip-slip and special files, `invalid` for an undecodable name. */
export interface EntryRefusal {
  readonly refusal: 'unsafe' | 'invalid';
  readonly detail: string;
}

const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
/** The `made by` hosts whose external attributes hold a Unix mode: Unix (3) and OS X (19). */
const UNIX_HOSTS = new Set([3, 19]);
/** The MS-DOS directory attribute, set by zippers on Windows. */
const DOS_DIRECTORY = 0x10;

/**
 * The entry's name as a safe package-relative path, or why not. Backslashes count as separators
 * (zips made on Windows use them), so `..\x` is caught as `../x`.
 *
 * @example
 * safeEntryPath('./lib//a.js'); // 'lib/a.js'
 * safeEntryPath('../etc/passwd'); // { refusal: 'unsafe', detail: "entry '../etc/passwd' climbs out of the package" }
 */
export function safeEntryPath(name: string): string | EntryRefusal {
  if (name.includes('\0')) return { refusal: 'unsafe', detail: `entry ${JSON.stringify(name)} has a NUL byte in its name` };
  const slashed = name.replace(/\\/g, '/');
  if (slashed.startsWith('/')) return { refusal: 'unsafe', detail: `entry '${name}' is an absolute path` };
  if (/^[a-zA-Z]:/.test(slashed)) return { refusal: 'unsafe', detail: `entry '${name}' names a drive` };
  const segments = slashed.split('/').filter((segment) => segment !== '' && segment !== '.');
  if (segments.includes('..')) return { refusal: 'unsafe', detail: `entry '${name}' climbs out of the package` };
  if (segments.length === 0) return { refusal: 'invalid', detail: `entry '${name}' names no file` };
  return segments.join('/');
}

/**
 * Kind and mode of an entry from its "made by" host and external attributes. A Unix mode is
 * kept to its permission bits (setuid, setgid and sticky dropped: nothing in a package needs
 * them and a host should not grant them); a zip without one gets 0644 files and 0755 directories,
 * which is what Lambda's runtime user can read.
 *
 * @example
 * entryKindAndMode(0x0314, (0o100755 << 16) >>> 0, 'bootstrap'); // { kind: 'file', mode: 0o755 }
 */
export function entryKindAndMode(versionMadeBy: number, externalAttributes: number, name: string): { kind: EntryKind; mode: number } | EntryRefusal {
  const unixMode = UNIX_HOSTS.has(versionMadeBy >>> 8) ? externalAttributes >>> 16 : 0;
  const endsWithSlash = name.endsWith('/') || name.endsWith('\\');
  if (unixMode === 0) {
    const directory = endsWithSlash || (externalAttributes & DOS_DIRECTORY) !== 0;
    return directory ? { kind: 'directory', mode: 0o755 } : { kind: 'file', mode: 0o644 };
  }
  const type = unixMode & S_IFMT;
  const mode = unixMode & 0o777;
  if (type === S_IFLNK) return { kind: 'symlink', mode };
  if (type === S_IFDIR || endsWithSlash) return { kind: 'directory', mode };
  // Zippers that store no type bits (type 0) mean a regular file.
  if (type === S_IFREG || type === 0) return { kind: 'file', mode };
  return { refusal: 'unsafe', detail: `entry '${name}' is a device, FIFO or socket (mode ${unixMode.toString(8)})` };
}

/**
 * The plan for a yauzl entry read with `decodeStrings: false`: its decoded name checked, kind and mode.
 *
 * @example
 * const plan = planEntry(entry); // { kind: 'file', path: 'index.mjs', mode: 0o644 }
 */
export function planEntry(entry: yauzl.Entry): EntryPlan | EntryRefusal {
  const raw = entry.fileName as unknown;
  const name = Buffer.isBuffer(raw) ? yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, raw, entry.extraFields, false) : String(raw);
  const path = safeEntryPath(name);
  if (typeof path !== 'string') return path;
  const kind = entryKindAndMode(entry.versionMadeBy, entry.externalFileAttributes, name);
  if ('refusal' in kind) return kind;
  return { ...kind, path };
}

/** Linux gives up after 40 links in one lookup (ELOOP); so does the check. */
const MAX_LINK_HOPS = 40;

/**
 * Whether a symlink at `linkPath` (package-relative) pointing at `target` stays inside the
 * package, resolving as the kernel would: through the package's other links (`links`, path to
 * target), since `l -> .` then `out -> l/..` leaves the package although `l/..` looks harmless
 * on paper. Absolute targets are refused: on the host they would name the host's files. A loop
 * counts as leaving.
 *
 * @example
 * linkStaysInside('lib/current', '../vendor/v2'); // true
 * linkStaysInside('evil', '/etc/passwd'); // false
 * linkStaysInside('out', 'l/..', new Map([['l', '.']])); // false
 */
export function linkStaysInside(linkPath: string, target: string, links: ReadonlyMap<string, string> = new Map()): boolean {
  const parent = linkPath.split('/').slice(0, -1);
  return resolveInside(parent, target, links, 0) !== undefined;
}

/** The segments `target` names from the directory `from`, or undefined when it leaves the package. */
function resolveInside(from: readonly string[], target: string, links: ReadonlyMap<string, string>, hops: number): string[] | undefined {
  if (target === '' || target.includes('\0')) return undefined;
  const slashed = target.replace(/\\/g, '/');
  if (slashed.startsWith('/') || /^[a-zA-Z]:/.test(slashed)) return undefined;
  let at = [...from];
  for (const segment of slashed.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (at.length === 0) return undefined;
      at.pop();
      continue;
    }
    at.push(segment);
    const next = links.get(at.join('/'));
    if (next === undefined) continue;
    if (hops >= MAX_LINK_HOPS) return undefined;
    const resolved = resolveInside(at.slice(0, -1), next, links, hops + 1);
    if (resolved === undefined) return undefined;
    at = resolved;
  }
  return at;
}

/**
 * The first proper ancestor of `path` that is in `links`, if any: an entry written below a
 * symlink would be written wherever the link points.
 *
 * @example
 * linkedAncestor('out/passwd', new Set(['out'])); // 'out'
 */
export function linkedAncestor(path: string, links: ReadonlySet<string>): string | undefined {
  for (let at = path.indexOf('/'); at !== -1; at = path.indexOf('/', at + 1)) {
    const prefix = path.slice(0, at);
    if (links.has(prefix)) return prefix;
  }
  return undefined;
}
