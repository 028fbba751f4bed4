/**
 * The embedded services' listener (src/services/draining-listener.ts): a request under way when
 * close is called finishes (and is answered) before close resolves; new connections are refused
 * afterwards; the hook runs before the drain; close is one operation however often it is called.
 */
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { listenDraining } from '../../src/services/draining-listener.js';

function get(hostPort: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`http://${hostPort}/`, { agent: false }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => { body += chunk.toString(); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('listenDraining', () => {
  it('lets a request under way finish before close resolves, then refuses new connections', async () => {
    let release: () => void = () => undefined;
    const order: string[] = [];
    const listener = await listenDraining(async (_req, res) => {
      order.push('started');
      await new Promise<void>((resolve) => { release = resolve; });
      order.push('finished');
      res.end('done');
    }, '127.0.0.1', 0);
    const answer = get(listener.hostPort);
    await expect.poll(() => order).toEqual(['started']);
    const closed = listener.close(() => order.push('hook'));
    expect(listener.close()).toBe(closed);
    await expect.poll(() => order).toEqual(['started', 'hook']);
    release();
    await closed;
    expect(order).toEqual(['started', 'hook', 'finished']);
    expect(await answer).toEqual({ status: 200, body: 'done' });
    await expect(get(listener.hostPort)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('throws the listen error of a taken port', async () => {
    const first = await listenDraining(async (_req, res) => { res.end(); }, '127.0.0.1', 0);
    const port = Number(first.hostPort.split(':')[1]);
    await expect(listenDraining(async (_req, res) => { res.end(); }, '127.0.0.1', port)).rejects.toThrow(/EADDRINUSE/);
    await first.close();
  });

  it('brackets an IPv6 host', async () => {
    const listener = await listenDraining(async (_req, res) => { res.end('v6'); }, '::1', 0).catch(() => undefined);
    if (listener === undefined) {
      console.log('skipped: no IPv6 loopback (::1) on this machine');
      return;
    }
    expect(listener.hostPort).toMatch(/^\[::1\]:\d+$/);
    expect((await get(listener.hostPort)).body).toBe('v6');
    await listener.close();
  });
});
