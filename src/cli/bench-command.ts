/**
 * `lamina bench [scenario...] [options]`: the benchmark harness (bench/cli.ts), loaded only when
 * asked for. Same options as `npm run bench --`; `lamina bench --help` lists them, and
 * `lamina bench --compare A.json B.json` prints the ratios B/A between two saved runs.
 */

/**
 * @example
 * process.exitCode = await benchCommand(['warm', '--quick']);
 */
export async function benchCommand(args: string[]): Promise<number> {
  const { benchMain } = await import('../../bench/cli.js');
  return benchMain(args);
}
