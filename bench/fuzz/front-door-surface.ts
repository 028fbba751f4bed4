/**
 * The Invoke API front door, in this process, serving the fuzz template's Echo (a custom
 * runtime, reserved concurrency 4) and Hello (Node.js through Lamina's RIC).
 */
import type { Server } from 'node:http';
import { createFrontDoor, listen } from '../../src/invoke/front-door-server.js';
import { Platform } from '../../src/platform/platform.js';
import { INVOKE_CORPUS } from './corpus.js';
import { INVOKE_EXPECTATIONS } from './oracle.js';
import { controlInvoke, fuzzFunctions, within, type Surface } from './surface.js';

/**
 * @example
 * const surface = await startFrontDoorSurface();
 * await surface.control();
 * await surface.stop();
 */
export async function startFrontDoorSurface(): Promise<Surface> {
  const functions = fuzzFunctions().filter((fn) => fn.name !== 'Manual');
  const internal: string[] = [];
  const platform = new Platform({ functions, shutdownGraceMs: 200, logOutput: () => undefined });
  const server: Server = createFrontDoor(platform, {
    onInternalError: (error) => internal.push(error instanceof Error ? (error.stack ?? error.message) : String(error)),
  });
  const { port } = await listen(server, '127.0.0.1', 0);
  const base = `http://127.0.0.1:${port}`;
  const control = async (): Promise<void> => {
    await controlInvoke(base, 'Echo', '{"echo":"control"}', (body) => body === '"control"');
    await controlInvoke(base, 'Hello', '{"n":1}', (body) => body.includes('Hello from Lamina'));
  };
  return {
    name: 'invoke',
    corpus: INVOKE_CORPUS,
    expectations: INVOKE_EXPECTATIONS,
    prepare: () => Promise.resolve({ host: '127.0.0.1', port, ctx: { host: `127.0.0.1:${port}`, functions: ['Echo', 'Hello'], requestId: '' } }),
    control,
    async settle() {
      await within(20_000, () => {
        const busy = functions.filter((fn) => platform.admission.inFlight(fn) > 0).map((fn) => `${fn.name}: ${platform.admission.inFlight(fn)}`);
        return busy.length === 0 ? undefined : `invocations never settled (${busy.join(', ')})`;
      });
      // Every reserved slot of Echo is free again: four at once all answer.
      await Promise.all([0, 1, 2, 3].map((i) => controlInvoke(base, 'Echo', `{"echo":${i}}`, (body) => body === String(i))));
      await control();
    },
    broken: () => (internal.length === 0 ? undefined : `internal error in the front door: ${internal[0] ?? ''}`),
    rssBytes: () => process.memoryUsage().rss,
    async stop() {
      server.close();
      server.closeAllConnections();
      await platform.stop();
    },
  };
}
