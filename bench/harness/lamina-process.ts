/**
 * `lamina serve` as the benchmarks run it: its own process (the load generator never shares an
 * event loop with what it measures), a clean environment, an ephemeral port, a generated template.
 */
import { startProcess, type Started } from '../lib/processes.js';

export interface LaminaServe extends Started {
  readonly pid: number;
  /** The `Limits:` line it printed at start (what the kernel lets it enforce). */
  readonly limits: string;
}

/**
 * Start `lamina serve --quiet --port 0 --template <template> ...extra`, ready once it prints its URL.
 *
 * @example
 * const lamina = await startLaminaServe('/tmp/t/template.yaml', ['--no-limits']);
 * await lamina.stop();
 */
export async function startLaminaServe(template: string, extra: readonly string[] = []): Promise<LaminaServe> {
  const started = await startProcess(
    process.execPath,
    ['bin/lamina.js', 'serve', '--quiet', '--port', '0', '--shutdown-grace', '0', '--template', template, ...extra],
    / on (http:\/\/[\d.:]+)/,
  );
  return { ...started, pid: started.child.pid as number, limits: /^Limits: (.*)$/m.exec(started.banner)?.[1] ?? '(not printed)' };
}
