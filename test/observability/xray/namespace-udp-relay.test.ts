import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { nsenter } from '../../../src/observability/namespace-relay.js';
import { openUdpRelay, startRelayInlet, type RelayInlet, type UdpRelay } from '../../../src/observability/xray/namespace-udp-relay.js';
import { MAX_DATAGRAM_BYTES } from '../../../src/observability/xray/segment-document.js';

function frame(payload: Buffer, length = payload.length): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt32BE(length);
  return Buffer.concat([head, payload]);
}

/** A port free on 127.0.0.1 for UDP now. */
async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

describe('the relay inlet', () => {
  let inlet: RelayInlet | undefined;
  afterEach(async () => inlet?.close());

  it('reassembles frames split anywhere, and ends a connection that announces more than a datagram', async () => {
    const got: string[] = [];
    inlet = await startRelayInlet((datagram) => got.push(datagram.toString()));
    const client = connect(inlet.socketPath);
    await new Promise<void>((resolve) => client.once('connect', resolve));
    const bytes = Buffer.concat([frame(Buffer.from('one')), frame(Buffer.from('')), frame(Buffer.from('three'))]);
    // One byte at a time: a frame's length and its bytes arrive in pieces.
    for (const byte of bytes) client.write(Buffer.from([byte]));
    await expect.poll(() => got, { timeout: 5000 }).toEqual(['one', '', 'three']);
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    client.write(frame(Buffer.from('x'), MAX_DATAGRAM_BYTES + 1));
    await closed;
    expect(got).toEqual(['one', '', 'three']);
  });
});

describe.skipIf(process.getuid?.() !== 0 || nsenter() === undefined)('a relay (nsenter as root; here into this process\'s own network)', () => {
  let inlet: RelayInlet | undefined;
  let relay: UdpRelay | undefined;
  afterEach(async () => {
    relay?.close();
    await inlet?.close();
  });

  it('passes each datagram sent to its 127.0.0.1:port to the inlet, whole', async () => {
    const got: Buffer[] = [];
    inlet = await startRelayInlet((datagram) => got.push(Buffer.from(datagram)));
    const port = await freeUdpPort();
    relay = await openUdpRelay(process.pid, port, inlet.socketPath);
    const socket = createSocket('udp4');
    const big = Buffer.alloc(60_000, 0x61);
    for (const datagram of [Buffer.from('{"format":"json","version":1}\n{}'), big]) {
      await new Promise<void>((resolve, reject) => socket.send(datagram, port, '127.0.0.1', (error) => (error ? reject(error) : resolve())));
    }
    socket.close();
    await expect.poll(() => got.length, { timeout: 5000 }).toBe(2);
    expect(got[0]?.toString()).toBe('{"format":"json","version":1}\n{}');
    expect(got[1]?.equals(big)).toBe(true);
  });

  it('refuses to start when its port is taken in that network', async () => {
    inlet = await startRelayInlet(() => undefined);
    const holder = createSocket('udp4');
    await new Promise<void>((resolve) => holder.bind(0, '127.0.0.1', resolve));
    await expect(openUdpRelay(process.pid, holder.address().port, inlet.socketPath)).rejects.toThrow(/exited/);
    holder.close();
  });
});
