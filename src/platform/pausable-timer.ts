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
  /**
   * The one Node timer, kept between arms (hot path: an invocation arms its deadline and disarms
   * it when answered, thousands of times a second). Disarmed, it stays scheduled but unref'd and
   * finds nothing to do; a later arm that is due no sooner than it reuses it (ref'd again), and
   * when it fires before the armed time it re-schedules itself for the rest.
   */
  #timer: NodeJS.Timeout | undefined;
  /** When #timer fires (Date.now() scale). */
  #timerDue = 0;
  #action: (() => void) | undefined;
  #due = 0;
  /** Paused, with this much left (0 when nothing is armed). */
  #pausedRemainingMs: number | undefined;
  readonly #fire = (): void => this.#fired();

  /** Fire `action` in `ms` (replacing what was armed); while paused it starts counting at the resume. */
  arm(ms: number, action: () => void): void {
    this.#action = action;
    this.#due = Date.now() + ms;
    if (this.#pausedRemainingMs !== undefined) {
      this.#pausedRemainingMs = ms;
      return;
    }
    const timer = this.#timer;
    if (timer !== undefined && this.#timerDue <= this.#due) {
      timer.ref();
      return;
    }
    this.#schedule(ms);
  }

  disarm(): void {
    this.#action = undefined;
    this.#timer?.unref();
    if (this.#pausedRemainingMs !== undefined) this.#pausedRemainingMs = 0;
  }

  /** Disarm and drop the Node timer too (the environment is gone: nothing may hold it). */
  stop(): void {
    this.disarm();
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(ms: number): void {
    clearTimeout(this.#timer);
    this.#timerDue = Date.now() + ms;
    this.#timer = setTimeout(this.#fire, ms);
  }

  #fired(): void {
    this.#timer = undefined;
    const action = this.#action;
    if (action === undefined || this.#pausedRemainingMs !== undefined) return;
    const left = this.#due - Date.now();
    if (left > 0) return this.#schedule(left);
    afterPendingIo(() => {
      if (this.#action === action && this.#pausedRemainingMs === undefined) action();
    });
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
