/**
 * Delivery of Telemetry API batches to a subscriber (docs/telemetry.md): HTTP POSTs a JSON array,
 * TCP writes one JSON object per line on a connection kept open between batches.
 */
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { TelemetrySubscription } from '../runtime-api/telemetry-subscription.js';
import type { BatchSender, TelemetryEvent } from './telemetry-batcher.js';

/** A subscriber that does not answer in this long loses the batch. */
const DELIVERY_TIMEOUT_MS = 5000;

function postBatch(host: string, subscription: TelemetrySubscription, batch: readonly TelemetryEvent[]): Promise<void> {
  const body = JSON.stringify(batch);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host,
        port: subscription.port,
        path: subscription.path === '' ? '/' : subscription.path,
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
        timeout: DELIVERY_TIMEOUT_MS,
      },
      (res) => {
        res.resume();
        res.on('end', resolve);
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('telemetry subscriber did not answer')));
    req.on('error', reject);
    req.end(body);
  });
}

/** One TCP connection per subscriber, made on the first batch and again after it breaks. */
function tcpSender(host: string, port: number): BatchSender {
  let socket: Socket | undefined;
  const open = (): Promise<Socket> =>
    new Promise((resolve, reject) => {
      const made = connect({ host, port }, () => {
        made.off('error', reject);
        made.on('error', () => undefined);
        made.on('close', () => {
          if (socket === made) socket = undefined;
        });
        resolve(made);
      });
      made.once('error', reject);
      made.setTimeout(DELIVERY_TIMEOUT_MS, () => made.destroy());
    });
  const send: BatchSender = async (batch) => {
    socket ??= await open();
    const text = batch.map((event) => `${JSON.stringify(event)}\n`).join('');
    const target = socket;
    await new Promise<void>((resolve, reject) => target.write(text, (error) => (error ? reject(error) : resolve())));
  };
  send.close = () => {
    socket?.end();
    socket = undefined;
  };
  return send;
}

/**
 * The sender for a subscription; `host` is where the environment's `sandbox.localdomain` is
 * reachable from the platform.
 *
 * @example
 * const send = senderFor('127.0.0.1', subscription);
 * await send([{ time: '2026-01-01T00:00:00.000Z', type: 'function', record: 'hi' }]);
 */
export function senderFor(host: string, subscription: TelemetrySubscription): BatchSender {
  return subscription.protocol === 'HTTP' ? (batch) => postBatch(host, subscription, batch) : tcpSender(host, subscription.port);
}
