/**
 * A real `lamina rie` process (bin/lamina.js, so `npm run build` first) running the rie test
 * bootstrap, on RIE's single-function path. Its death is a crash; its RSS is read from /proc.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PROJECT_ROOT } from '../../src/platform/paths.js';
import { spawnReady, stopChild } from '../peers/peer-process.js';
import { INVOKE_CORPUS } from './corpus.js';
import { INVOKE_EXPECTATIONS } from './oracle.js';
import { controlInvoke, within, type Surface } from './surface.js';

const BOOTSTRAP = join(PROJECT_ROOT, 'test', 'fixtures', 'rie', 'bootstrap');
const MAX_CONCURRENCY = 3;

/**
 * @example
 * const surface = await startRieSurface();
 */
export async function startRieSurface(): Promise<Surface> {
  const nodeDir = dirname(process.execPath);
  const { child, match } = await spawnReady(
    process.execPath,
    [join(PROJECT_ROOT, 'bin', 'lamina.js'), 'rie', '--runtime-interface-emulator-address', '127.0.0.1:0', '--runtime-api-address', '127.0.0.1:0', '--max-concurrency', String(MAX_CONCURRENCY), '--', BOOTSTRAP],
    {
      cwd: PROJECT_ROOT,
      env: { PATH: `${nodeDir}:/usr/local/bin:/usr/bin:/bin`, HOME: '/tmp', LANG: 'C.UTF-8', AWS_LAMBDA_FUNCTION_TIMEOUT: '5' },
      ready: /listening on 127\.0\.0\.1:(\d+)/,
      timeoutMs: 20_000,
    },
  );
  const port = Number(match[1]);
  const base = `http://127.0.0.1:${port}`;
  const invokeOk = (i: number): Promise<void> =>
    controlInvoke(base, 'function', `{"control":${i}}`, (body) => (JSON.parse(body) as { event?: { control?: number } }).event?.control === i);
  return {
    name: 'rie',
    corpus: INVOKE_CORPUS,
    expectations: INVOKE_EXPECTATIONS,
    prepare: () => Promise.resolve({ host: '127.0.0.1', port, ctx: { host: `127.0.0.1:${port}`, functions: ['function', 'test_function'], requestId: '' } }),
    control: () => invokeOk(0),
    async settle() {
      // Every slot of --max-concurrency is free again: that many at once all answer.
      await within(20_000, async () => {
        try {
          await Promise.all(Array.from({ length: MAX_CONCURRENCY }, (_, i) => invokeOk(i + 1)));
          return undefined;
        } catch (error) {
          return (error as Error).message;
        }
      });
    },
    broken: () => (child.exitCode === null && child.signalCode === null ? undefined : `lamina rie exited (${child.signalCode ?? `code ${child.exitCode}`})`),
    rssBytes() {
      try {
        const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1];
        return Number(kb ?? 0) * 1024;
      } catch {
        return 0;
      }
    },
    stop: () => stopChild(child, 3000),
  };
}
