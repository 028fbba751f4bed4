/**
 * Which Node binary a runtime-matrix row runs on, and where the official client of each line is.
 *
 * Node: the runtimes cache (`LAMINA_RUNTIMES_DIR`, else `~/.cache/lamina/runtimes`), newest
 * `node-v<major>.*` first; then `LAMINA_BENCH_NODE_<major>`; then the node running the bench when
 * its major matches. (Once the installer lands this becomes its `ensureNode(major)`.)
 *
 * Official clients: aws-lambda-ric@4 is the project's dev dependency; Lambda ships the 3.x line on
 * Node 20 and 22, found at `LAMINA_BENCH_RIC3_DIR` (a package directory) or as
 * `node_modules/aws-lambda-ric-3`.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../src/platform/paths.js';

export type Found = { readonly path: string; readonly version: string; readonly reason?: undefined } | { readonly path?: undefined; readonly reason: string };

/** The runtimes cache root the installer uses. */
export function runtimesRoot(env: NodeJS.ProcessEnv = process.env): string {
  return env.LAMINA_RUNTIMES_DIR ?? join(homedir(), '.cache', 'lamina', 'runtimes');
}

/** Compare `a.b.c` versions numerically. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i += 1) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

const versionOfNode = (path: string): string => /node-v(\d+\.\d+\.\d+)/.exec(path)?.[1] ?? 'unknown';

/**
 * The Node binary for a major, or why there is none.
 *
 * @example findBenchNode(24) // { path: '/root/.cache/lamina/runtimes/node-v24.22.3/bin/node', version: '24.22.3' }
 */
export function findBenchNode(major: number, env: NodeJS.ProcessEnv = process.env, hostVersion = process.versions.node, hostPath = process.execPath): Found {
  const root = runtimesRoot(env);
  const cached = (existsSync(root) ? readdirSync(root) : [])
    .map((name) => /^node-v(\d+)\.(\d+)\.(\d+)/.exec(name))
    .filter((m): m is RegExpExecArray => m !== null && Number(m[1]) === major)
    .map((m) => ({ version: `${m[1]}.${m[2]}.${m[3]}`, path: join(root, m[0], 'bin', 'node') }))
    .filter((c) => existsSync(c.path))
    .sort((a, b) => compareVersions(b.version, a.version));
  if (cached[0] !== undefined) return cached[0];
  const fromEnv = env[`LAMINA_BENCH_NODE_${major}`];
  if (fromEnv !== undefined && fromEnv !== '') {
    return existsSync(fromEnv) ? { path: fromEnv, version: versionOfNode(fromEnv) } : { reason: `LAMINA_BENCH_NODE_${major}=${fromEnv} does not exist` };
  }
  if (Number(hostVersion.split('.')[0]) === major) return { path: hostPath, version: hostVersion };
  return { reason: `no Node ${major}: none in ${root} (lamina runtimes install), no LAMINA_BENCH_NODE_${major}, and this node is ${hostVersion}` };
}

/** A package directory's version and its `bin` entry (the runtime's start file). */
function packageEntry(dir: string): { version: string; entry: string } | undefined {
  try {
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version?: unknown; bin?: unknown; main?: unknown };
    const bin = typeof pkg.bin === 'string' ? pkg.bin : typeof pkg.bin === 'object' && pkg.bin !== null ? Object.values(pkg.bin)[0] : pkg.main;
    return typeof pkg.version === 'string' && typeof bin === 'string' ? { version: pkg.version, entry: join(dir, bin) } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The official aws-lambda-ric of a major line (3 or 4): its package directory and start file.
 *
 * @example findOfficialRic(4) // { path: '<root>/node_modules/aws-lambda-ric', version: '4.0.2', entry: '<...>/index.mjs' }
 */
export function findOfficialRic(line: 3 | 4, env: NodeJS.ProcessEnv = process.env): (Found & { readonly entry?: string }) {
  const candidates = line === 4 ? [join(PROJECT_ROOT, 'node_modules', 'aws-lambda-ric')] : [env.LAMINA_BENCH_RIC3_DIR, join(PROJECT_ROOT, 'node_modules', 'aws-lambda-ric-3')].filter((d): d is string => d !== undefined && d !== '');
  for (const dir of candidates) {
    const pkg = packageEntry(dir);
    if (pkg !== undefined && pkg.version.startsWith(`${line}.`) && existsSync(pkg.entry)) return { path: dir, version: pkg.version, entry: pkg.entry };
  }
  return { reason: `aws-lambda-ric@${line} is not installed (looked in ${candidates.join(', ')}${line === 3 ? '; set LAMINA_BENCH_RIC3_DIR to its package directory' : '; npm install'})` };
}
