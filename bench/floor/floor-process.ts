/**
 * Start the floor in its own processes: the relay, and `runtimes` copies of the smallest runtime
 * loop long-polling it (one per concurrent caller, as Lamina starts one environment per caller).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ROOT, cleanEnv, startProcess, type Started } from '../lib/processes.js';

export const FLOOR_RELAY_SCRIPT = join(ROOT, 'dist', 'bench', 'floor', 'relay-server.js');
export const FLOOR_LOOP_SCRIPT = join(ROOT, 'dist', 'bench', 'floor', 'runtime-loop.js');

export interface RunningFloor {
  /** The relay's base URL; invoke it at any `/2015-03-31/functions/<name>/invocations`. */
  readonly url: string;
  /** The relay process (its CPU per invoke is the floor's platform cost). */
  readonly pid: number;
  readonly runtimes: number;
  /** Start more runtime loops (up to `count` in total). */
  scaleTo(count: number): void;
  stop(): Promise<void>;
}

function exitOf(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

/**
 * @example
 * const floor = await startFloor(1); // invoke floor.url, then await floor.stop()
 * // `relayScript`: another relay to compare (an older build of relay-server.js, say).
 */
export async function startFloor(runtimes = 1, relayScript = FLOOR_RELAY_SCRIPT): Promise<RunningFloor> {
  const relay: Started = await startProcess(process.execPath, [relayScript], /floor relay on (http:\/\/[\d.:]+)/);
  const api = relay.url.replace('http://', '');
  const loops: ChildProcess[] = [];
  const floor = {
    url: relay.url,
    pid: relay.child.pid ?? NaN,
    get runtimes(): number {
      return loops.length;
    },
    scaleTo(count: number): void {
      while (loops.length < count) {
        loops.push(spawn(process.execPath, [FLOOR_LOOP_SCRIPT], { cwd: ROOT, env: { ...cleanEnv(), AWS_LAMBDA_RUNTIME_API: api }, stdio: 'ignore' }));
      }
    },
    async stop(): Promise<void> {
      await Promise.all(loops.map(exitOf));
      await relay.stop();
    },
  };
  floor.scaleTo(runtimes);
  return floor;
}
