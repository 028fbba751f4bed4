/**
 * A parked `GET /next` of a lean connection (docs/runtime-api-listener.md): answered once, with an
 * event or the refusal of an environment shutting down; closed once answered or once the runtime
 * has hung up.
 */
import type { Socket } from 'node:net';
import type { NextWaiter, RuntimeEvent } from '../runtime-api-target.js';
import { writeError, writeEvent } from './lean-answers.js';

/** What a waiter tells its connection. */
export interface WaiterOwner {
  /** The waiter was answered: requests behind it may be served. */
  answered(waiter: LeanWaiter): void;
  /** Serve what was pipelined behind it. */
  resume(): void;
}

/**
 * @example
 * const waiter = new LeanWaiter(connection, socket);
 * target.next(waiter); // later: waiter.deliver(event)
 */
export class LeanWaiter implements NextWaiter {
  done = false;
  constructor(
    private readonly connection: WaiterOwner,
    private readonly socket: Socket,
  ) {}

  deliver(event: RuntimeEvent): void {
    if (this.done) return;
    this.done = true;
    this.connection.answered(this);
    writeEvent(this.socket, event);
    this.connection.resume();
  }

  refuse(): void {
    if (this.done) return;
    this.done = true;
    this.connection.answered(this);
    writeError(this.socket, 'LAMINA_ERR_RUNTIME_SHUTTING_DOWN', 'The execution environment is shutting down', true);
  }

  get closed(): boolean {
    return this.done || this.socket.destroyed || !this.socket.writable;
  }
}
