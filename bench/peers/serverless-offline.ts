/**
 * serverless-offline@13 under serverless@3 as a whole-emulator peer. Each start writes a minimal
 * service (a `serverless.yml` naming the one function, its code folder linked in) and runs
 * `serverless offline start` in its own process, bound to loopback; invokes go to its Lambda
 * invoke port (`POST /2015-03-31/functions/{name}/invocations`, what the AWS SDK sends).
 *
 * What "cold" means here: serverless-offline runs each Node environment as a worker thread of
 * its one process. With `cold: true` it starts with `--reloadHandler`, so every invoke gets a new
 * worker thread that loads the handler afresh (idle ones reaped after a second); the process and
 * its HTTP server stay up, as Lamina's do between cold starts.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ensureInstalled, installProblem, type PeerPackages } from './install-cache.js';
import { freePort, invokeApiPeer, spawnReady, stopChild } from './peer-process.js';
import type { Peer, PeerFunction, RunningPeer } from './types.js';

const SERVERLESS_VERSION = '3.40.0';
const OFFLINE_VERSION = '13.10.1';

export const SERVERLESS_OFFLINE_PACKAGES: PeerPackages = {
  key: `serverless-offline@${OFFLINE_VERSION}`,
  packages: [`serverless@${SERVERLESS_VERSION}`, `serverless-offline@${OFFLINE_VERSION}`],
};

/** serverless@3 parses its whole config schema and the AWS provider on start: seconds, not ms. */
const READY_TIMEOUT_MS = 90_000;

/**
 * The only network here is the npm registry: telemetry, notifications, the dashboard's
 * interactive setup and update checks are all turned off, and HOME points into the cache so
 * serverless writes its `~/.serverless` artifacts there rather than in the user's home.
 */
function serverlessEnv(installDir: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: join(installDir, 'home'),
    SLS_TELEMETRY_DISABLED: '1',
    SLS_TRACKING_DISABLED: '1',
    SLS_NOTIFICATIONS_MODE: 'off',
    SLS_DEPRECATION_DISABLE: '*',
    SLS_INTERACTIVE_SETUP_DISABLE: '1',
    SLS_AUTO_UPDATE_DISABLED: '1',
    FORCE_COLOR: '0',
  };
}

/** The service's `serverless.yml`: one function, named exactly as the caller names it. */
export function serviceConfig(fn: PeerFunction): string {
  return stringify({
    service: 'lamina-peer',
    frameworkVersion: '3',
    provider: { name: 'aws', runtime: 'nodejs20.x', region: 'us-east-1', stage: 'dev', memorySize: fn.memoryMb, timeout: fn.timeoutSeconds },
    plugins: ['serverless-offline'],
    functions: { [fn.name]: { name: fn.name, handler: `code/${fn.handler}`, ...(fn.httpApi === undefined ? {} : { events: [{ httpApi: { method: fn.httpApi.method, path: fn.httpApi.path } }] }) } },
  });
}

/** Start `serverless offline` on a free port; a port taken between our probe and its bind is tried again. */
async function spawnOffline(installDir: string, service: string, cold: boolean, http: boolean): Promise<{ child: ChildProcess; lambdaPort: number; httpPort: number }> {
  for (let attempt = 1; ; attempt += 1) {
    const lambdaPort = await freePort();
    // With an httpApi event its HTTP server starts: on a port of ours (it prints the one it was given).
    const httpPort = http ? await freePort() : 0;
    const args = [
      join(installDir, 'node_modules', 'serverless', 'bin', 'serverless.js'),
      'offline',
      'start',
      '--host', '127.0.0.1',
      '--lambdaPort', String(lambdaPort),
      // Without HTTP, ALB or websocket events these servers do not start; 0 keeps them off fixed ports anyway.
      '--httpPort', String(httpPort),
      '--albPort', '0',
      '--websocketPort', '0',
      ...(cold ? ['--reloadHandler', '--terminateIdleLambdaTime', '1'] : []),
    ];
    try {
      const { child } = await spawnReady(process.execPath, args, {
        cwd: service,
        env: serverlessEnv(installDir),
        ready: http ? /Server ready: http:\/\/[\d.]+:\d+/ : /Offline \[http for lambda\] listening on http:\/\/[\d.]+:\d+/,
        timeoutMs: READY_TIMEOUT_MS,
      });
      return { child, lambdaPort, httpPort };
    } catch (error) {
      if (attempt >= 3 || !(error as Error).message.includes('EADDRINUSE')) throw error;
    }
  }
}

async function start(fn: PeerFunction, cold: boolean): Promise<RunningPeer> {
  const installDir = await ensureInstalled(SERVERLESS_OFFLINE_PACKAGES);
  // Inside the install folder, so that node finds the serverless-offline plugin by walking up.
  mkdirSync(join(installDir, 'services'), { recursive: true });
  const service = mkdtempSync(join(installDir, 'services', 'svc-'));
  try {
    symlinkSync(fn.handlerDir, join(service, 'code'), 'dir');
    writeFileSync(join(service, 'serverless.yml'), serviceConfig(fn));
    const { child, lambdaPort, httpPort } = await spawnOffline(installDir, service, cold, fn.httpApi !== undefined);
    const peer = invokeApiPeer(SERVERLESS_OFFLINE_PACKAGES.key, `http://127.0.0.1:${lambdaPort}`, fn, async () => {
      await stopChild(child);
      rmSync(service, { recursive: true, force: true });
    });
    return fn.httpApi === undefined ? peer : { ...peer, httpUrl: `http://127.0.0.1:${httpPort}` };
  } catch (error) {
    rmSync(service, { recursive: true, force: true });
    throw error;
  }
}

/**
 * @example
 * const peer = serverlessOfflinePeer();
 * if ((await peer.available()) === undefined) {
 *   const running = await peer.start({ name: 'Echo', handlerDir, handler: 'index.handler', memoryMb: 1024, timeoutSeconds: 30 }, { cold: false });
 *   await running.invoke(Buffer.from('{"a":1}')); await running.stop();
 * }
 */
export function serverlessOfflinePeer(): Peer {
  return {
    name: SERVERLESS_OFFLINE_PACKAGES.key,
    available: () => installProblem(SERVERLESS_OFFLINE_PACKAGES),
    start: (fn, options) => start(fn, options.cold),
  };
}
