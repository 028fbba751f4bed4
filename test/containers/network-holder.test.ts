/**
 * The network holder of container environments (src/containers/network-holder.ts): the launcher
 * in `--hold-network` mode makes a network namespace, hands its 127.0.0.1:9001 listener over and
 * holds the namespace until released, and does not outlive a platform killed outright. Root with
 * the native launcher only (it needs CAP_SYS_ADMIN for the namespace).
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { holdNetwork, privateNetworkAvailable } from '../../src/containers/network-holder.js';
import { PROJECT_ROOT } from '../../src/platform/paths.js';
import { alive } from '../helpers/hostile.js';

const skip = privateNetworkAvailable() ? undefined : 'needs root and the native launcher (`npm run build`)';
if (skip !== undefined) console.warn(`[network holder] skipped: ${skip}`);

/** Resolves once `pid` is gone (the kernel's word, polled), or rejects after `ms`. */
function gone(pid: number, ms: number): Promise<void> {
  const until = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (!alive(pid) || readStat(pid) === 'Z') resolve();
      else if (Date.now() > until) reject(new Error(`pid ${pid} still alive after ${ms} ms`));
      else setTimeout(check, 20);
    };
    check();
  });
}

/** The process state letter (Z: a zombie, gone but not yet reaped). */
function readStat(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'latin1').split(') ')[1]?.split(' ')[0];
  } catch {
    return undefined;
  }
}

describe.skipIf(skip !== undefined)('holdNetwork', () => {
  it('hands over a listener at 127.0.0.1:9001 in a namespace of its own, held until released', async () => {
    const lines: string[] = [];
    const holder = holdNetwork(undefined, (line) => lines.push(line));
    const server = await holder.listener;
    expect(server).toBeDefined();
    expect(server?.address() as AddressInfo).toMatchObject({ address: '127.0.0.1', port: 9001 });
    expect(readlinkSync(holder.namespace)).not.toBe(readlinkSync('/proc/self/ns/net'));
    // Only a loopback in there: what a VpcConfig function gets.
    const links = spawnSync('nsenter', [`--net=${holder.namespace}`, 'cat', '/proc/net/dev'], { encoding: 'utf8' });
    expect(links.stdout.split('\n').slice(2).filter((line) => line.trim() !== '').map((line) => line.trim().split(':')[0])).toEqual(['lo']);
    expect(alive(holder.pid)).toBe(true);
    holder.release();
    server?.close();
    expect(await holder.exited).toBeNull(); // killed on release
    expect(lines).toEqual([]);
  });

  it('fails with the launcher\'s words (exit 125) on a bad link, handing nothing over', async () => {
    const lines: string[] = [];
    const holder = holdNetwork('no-colons', (line) => lines.push(line));
    expect(await holder.listener).toBeUndefined();
    expect(await holder.exited).toBe(125);
    expect(lines.join('\n')).toMatch(/lamina-sandbox: bad --link \(want DEVICE:HOST:GUEST\) no-colons/);
  });

  it('does not outlive a platform killed outright (SIGKILL)', async () => {
    const module = join(PROJECT_ROOT, 'dist', 'src', 'containers', 'network-holder.js');
    const platform = spawn(process.execPath, ['--input-type=module', '-e', `import { holdNetwork } from ${JSON.stringify(module)}; const h = holdNetwork(undefined, console.error); await h.listener; console.log(h.pid); setInterval(() => {}, 1000);`], { stdio: ['ignore', 'pipe', 'inherit'] });
    const pid = await new Promise<number>((resolve) => platform.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim()))));
    expect(alive(pid)).toBe(true);
    platform.kill('SIGKILL');
    await gone(pid, 5000);
  });
});
