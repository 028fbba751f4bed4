/**
 * The start-rate and idle-memory benchmarks (bench/limits.ts): the target ratios they print, and
 * the TCP barrier the tiny C runtime waits at (bench/lib/tcp-barrier.ts), against real sockets and
 * the real runtime.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { IDLE_KB_TARGET, START_RATE_TARGET, targetRatio } from '../../bench/limits.js';
import { startTcpBarrier } from '../../bench/lib/tcp-barrier.js';
import { parseFloorLine } from '../../bench/start-floor/kernel-floor.js';
import { FIXTURES } from '../helpers/function-config.js';

const work = mkdtempSync(join(tmpdir(), 'lamina-limits-bench-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('target ratios', () => {
  it('is measured over target for starts per second and target over measured for KB', () => {
    expect(targetRatio('starts', START_RATE_TARGET * 2)).toBe(2);
    expect(targetRatio('starts', 113)).toBeCloseTo(0.452, 3);
    expect(targetRatio('kb', IDLE_KB_TARGET / 2)).toBe(2);
    expect(targetRatio('kb', 220)).toBe(0.5);
  });
});

/** A connection that resolves with what the barrier wrote, once it writes. */
function waiter(port: number): { socket: Socket; got: Promise<string> } {
  const socket = connect(port, '127.0.0.1');
  let text = '';
  socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { socket, got: new Promise((resolve) => socket.on('close', () => resolve(text))) };
}

describe('TCP barrier', () => {
  it('releases every batch of N connections together, none before the Nth', async () => {
    const barrier = await startTcpBarrier(3, '127.0.0.1');
    try {
      const first = [waiter(barrier.port), waiter(barrier.port)];
      await expect.poll(() => barrier.waiting).toBe(2);
      let early = false;
      for (const w of first) void w.got.then(() => (early = barrier.released === 0));
      const third = waiter(barrier.port);
      expect(await Promise.all([...first, third].map((w) => w.got))).toEqual(['g', 'g', 'g']);
      expect(early).toBe(false);
      expect(barrier.released).toBe(3);
      // A waiter that goes away is not counted.
      const quitter = waiter(barrier.port);
      await expect.poll(() => barrier.waiting).toBe(1);
      quitter.socket.destroy();
      await expect.poll(() => barrier.waiting).toBe(0);
    } finally {
      await barrier.close();
    }
  });

  it('is what the tiny C runtime waits at, on 127.0.0.1 outside an isolated environment', async () => {
    const binary = join(work, 'bootstrap');
    const built = spawnSync('cc', ['-O2', '-o', binary, join(FIXTURES, 'runtimes', 'tiny-c', 'runtime.c')], { encoding: 'utf8' });
    if (built.status !== 0) return void console.warn(`[limits-bench] no C compiler: ${built.stderr}`);
    const barrier = await startTcpBarrier(1, '127.0.0.1');
    // A stub Runtime API answering one event; the runtime posts it back only after the barrier.
    const { createServer } = await import('node:http');
    let posted = '';
    const api = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        if (req.url?.endsWith('/next') === true && posted === '') {
          res.writeHead(200, { 'Lambda-Runtime-Aws-Request-Id': 'r1', 'Content-Length': 2 }).end('{}');
        } else if (req.url?.endsWith('/response') === true) {
          posted = `${barrier.released} ${body}`;
          res.writeHead(202, { 'Content-Length': 0 }).end();
        }
      });
    });
    await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
    const address = api.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    const runtime = spawn(binary, [], { env: { AWS_LAMBDA_RUNTIME_API: `127.0.0.1:${port}`, BARRIER_PORT: String(barrier.port), BARRIER_COUNT: '1' }, stdio: 'ignore' });
    try {
      await expect.poll(() => posted, { timeout: 10_000 }).toBe('1 {}');
    } finally {
      runtime.kill('SIGKILL');
      api.closeAllConnections();
      api.close();
      await barrier.close();
    }
  });
});

describe('kernel floor (bench/start-floor)', () => {
  it('reads the driver\'s one result line, and refuses anything else', () => {
    expect(parseFloorLine('environments 100 ms 812.5 cpu_ms 901.0\n')).toEqual({ environments: 100, ms: 812.5, cpuMs: 901 });
    expect(() => parseFloorLine('start-floor: only 96 of 100 answered in 30 s')).toThrow(/no result/);
  });
});
