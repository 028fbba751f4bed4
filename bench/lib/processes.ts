/**
 * Start the processes a benchmark measures: `lamina serve` and baseline servers, each in its own
 * process so the load generator never shares an event loop with what it measures.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { PROJECT_ROOT } from '../../src/platform/paths.js';

/** The project root, whether this runs compiled (dist/bench/lib) or from source (vitest). */
export const ROOT = PROJECT_ROOT;

/** A clean environment: the host's NODE_EXTRA_CA_CERTS alone adds ~70 ms to every node start. */
export function cleanEnv(): Record<string, string> {
  // LAMINA_SPAWNER=0 (Node's spawn instead of the spawner, src/sandbox/spawner.ts) passes through for A/B runs,
  const spawner: Record<string, string> = process.env.LAMINA_SPAWNER === undefined ? {} : { LAMINA_SPAWNER: process.env.LAMINA_SPAWNER };
  // LAMINA_STANDBYS (environments prepared ahead, src/platform/sandbox-factory.ts) too.
  const standbys: Record<string, string> = process.env.LAMINA_STANDBYS === undefined ? {} : { LAMINA_STANDBYS: process.env.LAMINA_STANDBYS };
  // And LAMINA_RUNTIME_API_LISTENER (docs/runtime-api-listener.md).
  const listener: Record<string, string> = process.env.LAMINA_RUNTIME_API_LISTENER === undefined ? {} : { LAMINA_RUNTIME_API_LISTENER: process.env.LAMINA_RUNTIME_API_LISTENER };
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...spawner, ...standbys, ...listener };
}

/** Every process started here and still running. */
const running = new Set<ChildProcess>();
let stopOnSignal = false;

/**
 * A benchmark interrupted (Ctrl-C, `kill`) stops what it started: an orphaned `lamina serve` or floor
 * relay, with its runtimes, would load the machine under the next run's measurements. Not inside
 * vitest, whose workers end their own way.
 */
function stopChildrenOnSignal(): void {
  if (stopOnSignal || process.env.VITEST !== undefined) return;
  stopOnSignal = true;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      for (const child of running) child.kill('SIGTERM');
      process.exit(signal === 'SIGINT' ? 130 : 143);
    });
  }
}

export interface Started {
  readonly url: string;
  readonly child: ChildProcess;
  /** Everything it printed on stdout until it was ready. */
  readonly banner: string;
  stop(): Promise<void>;
}

/** Spawn a process and wait for a line matching `ready` whose first group is the base URL. */
export function startProcess(command: string, args: string[], ready: RegExp, env: Readonly<Record<string, string>> = {}): Promise<Started> {
  const child = spawn(command, args, { cwd: ROOT, env: { ...cleanEnv(), ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  running.add(child);
  child.once('exit', () => running.delete(child));
  stopChildrenOnSignal();
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (chunk: Buffer): void => {
      seen += chunk.toString();
      const match = ready.exec(seen);
      if (match?.[1] === undefined) return;
      child.stdout?.off('data', onData);
      child.stdout?.resume();
      resolve({
        url: match[1],
        child,
        banner: seen,
        stop: () =>
          new Promise((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
      });
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${command} exited with ${code} before it was ready:\n${seen}`)));
  });
}

/** The floor: a bare node HTTP server that answers every request with its own body. */
export const ECHO_SERVER_SOURCE = `
const http = require('node:http');
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => { const body = Buffer.concat(chunks); res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': body.length }); res.end(body); });
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => console.log('floor on http://127.0.0.1:' + server.address().port));
`;
