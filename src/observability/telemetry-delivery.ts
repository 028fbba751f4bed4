/**
 * Delivery of Telemetry API batches to a subscriber (docs/telemetry.md): HTTP POSTs a JSON array,
 * TCP writes one JSON object per line on a connection kept open between batches.
 */
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { TelemetrySubscription } from '../runtime-api/telemetry-subscription.js';
import type { BatchSender, TelemetryEvent } from './telemetry-batcher.js';

/** Where to connect for a subscriber's port: a host (shared loopback) or a relay's Unix socket. */
export type Endpoint = { readonly host: string; readonly port: number } | { readonly path: string };

/** How the platform reaches an environment's `sandbox.localdomain` (docs/telemetry.md). */
export interface Reach {
  endpoint(port: number): Promise<Endpoint>;
  /** False when the environment cannot be reached after all (no process to enter). */
  reachable?(): boolean;
    /** Let go of what reaching the environment took (relays); the environment is gone. */
  close?(): void;
}

/** An environment on the host's loopback. */
export const HOST_LOOPBACK: Reach = { endpoint: async (port) => ({ host: '127.0.0.1', port }) };

/** A subscriber that does not answer in this long loses the batch. */
const DELIVERY_TIMEOUT_MS = 5000;

async function postBatch(reach: Reach, subscription: TelemetrySubscription, batch: readonly TelemetryEvent[]): Promise<void> {
  const body = JSON.stringify(batch);
  const endpoint = await reach.endpoint(subscription.port);
  const target = 'path' in endpoint ? { socketPath: endpoint.path } : { host: endpoint.host, port: endpoint.port };
  return new Promise((resolve, reject) => {
    const req = request(
      {
        ...target,
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
function tcpSender(reach: Reach, port: number): BatchSender {
  let socket: Socket | undefined;
  const open = async (): Promise<Socket> => {
    const endpoint = await reach.endpoint(port);
    return new Promise((resolve, reject) => {
      const made = connect('path' in endpoint ? { path: endpoint.path } : { host: endpoint.host, port: endpoint.port }, () => {
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
  };
  const send: BatchSender = async (batch) => {
    socket ??= await open();
    const text = batch.map((event) => `${JSON.stringify(event)}\n`).join('');
    const target = socket;
    // A subscriber that stops reading: the socket's idle timeout destroys it, which must fail the
    // batch (and free its slot) even if the write's callback never comes.
    await new Promise<void>((resolve, reject) => {
      const closed = (): void => reject(new Error('telemetry subscriber connection closed'));
      target.once('close', closed);
      target.write(text, (error) => {
        target.off('close', closed);
        if (error) reject(error);
        else resolve();
      });
    });
  };
  send.close = () => {
    socket?.end();
    socket = undefined;
  };
  return send;
}

/**
 * The sender for a subscription; `reach` is how the platform gets to the environment's
 * `sandbox.localdomain`.
 *
 * @example
 * const send = senderFor(HOST_LOOPBACK, subscription);
 * await send([{ time: '2026-01-01T00:00:00.000Z', type: 'function', record: 'hi' }]);
 */
export function senderFor(reach: Reach, subscription: TelemetrySubscription): BatchSender {
  return subscription.protocol === 'HTTP' ? (batch) => postBatch(reach, subscription, batch) : tcpSender(reach, subscription.port);
}
