/**
 * `lamina bench [scenario...] [options]`: the benchmark harness (bench/cli.ts), loaded only when
 * asked for. Same options as `npm run bench --`; `lamina bench --help` lists them.
 */

/**
 * @example
 * process.exitCode = await benchCommand(['warm', '--quick']);
 */
export async function benchCommand(args: string[]): Promise<number> {
  const { benchMain } = await import('../../bench/cli.js');
  return benchMain(args);
}
