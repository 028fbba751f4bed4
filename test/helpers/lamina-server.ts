/** Start the real platform and front door on an ephemeral loopback port, for end-to-end tests. */
import type { FunctionConfig } from '../../src/config/function-config.js';
import { createFrontDoor, listen, type FrontDoorOptions } from '../../src/invoke/front-door-server.js';
import { Platform, type PlatformOptions } from '../../src/platform/platform.js';

export interface RunningLamina {
  readonly url: string;
  readonly platform: Platform;
  /** Everything the functions printed, prefixed with their names. */
  readonly output: string[];
  /** Client connections the front door holds open now. */
  connections(): Promise<number>;
  stop(): Promise<void>;
}

export async function startLamina(functions: FunctionConfig[], options: Partial<PlatformOptions> = {}, frontDoor: FrontDoorOptions = {}): Promise<RunningLamina> {
  const output: string[] = [];
  const platform = new Platform({ functions, shutdownGraceMs: 200, logOutput: (text) => output.push(text), ...options });
  const server = createFrontDoor(platform, frontDoor);
  const address = await listen(server, '127.0.0.1', 0);
  return {
    url: `http://127.0.0.1:${address.port}`,
    platform,
    output,
    connections: () => new Promise((resolve, reject) => server.getConnections((error, count) => (error ? reject(error) : resolve(count)))),
    async stop() {
      server.close();
      server.closeAllConnections();
      await platform.stop();
    },
  };
}
