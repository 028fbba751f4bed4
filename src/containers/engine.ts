/**
 * The container engine Lamina drives: podman (preferred, daemonless) or docker, found on PATH and
 * checked to answer `info` once, at start. Every other module goes through {@link ContainerEngine}
 * so the engine's flags that this host needs (`--runtime runc`) are decided in one place.
 */
import { spawn, spawnSync } from 'node:child_process';
import { ConfigError } from '../errors.js';

export type EngineName = 'podman' | 'docker';

export interface ContainerEngine {
  readonly name: EngineName;
  /** Flags put before every subcommand (podman's global `--runtime` / `--cgroup-manager`). */
  readonly globalArgs: readonly string[];
  /** `v1`, `v2` or `unknown`: where a container's memory figures are read. */
  readonly cgroupVersion: string;
  /** One line for `lamina doctor`-style messages. */
  readonly summary: string;
}

export interface EngineProbe {
  /** Engine to use; undefined tries podman, then docker. */
  readonly prefer?: EngineName | undefined;
  /** Run a command, return its status and output (tests replace it). */
  readonly run?: (command: string, args: readonly string[]) => { status: number | null; stdout: string; stderr: string };
}

function runSync(command: string, args: readonly string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 20_000 });
  if (result.error !== undefined) return { status: null, stdout: '', stderr: result.error.message };
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/**
 * Find a working engine. Podman gets `--runtime runc` when runc is installed (crun is not packaged
 * for every host; runc is what this project's CI installs). Podman picks the cgroupfs manager by
 * itself on hosts without systemd.
 *
 * @throws ConfigError (LAMINA_ERR_CONFIG) with each engine's reason when none answers.
 * @example
 * const engine = detectEngine(); // { name: 'podman', globalArgs: ['--runtime', 'runc', ...], ... }
 */
export function detectEngine(probe: EngineProbe = {}): ContainerEngine {
  const run = probe.run ?? runSync;
  const order: EngineName[] = probe.prefer === undefined ? ['podman', 'docker'] : [probe.prefer];
  const reasons: string[] = [];
  for (const name of order) {
    const globalArgs: string[] = [];
    if (name === 'podman') {
      if (run('runc', ['--version']).status === 0) globalArgs.push('--runtime', 'runc');
    }
    const format = name === 'podman' ? '{{.Host.CgroupsVersion}}' : '{{.CgroupVersion}}';
    const info = run(name, [...globalArgs, 'info', '--format', format]);
    if (info.status !== 0) {
      const why = (info.stderr.trim().split('\n')[0] ?? '') || `exit status ${info.status ?? 'none (not installed?)'}`;
      reasons.push(`${name}: ${why}`);
      continue;
    }
    const raw = info.stdout.trim();
    const cgroupVersion = raw === '1' || raw === 'v1' ? 'v1' : raw === '2' || raw === 'v2' ? 'v2' : 'unknown';
    const runtime = globalArgs.includes('runc') ? ', runtime runc' : '';
    return { name, globalArgs, cgroupVersion, summary: `${name} (cgroups ${cgroupVersion}${runtime})` };
  }
  throw new ConfigError(`no container engine can be used: ${reasons.join('; ')}`);
}

export interface EngineResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Run an engine subcommand to completion, with its output collected.
 *
 * @example
 * const { code, stdout } = await runEngine(engine, ['images', '-q', 'lamina/base:local']);
 */
export function runEngine(engine: ContainerEngine, args: readonly string[], options: { input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<EngineResult> {
  return new Promise((resolve) => {
    const child = spawn(engine.name, [...engine.globalArgs, ...args], {
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      ...(options.env === undefined ? {} : { env: options.env }),
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', (error) => resolve({ code: null, stdout, stderr: stderr + error.message }));
    child.once('close', (code) => resolve({ code, stdout, stderr }));
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/**
 * Run an engine subcommand; its output when it succeeds, else an error with its stderr.
 * @example const id = (await engineOutput(engine, ['import', 'rootfs.tar', 'lamina/base:local'])).trim();
 */
export async function engineOutput(engine: ContainerEngine, args: readonly string[]): Promise<string> {
  const result = await runEngine(engine, args);
  if (result.code !== 0) {
    throw new Error(`${engine.name} ${args[0] ?? ''} failed (exit ${result.code ?? 'none'}): ${result.stderr.trim() || result.stdout.trim()}`);
  }
  return result.stdout;
}

/**
 * Does the engine hold this image locally?
 * @example if (!(await imageExists(engine, 'lamina/base:local'))) await buildBaseImage(engine);
 */
export async function imageExists(engine: ContainerEngine, image: string): Promise<boolean> {
  const result = await runEngine(engine, ['image', 'inspect', '--format', '{{.Id}}', image]);
  return result.code === 0;
}
