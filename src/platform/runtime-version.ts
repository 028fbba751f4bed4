/**
 * The runtime version an environment reports at each init (docs/log-format.md): Lambda's
 * `INIT_START Runtime Version: nodejs:20.v13\tRuntime Version ARN: arn:aws:lambda:<region>::runtime:<64 hex>`
 * and the same two values in the Telemetry API's `platform.initStart`. Lambda numbers its runtime
 * versions itself; Lamina derives them from the interpreter that runs the function, so they stay
 * the same for as long as that interpreter does and change when it is upgraded.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import type { FunctionConfig } from '../config/function-config.js';

export interface RuntimeVersion {
  /** `nodejs:20.v18`, `python:3.12.v1`, `provided:al2023.v1`. */
  readonly runtimeVersion: string;
  readonly runtimeVersionArn: string;
}

/** Full interpreter versions by path: asked once per path, not per environment. */
const interpreterVersions = new Map<string, string>();

/** `20.18.1` for a node, `3.12.1` for a python; '' when it cannot tell. */
function interpreterVersion(path: string, kind: 'node' | 'python'): string {
  if (kind === 'node' && (path === '' || path === process.execPath)) return process.versions.node;
  const known = interpreterVersions.get(path);
  if (known !== undefined) return known;
  const run = spawnSync(path, ['--version'], { encoding: 'utf8', timeout: 5000 });
  const version = /(\d+\.\d+\.\d+)/.exec(`${run.stdout ?? ''} ${run.stderr ?? ''}`)?.[1] ?? '';
  interpreterVersions.set(path, version);
  return version;
}

/**
 * Lambda's runtime name for an identifier: `nodejs20.x` → `nodejs:20`, `python3.12` → `python:3.12`,
 * `provided.al2023` → `provided:al2023`, `java21` → `java:21`.
 *
 * @example runtimeName('nodejs20.x') // 'nodejs:20'
 */
export function runtimeName(runtime: string): string {
  const bare = runtime.replace(/\.x$/, '');
  const provided = /^provided(?:\.(.+))?$/.exec(bare);
  if (provided !== null) return `provided:${provided[1] ?? 'al1'}`;
  const match = /^([a-z]+)(\d.*)$/.exec(bare);
  return match === null ? bare : `${match[1]}:${match[2]}`;
}

/**
 * The version for a function's runtime, or undefined for an image (it brings its own runtime;
 * Lambda manages no runtime version there). The number after `v` is the interpreter's minor
 * release (Node) or patch release (Python); `provided` runtimes have none of Lamina's: `v1`. The
 * ARN's hash covers the full interpreter version and the machine's architecture.
 *
 * @example
 * runtimeVersionOf(fn) // { runtimeVersion: 'nodejs:20.v18', runtimeVersionArn: 'arn:aws:lambda:us-east-1::runtime:6d1c…' }
 */
export function runtimeVersionOf(fn: FunctionConfig): RuntimeVersion | undefined {
  if (fn.image !== undefined) return undefined;
  const launch = fn.launch;
  const name = runtimeName(launch.kind === 'bootstrap' ? fn.runtime : launch.runtime);
  const full = launch.kind === 'node-ric' ? interpreterVersion(launch.node, 'node') : launch.kind === 'python-ric' ? interpreterVersion(launch.python, 'python') : '';
  const parts = full.split('.');
  const number = launch.kind === 'node-ric' ? parts[1] : launch.kind === 'python-ric' ? parts[2] : '1';
  const runtimeVersion = `${name}.v${number === undefined || number === '' ? '1' : number}`;
  const hash = createHash('sha256').update(`${runtimeVersion}\n${full}\n${process.arch}`).digest('hex');
  return { runtimeVersion, runtimeVersionArn: `arn:aws:lambda:${fn.region}::runtime:${hash}` };
}
