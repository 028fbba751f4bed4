/**
 * The network of isolated environments (docs/isolation.md): each has its own namespace whose
 * loopback serves its Runtime API; without VpcConfig a link to the host, with it nothing but the
 * loopback; never the host's loopback (where the Invoke API and other listeners are). Skipped,
 * with the reason, where the platform cannot isolate (not root, no native launcher).
 */
import { createServer, type Server } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FunctionConfig } from '../../src/config/function-config.js';
import { Platform } from '../../src/platform/platform.js';
import { detectSandboxLimits } from '../../src/platform/sandbox-factory.js';
import { customRuntimeFunction, FIXTURES } from '../helpers/function-config.js';
import { invokeRequest } from '../helpers/invoke-request.js';

const limits = detectSandboxLimits();
const reason = limits.isolation === undefined ? 'no isolation here (needs root and the native launcher)' : limits.outbound?.available !== true ? limits.outbound?.summary : undefined;
if (reason !== undefined) console.warn(`[network] skipped: ${reason}`);

/** An address of this host that is not loopback (the host's side of an outbound link works too). */
function hostAddress(): string | undefined {
  for (const list of Object.values(networkInterfaces())) {
    for (const entry of list ?? []) if (entry.family === 'IPv4' && !entry.internal) return entry.address;
  }
  return undefined;
}

function probeFunction(name: string, vpc: boolean): FunctionConfig {
  const codeDir = join(FIXTURES, 'handlers', 'netprobe');
  return customRuntimeFunction(name, codeDir, { runtime: 'nodejs20.x', handler: 'index.handler', launch: { kind: 'node-ric', runtime: 'nodejs20.x', node: process.execPath }, timeout: 10, ...(vpc ? { vpc } : {}) });
}

interface Probe {
  readonly ifaces: string[];
  readonly sandbox: string;
  readonly api: string;
  readonly host: string;
  readonly loop: string;
}

describe.skipIf(reason !== undefined)('isolated environments on the network', () => {
  let platform: Platform;
  let server: Server;
  let loopback: Server;
  let port = 0;
  let loopbackPort = 0;
  const address = hostAddress() ?? '127.0.0.1';

  beforeAll(async () => {
    platform = new Platform({ functions: [probeFunction('open', false), probeFunction('private', true)], shutdownGraceMs: 100, limits });
    server = createServer((socket) => socket.on('error', () => undefined).end('hello'));
    loopback = createServer((socket) => socket.on('error', () => undefined).end('secret'));
    await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
    await new Promise<void>((resolve) => loopback.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
    loopbackPort = (loopback.address() as { port: number }).port;
  });
  afterAll(async () => {
    await platform.stop();
    server.close();
    loopback.close();
  });

  async function probe(name: string): Promise<Probe> {
    const outcome = await platform.invoke(invokeRequest(name, { host: address, port, apiPort: loopbackPort }));
    if (outcome.result.kind !== 'response') throw new Error(`probe failed: ${JSON.stringify(outcome.result)}`);
    return JSON.parse(outcome.result.payload.toString()) as Probe;
  }

  it('gives a function without VpcConfig a link to the host, and never the host loopback', async ({ skip }) => {
    if (address === '127.0.0.1') skip('this host has no non-loopback IPv4 address');
    const seen = await probe('open');
    expect(seen.ifaces.sort()).toEqual(['eth0', 'lo']);
    expect(seen.host).toBe('connected');
    expect(seen.loop).toBe('ECONNREFUSED'); // its own loopback: nothing listens on that port there
  });

  it('leaves a function with VpcConfig only its loopback: no route anywhere', async () => {
    const seen = await probe('private');
    expect(seen.ifaces).toEqual(['lo']);
    // Its Runtime API is on its own loopback, named as on Lambda.
    expect(seen.api).toBe('127.0.0.1:9001');
    expect(seen.sandbox).toBe('127.0.0.1');
    expect(seen.host).toBe('ENETUNREACH');
    expect(seen.loop).toBe('ECONNREFUSED');
  });
});
