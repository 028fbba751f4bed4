/**
 * One run of a package tool (npm, apt-get, dpkg-deb) for the SDK stores: no stdin or stdout, a
 * time limit, and on failure the last lines of its stderr in the error (notices dropped).
 */
import { spawn } from 'node:child_process';

export interface ToolRun {
  readonly cwd: string;
  readonly timeoutMs: number;
  /** Named in the error: `npm install @aws-sdk/client-s3`, `apt-get download`. */
  readonly what: string;
  readonly env?: NodeJS.ProcessEnv | undefined;
}

/** The last lines worth reading: npm's `npm ERR!` prefix and apt's `W:` notices dropped. */
function lastLines(text: string): string {
  const lines = text.split('\n').filter((line) => !line.startsWith('W: ')).map((line) => line.replace(/^npm (ERR!|error) ?/, '').trim()).filter((line) => line !== '');
  return lines.slice(-3).join('; ') || 'no message';
}

/**
 * @example await runTool('dpkg-deb', ['-x', deb, dir], { cwd: dir, timeoutMs: 60_000, what: 'dpkg-deb -x' });
 * @throws Error `<what> failed (exit N): <stderr>` or `<what>: spawn ENOENT`
 */
export function runTool(command: string, args: readonly string[], run: ToolRun): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: run.cwd, stdio: ['ignore', 'ignore', 'pipe'], timeout: run.timeoutMs, env: run.env ?? process.env });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
    child.on('error', (error) => reject(new Error(`${run.what}: ${error.message}`)));
    child.on('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`${run.what} failed (${signal ?? `exit ${code}`}): ${lastLines(stderr)}`));
    });
  });
}
