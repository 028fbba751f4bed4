/**
 * What every SQS operation shares: the store, the account and region queue URLs and ARNs are made
 * of, queue lookup by URL, receipt handles, and the signals that wake long-polling receives.
 */
import { randomBytes } from 'node:crypto';
import { queueConfig, type QueueConfig } from './queue-attributes.js';
import { SqsError } from './sqs-errors.js';
import type { SqsStore, StoredQueue } from './sqs-store.js';

/**
 * Wakes receives waiting on a queue when a message may have become available there.
 *
 * @example
 * await signals.wait('jobs', 1000, abortSignal); // resolves on notify('jobs'), the timeout or abort
 */
export class QueueSignals {
  private readonly waiters = new Map<string, Set<() => void>>();
  private closed = false;

  notify(queue: string): void {
    const set = this.waiters.get(queue);
    if (set === undefined) return;
    this.waiters.delete(queue);
    for (const wake of set) wake();
  }

  wait(queue: string, ms: number, abort?: AbortSignal): Promise<void> {
    if (this.closed || abort?.aborted === true) return Promise.resolve();
    return new Promise((resolve) => {
      const set = this.waiters.get(queue) ?? new Set<() => void>();
      this.waiters.set(queue, set);
      const done = (): void => {
        clearTimeout(timer);
        set.delete(wake);
        abort?.removeEventListener('abort', done);
        resolve();
      };
      const wake = done;
      const timer = setTimeout(done, Math.max(0, ms));
      set.add(wake);
      abort?.addEventListener('abort', done, { once: true });
    });
  }

  /** Ends every wait (server shutdown): the receives answer with what they have, nothing. */
  close(): void {
    this.closed = true;
    for (const queue of [...this.waiters.keys()]) this.notify(queue);
  }

  get isClosed(): boolean {
    return this.closed;
  }
}

export interface SqsContext {
  readonly store: SqsStore;
  readonly region: string;
  readonly accountId: string;
  readonly signals: QueueSignals;
}

/** A queue found from its URL, with its typed configuration. */
export interface ResolvedQueue {
  readonly queue: StoredQueue;
  readonly config: QueueConfig;
}

/**
 * The queue a `QueueUrl` names (its last path segment; a bare name works too, for in-process callers).
 *
 * @example
 * const { queue, config } = resolveQueue(ctx, 'http://127.0.0.1:9324/000000000000/jobs');
 */
export function resolveQueue(ctx: SqsContext, queueUrl: string): ResolvedQueue {
  const name = queueNameOf(queueUrl);
  const queue = name === undefined ? undefined : ctx.store.getQueue(name);
  if (queue === undefined) throw new SqsError('LAMINA_ERR_SQS_QUEUE_DOES_NOT_EXIST', 'The specified queue does not exist.');
  return { queue, config: queueConfig(queue.attributes) };
}

export function queueNameOf(queueUrl: string): string | undefined {
  const path = /^[a-z]+:\/\//i.test(queueUrl) ? new URL(queueUrl).pathname : queueUrl;
  const parts = path.split('/').filter((p) => p !== '');
  return parts.at(-1);
}

export function queueArn(ctx: SqsContext, name: string): string {
  return `arn:aws:sqs:${ctx.region}:${ctx.accountId}:${name}`;
}

export function queueUrl(ctx: SqsContext, host: string, name: string): string {
  return `http://${host}/${ctx.accountId}/${name}`;
}

/** The queue name an SQS ARN ends with, if it is one of ours. */
export function queueNameOfArn(ctx: SqsContext, arn: string): string | undefined {
  const parts = arn.split(':');
  return parts.length === 6 && parts[2] === 'sqs' && parts[4] === ctx.accountId ? parts[5] : undefined;
}

/** What a receipt handle names: the queue and message it was issued for. */
export interface ReceiptHandle { readonly queue: string; readonly messageId: string }

/**
 * A new receipt handle: opaque to callers, but naming its queue and message so that a stale handle
 * (the message was received again) is told apart from a malformed one.
 *
 * @example
 * const handle = newReceiptHandle('jobs', message.id);
 */
export function newReceiptHandle(queue: string, messageId: string): string {
  return Buffer.from(JSON.stringify({ q: queue, m: messageId, n: randomBytes(12).toString('hex') })).toString('base64url');
}

export function parseReceiptHandle(handle: string, queue: string): ReceiptHandle {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(handle, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const p = parsed as { q?: unknown; m?: unknown } | undefined;
  if (p === undefined || p === null || typeof p.q !== 'string' || typeof p.m !== 'string' || p.q !== queue) {
    throw new SqsError('LAMINA_ERR_SQS_RECEIPT_HANDLE_INVALID', `The input receipt handle "${handle}" is not a valid receipt handle.`);
  }
  return { queue: p.q, messageId: p.m };
}
