/**
 * The Node binaries of the runtime matrix and the official clients that run on them.
 *
 * Node: what `lamina serve` runs a `nodejsNN.x` function on, from the same installer
 * (src/runtimes/node-installer.ts `ensureNode`): the host's node for its own major, else the
 * runtimes cache, else downloaded now. Before measuring, each node gets the V8 code cache of our
 * client (`recordCodeCacheFor`, runtime-interface/package/build.ts) unless its loader already
 * accepts one: a fresh install has none, and a row without it measures a compile from source.
 *
 * Official clients: aws-lambda-ric@4 is the project's dev dependency (the client of nodejs24.x and
 * later); Lambda ships the 3.x line on Node 20 and 22: aws-lambda-ric@3.3.0 fetched by
 * bench/lib/official-ric-3.ts, or the package directory at `LAMINA_BENCH_RIC3_DIR`.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { recordCodeCacheFor } from '../../runtime-interface/package/build.js';
import { PROJECT_ROOT, RIC_DIR, RIC_LOADER } from '../../src/platform/paths.js';
import { ensureNode, type EnsureNodeOptions, type ResolvedNode } from '../../src/runtimes/node-installer.js';
import { ensureOfficialRic3, OFFICIAL_RIC_3_DIR } from '../lib/official-ric-3.js';

const run = promisify(execFile);

/** The Node.js majors of the runtime matrix. */
export const MATRIX_MAJORS = [20, 22, 24, 26] as const;
export type NodeMajor = (typeof MATRIX_MAJORS)[number];

/** What the loader says of the code cache on a node (`--check-code-cache`). */
export type CodeCacheState = 'accepted' | 'rejected' | 'missing';

/** A major's node, ready to measure, or why it cannot run. */
export type BenchNode =
  | { readonly major: NodeMajor; readonly path: string; readonly version: string; readonly source: ResolvedNode['source']; readonly codeCache: CodeCacheState; readonly recorded: boolean; readonly reason?: undefined }
  | { readonly major: NodeMajor; readonly path?: undefined; readonly reason: string };

/**
 * Ask our client's loader whether V8 accepts its code cache on this node.
 *
 * @example await codeCacheState('/usr/bin/node') // 'accepted'
 */
export async function codeCacheState(nodePath: string, loader: string = RIC_LOADER): Promise<CodeCacheState> {
  const { stdout } = await run(nodePath, [loader, '--check-code-cache'], { timeout: 30_000 });
  const state = stdout.trim();
  if (state === 'accepted' || state === 'rejected' || state === 'missing') return state;
  throw new Error(`${loader} --check-code-cache on ${nodePath} printed ${JSON.stringify(state)}`);
}

export interface PrepareOptions extends EnsureNodeOptions {
  /** The built client (dist/ric): where the loader and the code caches are. */
  readonly ricDir?: string;
}

/**
 * Install (when missing) the node of each major and make sure our client's code cache is accepted
 * on it, recording one when it is not.
 *
 * @example
 * const nodes = await prepareBenchNodes([22, 24]); // [{ major: 22, path: '.../node-v22.23.5/bin/node', codeCache: 'accepted', recorded: false, ... }, ...]
 */
export async function prepareBenchNodes(majors: readonly NodeMajor[], options: PrepareOptions = {}): Promise<BenchNode[]> {
  const ricDir = options.ricDir ?? RIC_DIR;
  const loader = join(ricDir, 'lamina-ric-start.cjs');
  const nodes: BenchNode[] = [];
  for (const major of majors) {
    try {
      const node = await ensureNode(major, options);
      let codeCache = await codeCacheState(node.path, loader);
      let recorded = false;
      if (codeCache !== 'accepted') {
        const made = await recordCodeCacheFor(node.path, ricDir);
        if (made.problem !== undefined) throw new Error(`no code cache for node ${node.version}: ${made.problem}`);
        codeCache = await codeCacheState(node.path, loader);
        recorded = true;
      }
      nodes.push({ major, path: node.path, version: node.version, source: node.source, codeCache, recorded });
    } catch (error) {
      nodes.push({ major, reason: error instanceof Error ? error.message.split('\n')[0] ?? error.message : String(error) });
    }
  }
  return nodes;
}

/** One line per node for the report: where it came from and the state of the code cache. */
export function codeCacheNote(nodes: readonly BenchNode[]): string {
  const parts = nodes.map((n) =>
    n.path === undefined ? `Node ${n.major}: ${n.reason}` : `node ${n.version} (${n.source}): code cache ${n.codeCache}${n.recorded ? ' (recorded before measuring)' : ''}`,
  );
  return `Our client's V8 code cache, checked with the loader's --check-code-cache before measuring: ${parts.join('; ')}.`;
}

/** A package directory's version. */
function packageVersion(dir: string): string | undefined {
  try {
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : undefined;
  } catch {
    return undefined;
  }
}

/** An official client: its package directory, version, and the module a runtime starts. */
export type OfficialRic = { readonly path: string; readonly version: string; readonly entry: string; readonly reason?: undefined } | { readonly path?: undefined; readonly reason: string };

/**
 * The official aws-lambda-ric of a line: 4 (the dev dependency, started by its `index.mjs`) or 3
 * (`LAMINA_BENCH_RIC3_DIR`, else 3.3.0 fetched once; its `dist/index.mjs` exports `run`).
 *
 * @example findOfficialRic(4) // { path: '<root>/node_modules/aws-lambda-ric', version: '4.0.2', entry: '<...>/index.mjs' }
 */
export function findOfficialRic(line: 3 | 4, env: NodeJS.ProcessEnv = process.env, fetch3: () => string | undefined = ensureOfficialRic3): OfficialRic {
  const custom = line === 3 ? env.LAMINA_BENCH_RIC3_DIR : undefined;
  const dir = line === 4 ? join(PROJECT_ROOT, 'node_modules', 'aws-lambda-ric') : custom !== undefined && custom !== '' ? custom : OFFICIAL_RIC_3_DIR;
  if (dir === OFFICIAL_RIC_3_DIR) {
    const problem = fetch3();
    if (problem !== undefined) return { reason: `aws-lambda-ric@3: ${problem}` };
  }
  const version = packageVersion(dir);
  const entry = join(dir, line === 4 ? 'index.mjs' : join('dist', 'index.mjs'));
  if (version === undefined || !version.startsWith(`${line}.`)) return { reason: `aws-lambda-ric@${line} is not in ${dir} (found ${version ?? 'no package.json'})` };
  if (!existsSync(entry) || !existsSync(join(entry, '..', 'rapid-client.node'))) return { reason: `${entry} or its rapid-client.node addon is missing` };
  return { path: dir, version, entry };
}
