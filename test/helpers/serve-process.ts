/**
 * The real `lamina serve` executable as a child process, for end-to-end tests: started with its
 * arguments, waited for until its output matches, stopped with SIGTERM (exit status checked).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { PROJECT_ROOT } from '../../src/platform/paths.js';

export const LAMINA_BIN = join(PROJECT_ROOT, 'bin', 'lamina.js');

export interface ServeProcess {
  readonly child: ChildProcess;
  /** Everything printed so far, stdout and stderr together. */
  output(): string;
  /** SIGTERM, and the exit status. */
  stop(): Promise<number | null>;
}

/** Environment variables that say how this machine reaches the network; a serve keeps them. */
const NETWORK_SETTINGS = ['NODE_EXTRA_CA_CERTS', 'SSL_CERT_FILE', 'SSL_CERT_DIR', 'HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'NO_PROXY', 'no_proxy', 'npm_config_registry'];

/**
 * Start `lamina serve ARGS` in `cwd` and resolve once `ready` matches its output; `ready`'s first
 * group is returned (a URL, say). Throws with the output if it exits or takes over `timeoutMs`.
 *
 * @example const { serve, match } = await startServe(['--template', t, '--port', '0'], dir, /on (http:\S+)/);
 */
export async function startServe(args: readonly string[], cwd: string, ready: RegExp, timeoutMs = 60_000): Promise<{ serve: ServeProcess; match: string }> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp' };
  // The machine's way to the npm registry (a CA of its own, a proxy), for installs at start.
  for (const name of NETWORK_SETTINGS) if (process.env[name] !== undefined) env[name] = process.env[name] ?? '';
  const child = spawn(process.execPath, [LAMINA_BIN, 'serve', ...args], { env, cwd });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const serve: ServeProcess = {
    child,
    output: () => output,
    stop: async () => {
      if (child.exitCode !== null) return child.exitCode;
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      return exited;
    },
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = ready.exec(output);
    if (found !== null) return { serve, match: found[1] ?? found[0] };
    if (child.exitCode !== null || Date.now() > deadline) {
      await serve.stop();
      throw new Error(`lamina serve did not get ready:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A port free on 127.0.0.1 now, for a server whose address a template must name before it starts. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === 'object' && address !== null ? address.port : 0;
}

/** A scratch project for one test file: a folder, its template, and the `lamina serve` started on it. */
export interface ServeProject {
  readonly dir: string;
  /** The running server (after `start`). */
  readonly serve: ServeProcess | undefined;
  /**
   * Write `template.yaml` and start `lamina serve --template template.yaml --state-dir <dir>/state ARGS`
   * in the folder, resolving once `ready` matches its output.
   */
  start(template: string, args: readonly string[], ready: RegExp): Promise<ServeProcess>;
}

/**
 * A scratch project removed (and its server stopped) after the file's tests.
 *
 * @example
 * const project = serveProject('lamina-queue-loop-');
 * const serve = await project.start(TEMPLATE, ['--port', '0', '--no-limits'], /queued durably/);
 */
export function serveProject(prefix: string): ServeProject {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  let serve: ServeProcess | undefined;
  afterAll(async () => {
    await serve?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    dir,
    get serve() {
      return serve;
    },
    start: async (template, args, ready) => {
      writeFileSync(join(dir, 'template.yaml'), template);
      serve = (await startServe(['--template', 'template.yaml', '--state-dir', join(dir, 'state'), ...args], dir, ready)).serve;
      return serve;
    },
  };
}
