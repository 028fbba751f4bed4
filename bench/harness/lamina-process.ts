/**
 * `lamina serve` as the benchmarks run it: its own process (the load generator never shares an
 * event loop with what it measures), a clean environment, an ephemeral port, a generated template.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startProcess, type Started } from '../lib/processes.js';

export interface LaminaServe extends Started {
  readonly pid: number;
  /** The `Limits:` line it printed at start (what the kernel lets it enforce). */
  readonly limits: string;
  /** Function logs printed since it was ready (only when started with `{ logs: true }`; else ''). */
  logs(): string;
}

/**
 * Start `lamina serve --quiet --port 0 --template <template> ...extra`, ready once it prints its URL.
 *
 * @example
 * const lamina = await startLaminaServe('/tmp/t/template.yaml', ['--no-limits']);
 * await lamina.stop();
 */
export async function startLaminaServe(template: string, extra: readonly string[] = [], options: { logs?: boolean } = {}): Promise<LaminaServe> {
  // Each server its own state directory (one `lamina serve` per directory; a scenario may run two
  // of one template side by side), unless the scenario chose one.
  const own = extra.includes('--state-dir') ? undefined : mkdtempSync(join(tmpdir(), 'lamina-bench-state-'));
  const started = await startProcess(
    process.execPath,
    ['bin/lamina.js', 'serve', ...(options.logs === true ? [] : ['--quiet']), '--port', '0', '--shutdown-grace', '0', '--template', template, ...(own === undefined ? [] : ['--state-dir', own]), ...extra],
    / on (http:\/\/[\d.:]+)/,
  ).catch((error: unknown) => {
    if (own !== undefined) rmSync(own, { recursive: true, force: true });
    throw error;
  });
  const stop = async (): Promise<void> => {
    await started.stop();
    if (own !== undefined) rmSync(own, { recursive: true, force: true });
  };
  let logs = '';
  // A REPORT line the log tail cannot carry (extensions still at work when the runtime answered) is read here.
  if (options.logs === true) started.child.stdout?.on('data', (chunk: Buffer) => (logs += chunk.toString()));
  return { ...started, stop, pid: started.child.pid as number, limits: /^Limits: (.*)$/m.exec(started.banner)?.[1] ?? '(not printed)', logs: () => logs };
}
