/**
 * Runtime API connections of every environment in this process, against its descriptor limit
 * (docs/limits.md). Each environment's listener keeps at most `perListener` connections open; when
 * all of them together reach `total`, every listener is held at what it has (and at least
 * {@link ASSURED_CONNECTIONS}, so a new environment's runtime and extensions still connect) until
 * the total falls back under nine tenths of `total`. Without it, a few hundred environments of a
 * hostile function, 64 connections each, would use up the platform's descriptors, and with them its
 * ability to start processes, write logs and accept callers.
 *
 * @example
 * const budget = new ConnectionBudget(10_000, 64);
 * budget.attach(server); // before server.listen()
 */
import { readFileSync } from 'node:fs';
import type { Server, Socket } from 'node:net';

/** Connections every listener may open whatever the others hold. */
export const ASSURED_CONNECTIONS = 4;

export class ConnectionBudget {
  #open = 0;
  #tight = false;
  /** Open connections per attached listener. */
  readonly #held = new Map<Server, number>();

  constructor(readonly total: number, readonly perListener: number) {}

  /** Count `server`'s connections from now on and cap them (net.Server's `maxConnections`). */
  attach(server: Server): void {
    this.#held.set(server, 0);
    server.maxConnections = this.#tight ? ASSURED_CONNECTIONS : this.perListener;
    // Node refuses past maxConnections before a socket exists, so every socket seen here is kept.
    server.prependListener('connection', (socket: Socket) => {
      this.#open += 1;
      this.#count(server, 1);
      socket.once('close', () => {
        this.#open -= 1;
        this.#count(server, -1);
        if (this.#tight && this.#open < this.total * 0.9) this.#loosen();
      });
      if (!this.#tight && this.#open >= this.total) this.#tighten();
    });
    server.once('close', () => this.#held.delete(server));
  }

  /** Connections open now, over every listener. */
  get open(): number {
    return this.#open;
  }

  #count(server: Server, by: number): void {
    const held = this.#held.get(server);
    if (held === undefined) return; // closed meanwhile
    // While tight a listener keeps the cap it was given: it may replace what it closes, no more.
    this.#held.set(server, held + by);
  }

  #tighten(): void {
    this.#tight = true;
    for (const [server, held] of this.#held) server.maxConnections = Math.max(ASSURED_CONNECTIONS, held);
  }

  #loosen(): void {
    this.#tight = false;
    for (const server of this.#held.keys()) server.maxConnections = this.perListener;
  }
}

/** The process's soft limit on open descriptors (`/proc/self/limits`), or `fallback` where unreadable. */
export function descriptorLimit(fallback = 1024): number {
  try {
    const line = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    if (line?.[1] === undefined) return fallback;
    return line[1] === 'unlimited' ? 1_048_576 : Number(line[1]);
  } catch {
    return fallback;
  }
}
