/**
 * lambda-local@2 as a whole-emulator peer. lambda-local is a library that runs a handler in the
 * calling process; to keep it out of the load generator's process (as Lamina's server is), it runs
 * inside a small host process (bench/peers/lambda-local-host.ts) that puts its `execute()` behind
 * the Lambda Invoke path and adds nothing else.
 *
 * What "cold" means here: lambda-local has no environment to keep or recycle (warm, it
 * re-requires the handler file on every invoke in the same process), so `cold: true` runs every
 * invoke in a new host process (`node lambda-local-host.js once`): node start, lambda-local's load,
 * the handler's load and the invoke. lambda-local applies no memory limit (MemorySize is only
 * passed as AWS_LAMBDA_FUNCTION_MEMORY_SIZE).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ROOT } from '../lib/processes.js';
import { ensureInstalled, installProblem, type PeerPackages } from './install-cache.js';
import { invokeApiPeer, spawnReady, stopChild } from './peer-process.js';
import type { Peer, PeerFunction, RunningPeer } from './types.js';

export const LAMBDA_LOCAL_PACKAGES: PeerPackages = { key: 'lambda-local@2.2.0', packages: ['lambda-local@2.2.0'] };

/** The host is compiled with the rest of bench/ (`npm run build`). */
export const LAMBDA_LOCAL_HOST = join(ROOT, 'dist', 'bench', 'peers', 'lambda-local-host.js');

export interface ResolvedHandler {
  readonly file: string;
  readonly exportName: string;
  readonly esm: boolean;
}

function packageType(dir: string): string | undefined {
  for (let current = dir; ; current = dirname(current)) {
    const file = join(current, 'package.json');
    if (existsSync(file)) return (JSON.parse(readFileSync(file, 'utf8')) as { type?: string }).type;
    if (dirname(current) === current) return undefined;
  }
}

/**
 * The file and export a Lambda `Handler` setting names, found as the Node runtime finds them
 * (`.js`, `.mjs`, `.cjs`; `.js` is ESM under `"type": "module"`).
 *
 * @example
 * resolveHandler('/code', 'index.handler'); // { file: '/code/index.js', exportName: 'handler', esm: false }
 */
export function resolveHandler(handlerDir: string, handler: string): ResolvedHandler {
  const dot = handler.lastIndexOf('.');
  if (dot <= 0 || dot === handler.length - 1) throw new Error(`handler "${handler}" is not of the form file.export`);
  const base = join(handlerDir, handler.slice(0, dot));
  const exportName = handler.slice(dot + 1);
  for (const extension of ['.js', '.mjs', '.cjs']) {
    const file = base + extension;
    if (!existsSync(file)) continue;
    const esm = extension === '.mjs' || (extension === '.js' && packageType(dirname(file)) === 'module');
    return { file, exportName, esm };
  }
  throw new Error(`no ${base}.js, .mjs or .cjs for handler "${handler}"`);
}

function hostEnv(fn: PeerFunction): Record<string, string> {
  // lambda-local keeps variables already set: these stand in for its free-memory guess.
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', AWS_LAMBDA_FUNCTION_NAME: fn.name, AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb) };
}

function hostArgs(mode: 'serve' | 'once', installDir: string, fn: PeerFunction, resolved: ResolvedHandler): string[] {
  return [LAMBDA_LOCAL_HOST, mode, installDir, resolved.file, resolved.exportName, String(fn.timeoutSeconds * 1000), resolved.esm ? '1' : '0'];
}

/** Cold: one host process per invoke; the answer comes back on fd 3 as `<status>\n<body>`. */
function processPerInvoke(name: string, installDir: string, fn: PeerFunction, resolved: ResolvedHandler): RunningPeer {
  const live = new Set<ChildProcess>();
  return {
    name,
    invoke(payload) {
      return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, hostArgs('once', installDir, fn, resolved), { cwd: fn.handlerDir, env: hostEnv(fn), stdio: ['pipe', 'ignore', 'pipe', 'pipe'] });
        live.add(child);
        const answer: Buffer[] = [];
        let errors = '';
        child.stdio[3]?.on('data', (chunk: Buffer) => answer.push(chunk));
        child.stderr?.on('data', (chunk: Buffer) => {
          errors = (errors + chunk.toString()).slice(-4000);
        });
        child.once('error', reject);
        child.once('close', (code, signal) => {
          live.delete(child);
          const text = Buffer.concat(answer);
          const newline = text.indexOf(10);
          const status = Number(text.subarray(0, Math.max(newline, 0)).toString());
          if (newline <= 0 || !Number.isInteger(status)) {
            reject(new Error(`lambda-local host exited (${signal ?? `code ${code}`}) without an answer: ${errors.trim()}`));
          } else {
            resolve({ status, body: new Uint8Array(text.subarray(newline + 1)) });
          }
        });
        child.stdin?.end(payload);
      });
    },
    async stop() {
      await Promise.all([...live].map((child) => stopChild(child, 1000)));
    },
  };
}

async function start(fn: PeerFunction, cold: boolean): Promise<RunningPeer> {
  const installDir = await ensureInstalled(LAMBDA_LOCAL_PACKAGES);
  const resolved = resolveHandler(fn.handlerDir, fn.handler);
  if (cold) return processPerInvoke(LAMBDA_LOCAL_PACKAGES.key, installDir, fn, resolved);
  const { child, match } = await spawnReady(process.execPath, hostArgs('serve', installDir, fn, resolved), {
    cwd: fn.handlerDir,
    env: hostEnv(fn),
    ready: /lambda-local host on (http:\/\/[\d.]+:\d+)/,
    timeoutMs: 30_000,
  });
  return invokeApiPeer(LAMBDA_LOCAL_PACKAGES.key, match[1] ?? '', fn, () => stopChild(child));
}

/**
 * @example
 * const peer = lambdaLocalPeer();
 * if ((await peer.available()) === undefined) {
 *   const running = await peer.start({ name: 'Echo', handlerDir, handler: 'index.handler', memoryMb: 1024, timeoutSeconds: 30 }, { cold: true });
 *   await running.invoke(Buffer.from('{"a":1}')); await running.stop();
 * }
 */
export function lambdaLocalPeer(): Peer {
  return {
    name: LAMBDA_LOCAL_PACKAGES.key,
    async available() {
      if (!existsSync(LAMBDA_LOCAL_HOST)) return `${LAMBDA_LOCAL_HOST} is missing (run npm run build)`;
      return installProblem(LAMBDA_LOCAL_PACKAGES);
    },
    start: (fn, options) => start(fn, options.cold),
  };
}
