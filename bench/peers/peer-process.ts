/**
 * The process side of a peer: a free loopback port to give it, a spawn that waits for the line
 * saying it listens, a stop that does not hang on a peer ignoring SIGTERM, and an Invoke API
 * client for peers that listen on the Lambda invoke path.
 */
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { createServer } from 'node:net';
import { callerPool, invoke } from '../harness/invoke-client.js';
import type { PeerFunction, RunningPeer } from './types.js';

/**
 * A loopback port free right now. Used for peers that print the port they were asked for rather
 * than the one they got (serverless-offline prints `:0` when given 0).
 *
 * @example
 * const port = await freePort(); // e.g. 40987
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface SpawnReadyOptions {
  readonly cwd: string;
  readonly env: Record<string, string>;
  /** Matched against everything printed on stdout and stderr so far. */
  readonly ready: RegExp;
  readonly timeoutMs: number;
  readonly stdio?: StdioOptions;
}

export interface ReadyProcess {
  readonly child: ChildProcess;
  readonly match: RegExpExecArray;
}

/**
 * Spawn a peer and resolve once its output matches `ready`; rejects (and kills it) when it exits
 * first or takes longer than `timeoutMs`, quoting what it printed.
 *
 * @example
 * const { child, match } = await spawnReady('node', ['host.js'], { cwd, env, ready: /on (http\S+)/, timeoutMs: 10_000 });
 */
export function spawnReady(command: string, args: readonly string[], options: SpawnReadyOptions): Promise<ReadyProcess> {
  const child = spawn(command, [...args], { cwd: options.cwd, env: options.env, stdio: options.stdio ?? ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let seen = '';
    const finish = (error?: Error, match?: RegExpExecArray): void => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onData);
      // Keep draining: a peer blocked on a full pipe would stall its own invokes.
      child.stdout?.resume();
      child.stderr?.resume();
      child.off('exit', onExit);
      if (error !== undefined) {
        child.kill('SIGKILL');
        reject(error);
      } else if (match !== undefined) resolve({ child, match });
    };
    const onData = (chunk: Buffer): void => {
      seen = (seen + chunk.toString()).slice(-20_000);
      const match = options.ready.exec(seen);
      if (match !== null) finish(undefined, match);
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
      finish(new Error(`${command} exited (${signal ?? `code ${code}`}) before it was ready:\n${seen.trim()}`));
    };
    const timer = setTimeout(() => finish(new Error(`${command} was not ready after ${options.timeoutMs} ms:\n${seen.trim()}`)), options.timeoutMs);
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', onExit);
    child.once('error', (error) => finish(error));
  });
}

/**
 * SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone.
 *
 * @example
 * await stopChild(child, 3000);
 */
export function stopChild(child: ChildProcess, graceMs = 3000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(killer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * A running peer that answers the Lambda Invoke API (`POST /2015-03-31/functions/{name}/invocations`)
 * at `url`, over keep-alive connections; `stop` closes them and then stops the process. An answer
 * that takes longer than the function's timeout (plus a margin) fails the invoke instead of hanging.
 *
 * @example
 * return invokeApiPeer('serverless-offline@13.10.1', 'http://127.0.0.1:40987', fn, () => stopChild(child));
 */
export function invokeApiPeer(name: string, url: string, fn: PeerFunction, stopProcess: () => Promise<void>): RunningPeer {
  const functionName = fn.name;
  const pool = callerPool(url, 4, (fn.timeoutSeconds + 5) * 1000);
  return {
    name,
    async invoke(payload) {
      const answer = await invoke(pool, functionName, payload);
      return { status: answer.status, body: new Uint8Array(answer.body.buffer, answer.body.byteOffset, answer.body.byteLength) };
    },
    async stop() {
      await pool.close().catch(() => undefined);
      await stopProcess();
    },
  };
}
