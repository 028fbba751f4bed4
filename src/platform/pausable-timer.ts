/**
 * An environment's one timer (the init limit, an invocation's deadline, the extensions' share of
 * it) that a debugger can stop and restart (docs/debugging.md): while paused it does not fire;
 * resumed, it fires after the time that was left when it stopped.
 */

/**
 * Run `check` after the I/O that is already waiting has been read. Timers run before the poll
 * phase, so on a busy loop a deadline timer can fire while the runtime's answer (sent in time)
 * is still unread; checking on the next check phase lets that answer win, as it did on the wire.
 */
function afterPendingIo(check: () => void): void {
  setImmediate(check);
}

/**
 * @example
 * const timer = new PausableTimer();
 * timer.arm(3000, () => timedOut());
 * timer.pause();               // a breakpoint: nothing fires
 * const left = timer.resume(); // ~3000: fires that much later
 * timer.disarm();              // answered
 */
export class PausableTimer {
  #timer: NodeJS.Timeout | undefined;
  #action: (() => void) | undefined;
  #due = 0;
  /** Paused, with this much left (0 when nothing is armed). */
  #pausedRemainingMs: number | undefined;

  /** Fire `action` in `ms` (replacing what was armed); while paused it starts counting at the resume. */
  arm(ms: number, action: () => void): void {
    clearTimeout(this.#timer);
    this.#action = action;
    this.#due = Date.now() + ms;
    if (this.#pausedRemainingMs !== undefined) {
      this.#pausedRemainingMs = ms;
      return;
    }
    this.#timer = setTimeout(() => afterPendingIo(() => {
      if (this.#action === action && this.#pausedRemainingMs === undefined) action();
    }), ms);
  }

  disarm(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#action = undefined;
    if (this.#pausedRemainingMs !== undefined) this.#pausedRemainingMs = 0;
  }

  /** Stop counting. Twice is once. */
  pause(): void {
    if (this.#pausedRemainingMs !== undefined) return;
    this.#pausedRemainingMs = this.#action === undefined ? 0 : Math.max(0, this.#due - Date.now());
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Count again. @returns the time left, when something is armed. */
  resume(): number | undefined {
    const remaining = this.#pausedRemainingMs;
    if (remaining === undefined) return undefined;
    this.#pausedRemainingMs = undefined;
    const action = this.#action;
    if (action === undefined) return undefined;
    this.arm(remaining, action);
    return remaining;
  }

  get paused(): boolean {
    return this.#pausedRemainingMs !== undefined;
  }
}
