/**
 * The real `lamina serve` executable as a child process, for end-to-end tests: started with its
 * arguments, waited for until its output matches, stopped with SIGTERM (exit status checked).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../src/platform/paths.js';

export const LAMINA_BIN = join(PROJECT_ROOT, 'bin', 'lamina.js');

export interface ServeProcess {
  readonly child: ChildProcess;
  /** Everything printed so far, stdout and stderr together. */
  output(): string;
  /** SIGTERM, and the exit status. */
  stop(): Promise<number | null>;
}

/**
 * Start `lamina serve ARGS` in `cwd` and resolve once `ready` matches its output; `ready`'s first
 * group is returned (a URL, say). Throws with the output if it exits or takes over `timeoutMs`.
 *
 * @example const { serve, match } = await startServe(['--template', t, '--port', '0'], dir, /on (http:\S+)/);
 */
export async function startServe(args: readonly string[], cwd: string, ready: RegExp, timeoutMs = 60_000): Promise<{ serve: ServeProcess; match: string }> {
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp' };
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
