import { createSocket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { TraceStore } from '../../../src/observability/xray/trace-store.js';
import { isLocalSender, startReceiver, type XRayReceiver } from '../../../src/observability/xray/xray-receiver.js';

const TRACE = '1-5759e988-bd862e3fe1be46a994272793';
const HEADER = '{"format":"json","version":1}\n';

function send(port: number, datagrams: readonly Buffer[]): Promise<void> {
  const socket = createSocket('udp4');
  return new Promise((resolve, reject) => {
    let left = datagrams.length;
    for (const datagram of datagrams) {
      socket.send(datagram, port, '127.0.0.1', (error) => {
        if (error) reject(error);
        left -= 1;
        if (left === 0) socket.close(() => resolve());
      });
    }
  });
}

describe('the X-Ray receiver', () => {
  let receiver: XRayReceiver | undefined;
  afterEach(async () => receiver?.close());

  it('keeps what SDKs send and counts, without keeping, everything else', async () => {
    const store = new TraceStore();
    receiver = await startReceiver(store, '127.0.0.1', 0);
    const segment = { trace_id: TRACE, id: '70de5b6f19ff9a0a', name: 'app', start_time: 1.5, end_time: 2 };
    const sub = { trace_id: TRACE, id: '70de5b6f19ff9a0b', name: 'call', start_time: 1.6, end_time: 1.7, type: 'subsegment', parent_id: '70de5b6f19ff9a0a' };
    await send(receiver.port, [
      Buffer.from(HEADER + JSON.stringify(segment)),
      Buffer.from(HEADER + JSON.stringify(sub)),
      Buffer.from('hello'),
      Buffer.from(`${HEADER}{not json`),
      Buffer.from(HEADER + JSON.stringify({ ...segment, id: 'x' })),
      Buffer.alloc(0),
    ]);
    const counts = receiver.counts;
    await expect.poll(() => counts.received, { timeout: 5000 }).toBe(6);
    expect(counts.accepted).toBe(2);
    expect(counts.refused).toEqual({ oversize: 0, header: 2, json: 1, shape: 1 });
    expect(store.get(TRACE)?.segments).toEqual([
      { id: '70de5b6f19ff9a0a', name: 'app', startTime: 1.5, endTime: 2, subsegments: [{ id: '70de5b6f19ff9a0b', name: 'call', parentId: '70de5b6f19ff9a0a', startTime: 1.6, endTime: 1.7 }] },
    ]);
  });

  it('says why it cannot bind', async () => {
    receiver = await startReceiver(new TraceStore(), '127.0.0.1', 0);
    await expect(startReceiver(new TraceStore(), '127.0.0.1', receiver.port)).rejects.toThrow(/EADDRINUSE/);
  });
});

describe('isLocalSender (a receiver bound to every address)', () => {
  const own = new Set(['192.0.2.2', 'fd00::2']);
  it.each([
    ['127.0.0.1', true],
    ['::ffff:127.0.0.1', true],
    ['::1', true],
    ['198.18.4.2', true],
    ['198.19.255.254', true],
    ['192.0.2.2', true],
    ['fd00::2', true],
    ['192.0.2.77', false],
    ['198.20.0.1', false],
    ['10.0.0.8', false],
    ['::ffff:10.0.0.8', false],
  ])('%s: %s', (address, accepted) => {
    expect(isLocalSender(address, own)).toBe(accepted);
  });
});
