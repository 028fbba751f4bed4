/**
 * The Runtime API's connection check for environments on the host's loopback (no root, or
 * --no-isolation; docs/isolation.md): only the environment's own process tree may connect.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Platform } from '../../src/platform/platform.js';
import { connectionFromTree, peerSocketInode } from '../../src/runtime-api/peer-check.js';
import { bootstrapFunction } from '../helpers/function-config.js';
import { invokeRequest } from '../helpers/invoke-request.js';

/** A child process that connects to `port` and holds the connection. */
function holder(port: number): ReturnType<typeof spawn> {
  return spawn(process.execPath, ['-e', `require('net').connect(${port}, '127.0.0.1'); setInterval(() => {}, 1000)`], { stdio: 'ignore', detached: true });
}

describe('connectionFromTree', () => {
  let server: Server;
  let port = 0;
  const accepted: Socket[] = [];
  const children: ReturnType<typeof spawn>[] = [];
  beforeAll(async () => {
    server = createServer((socket) => accepted.push(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  afterEach(() => {
    // Each in its own process group: the grandchild of the shell goes with it.
    for (const child of children.splice(0)) {
      try {
        process.kill(-(child.pid ?? 0), 'SIGKILL');
      } catch {
        // gone already
      }
    }
    for (const socket of accepted.splice(0)) socket.destroy();
  });
  afterAll(() => server.close());

  async function nextConnection(): Promise<Socket> {
    const before = accepted.length;
    await expect.poll(() => accepted.length, { timeout: 5000 }).toBeGreaterThan(before);
    return accepted[accepted.length - 1] as Socket;
  }

  it('accepts a connection held by the tree and refuses one held by another process', async () => {
    const own = holder(port);
    children.push(own);
    const ownSocket = await nextConnection();
    const other = holder(port);
    children.push(other);
    const otherSocket = await nextConnection();
    const check = connectionFromTree(() => own.pid);
    expect(await peerSocketInode(ownSocket.remotePort ?? 0, port)).toBeGreaterThan(0);
    expect(await check(ownSocket.remotePort ?? 0, port)).toBe(true);
    expect(await check(otherSocket.remotePort ?? 0, port)).toBe(false);
  });

  it('accepts a connection made by a grandchild of the root', async () => {
    const shell = spawn('/bin/sh', ['-c', `"${process.execPath}" -e "require('net').connect(${port}, '127.0.0.1'); setInterval(() => {}, 1000)"; :`], { stdio: 'ignore', detached: true });
    children.push(shell);
    const socket = await nextConnection();
    expect(await connectionFromTree(() => shell.pid)(socket.remotePort ?? 0, port)).toBe(true);
  });

  it('refuses when the environment has no process', async () => {
    expect(await connectionFromTree(() => undefined)(1, port)).toBe(false);
  });
});

describe('a Runtime API on the host loopback with the peer check', () => {
  let platform: Platform;
  const output: string[] = [];
  beforeAll(() => {
    platform = new Platform({
      functions: [bootstrapFunction('victim', { environment: { ECHO_PRINT_API: '1' } })],
      shutdownGraceMs: 100,
      limits: { cgroups: undefined, maxOpenFiles: undefined, peerCheck: true },
      logOutput: (text) => output.push(text),
    });
  });
  afterAll(() => platform.stop());

  it('serves its own runtime and closes another process\'s /next unanswered', async () => {
    const first = await platform.invoke(invokeRequest('victim', { echo: 1 }));
    expect(first.result.kind).toBe('response');
    const api = /runtime api (127\.0\.0\.1:\d+)/.exec(output.join('\n'))?.[1];
    expect(api).toBeDefined();
    // A hostile neighbour long-polls the victim's /next from outside its process tree.
    const thief = spawnSync('curl', ['-sS', '-m', '3', `http://${api}/2018-06-01/runtime/invocation/next`], { encoding: 'utf8' });
    expect(thief.status).not.toBe(0);
    expect(thief.stdout).toBe('');
    for (let i = 0; i < 5; i += 1) {
      const outcome = await platform.invoke(invokeRequest('victim', { echo: i }));
      expect(outcome.result.kind === 'response' ? outcome.result.payload.toString() : '').toBe(String(i));
    }
  });
});
