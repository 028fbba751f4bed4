/**
 * The extensions scenario's layer and the extension's own start time.
 *
 * The layer holds one external extension, `extensions/noop` (bench/fixtures/extensions/noop.cjs
 * behind a `#!<node>` line): it registers for INVOKE and goes straight back to `event/next`.
 * Its start time alone is measured against a stub Extensions API with no platform around it:
 * from spawning the executable to its `register` call arriving (docs/extensions.md: Init ends only
 * once every external extension has registered and waits at `event/next`).
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ROOT } from '../lib/processes.js';

export const NOOP_EXTENSION_SOURCE = join(ROOT, 'bench', 'fixtures', 'extensions', 'noop.cjs');
/** The same no-op extension in C (one blocking keep-alive socket): the platform's share alone. */
export const NOOP_C_EXTENSION_SOURCE = join(ROOT, 'bench', 'fixtures', 'extensions', 'noop.c');

/**
 * Write a layer folder with `extensions/<name>` (the no-op extension, executable); returns the
 * layer folder and the executable's path.
 *
 * @example const { layer, executable } = writeNoopExtensionLayer(join(ws.dir, 'noop-layer'));
 */
export function writeNoopExtensionLayer(layer: string, name = 'noop'): { layer: string; executable: string } {
  mkdirSync(join(layer, 'extensions'), { recursive: true });
  const executable = join(layer, 'extensions', name);
  writeFileSync(executable, `#!${process.execPath}\n${readFileSync(NOOP_EXTENSION_SOURCE, 'utf8')}`);
  chmodSync(executable, 0o755);
  return { layer, executable };
}

/**
 * Write a layer folder with `extensions/<name>` compiled from noop.c with the machine's `cc`;
 * undefined (with the reason) when there is no C compiler.
 *
 * @example const c = writeNoopCExtensionLayer(join(ws.dir, 'noop-c-layer'));
 */
export function writeNoopCExtensionLayer(layer: string, name = 'noop-c'): { layer: string; executable: string } | { unavailable: string } {
  mkdirSync(join(layer, 'extensions'), { recursive: true });
  const executable = join(layer, 'extensions', name);
  try {
    execFileSync('cc', ['-O2', '-o', executable, NOOP_C_EXTENSION_SOURCE], { stdio: 'pipe' });
  } catch (error) {
    return { unavailable: `cannot compile ${NOOP_C_EXTENSION_SOURCE}: ${(error as Error).message.split('\n')[0] ?? ''}` };
  }
  return { layer, executable };
}

export interface ExtensionStub {
  /** Spawn the executable and resolve with the ms from spawn to its `register` call arriving. */
  startTime(executable: string): Promise<number>;
  close(): Promise<void>;
}

/**
 * A stub Extensions API: answers `register` (and records when it came), holds `event/next` open.
 *
 * @example const stub = await startExtensionStub(); const ms = await stub.startTime(exe); await stub.close();
 */
export async function startExtensionStub(): Promise<ExtensionStub> {
  let onRegister: ((at: number) => void) | undefined;
  const server: Server = createServer((req, res) => {
    if (req.method === 'POST' && req.url === '/2020-01-01/extension/register') {
      onRegister?.(performance.now());
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json', 'lambda-extension-identifier': randomUUID() });
      res.end('{"functionName":"stub","functionVersion":"$LATEST","handler":"stub"}');
      return;
    }
    // event/next: held until the process is killed.
    req.resume();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    async startTime(executable) {
      const registered = new Promise<number>((resolve) => (onRegister = resolve));
      const t0 = performance.now();
      const child = spawn(executable, [], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', AWS_LAMBDA_RUNTIME_API: `127.0.0.1:${port}` }, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`${executable} exited (${code}) before registering: ${stderr.trim()}`))));
      exited.catch(() => undefined); // our own SIGKILL below ends it too
      try {
        return (await Promise.race([registered, exited])) - t0;
      } finally {
        onRegister = undefined;
        child.kill('SIGKILL');
        await new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(undefined) : child.once('exit', resolve)));
      }
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
