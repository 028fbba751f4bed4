/**
 * A hostile function against its own Runtime API listener (docs/runtime-api.md, docs/limits.md):
 * eight processes of one environment open 8,000 connections to 127.0.0.1:9001 and hold them, half
 * with a request head whose body never comes, half with part of a head. Every connection the
 * platform accepts costs it a descriptor; unbounded, a few such processes would use up the
 * platform's descriptors and break every environment. The platform must keep at most
 * RUNTIME_API_MAX_CONNECTIONS of them open, stay small, and keep serving the victim and the
 * attacker's own runtime. Root with the native launcher only.
 */
import { readdirSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { HELD_BODY_BYTES } from '../../src/runtime-api/node-http-server.js';
import { RUNTIME_API_MAX_CONNECTIONS } from '../../src/runtime-api/runtime-api-server.js';
import {
  attackerFunction, expectVictimAnswers, hostilePlatform, hostileSkipReason, invokeRequest, report, text,
} from '../helpers/hostile.js';

const skip = hostileSkipReason();

interface Flood {
  connected: number;
  closedByPeer: number;
  open: number;
  errors: Record<string, number>;
}

const PROCESSES = 8;
const PER_PROCESS = 1000;

/** A full garbage collection, so that what remains is what the platform holds. */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

function platformDescriptors(): number {
  return readdirSync('/proc/self/fd').length;
}

describe.skipIf(skip !== undefined)('hostile functions: a connection flood on the Runtime API', () => {
  const world = hostilePlatform((dir) => [attackerFunction('flooder', dir, { memorySize: 1024, timeout: 60 })]);

  it('holds at most the cap of connections open, and the platform and both functions keep working', async () => {
    const { platform } = world;
    // Warm both environments first: their runtimes' own keep-alive connections are open before the flood.
    expect(JSON.parse(text(await platform.invoke(invokeRequest('flooder', { attack: 'nothing' }))))).toEqual({ error: 'no attack nothing' });
    await expectVictimAnswers(platform, 1, 1);
    const fdsBefore = platformDescriptors();
    const rssBefore = process.memoryUsage().rss;
    const flood = report<Flood>(await platform.invoke(invokeRequest('flooder', { attack: 'flood', processes: PROCESSES, perProcess: PER_PROCESS })));
    const fdsDuring = platformDescriptors();
    const rssGrowthMb = (process.memoryUsage().rss - rssBefore) / 2 ** 20;
    console.log(`[hostile] flood: ${flood.connected} connected, ${flood.open} still open, ${flood.closedByPeer} closed by the platform, errors ${JSON.stringify(flood.errors)}; platform descriptors ${fdsBefore} -> ${fdsDuring}, RSS +${rssGrowthMb.toFixed(1)} MB`);
    // The attack did run: thousands of connections reached the listener.
    expect(flood.connected + flood.closedByPeer).toBeGreaterThan(PROCESSES * PER_PROCESS / 2);
    // The runtime's own connection is one of the cap's.
    expect(flood.open).toBeLessThanOrEqual(RUNTIME_API_MAX_CONNECTIONS);
    expect(fdsDuring - fdsBefore).toBeLessThanOrEqual(RUNTIME_API_MAX_CONNECTIONS + 32); // and a few of its own (logs, timers); unbounded it was 8,000+
    expect(rssGrowthMb).toBeLessThan(64);
    // While the holders hold: the attacker's own runtime answers on its open connection, and another environment answers.
    expect(JSON.parse(text(await platform.invoke(invokeRequest('flooder', { attack: 'nothing' }))))).toEqual({ error: 'no attack nothing' });
    await expectVictimAnswers(platform, 5, 1);
  });
});

describe.skipIf(skip !== undefined)('hostile functions: bodies that never end on the Runtime API', () => {
  const world = hostilePlatform((dir) => [attackerFunction('hoarder', dir, { memorySize: 1024, timeout: 60 })]);

  it('holds a bounded amount of unfinished bodies per environment, not 6 MB per connection', async () => {
    const { platform } = world;
    expect(JSON.parse(text(await platform.invoke(invokeRequest('hoarder', { attack: 'nothing' }))))).toEqual({ error: 'no attack nothing' });
    collectGarbage();
    const before = process.memoryUsage();
    // 60 connections, each 6,000,000 bytes of an init error report but the last byte (read in
    // full before its state is checked, as node:http's route does; init is long over).
    const flood = report<Flood>(await platform.invoke(invokeRequest('hoarder', { attack: 'flood', mode: 'bodies', path: '/2018-06-01/runtime/init/error', processes: 1, perProcess: 60 })));
    // Buffers still held after a collection; RSS also keeps what was freed (allocator arenas). On a
    // loaded machine the refused connections may take a moment to close: the least of a few looks.
    let after = process.memoryUsage();
    let buffersGrowth = Number.POSITIVE_INFINITY;
    for (let look = 0; look < 10 && buffersGrowth >= HELD_BODY_BYTES; look += 1) {
      if (look > 0) await new Promise((resolve) => setTimeout(resolve, 300));
      collectGarbage();
      after = process.memoryUsage();
      buffersGrowth = Math.min(buffersGrowth, after.arrayBuffers - before.arrayBuffers);
    }
    const mb = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);
    console.log(`[hostile] unfinished bodies: ${flood.connected} connected, ${flood.open} still open, ${flood.closedByPeer} closed by the platform; platform buffers +${mb(buffersGrowth)} MB, RSS +${mb(after.rss - before.rss)} MB (60 x 6 MB sent)`);
    expect(flood.connected).toBe(60);
    expect(buffersGrowth).toBeLessThan(HELD_BODY_BYTES + 4 * 2 ** 20); // 262 MB before the budget
    expect(JSON.parse(text(await platform.invoke(invokeRequest('hoarder', { attack: 'nothing' }))))).toEqual({ error: 'no attack nothing' });
    await expectVictimAnswers(platform, 3, 1);
  });
});
