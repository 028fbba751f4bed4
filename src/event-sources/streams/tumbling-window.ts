/**
 * Tumbling windows of a stream mapping (`TumblingWindowInSeconds`, docs/event-sources-kinesis.md):
 * each record belongs to the window of its arrival time, windows aligned on multiples of the window
 * length since the epoch. The function gets the window and the state it answered last time in the
 * same window, answers `{"state": {...}}`, and when the window has passed gets one last invoke with
 * `isFinalInvokeForWindow: true` and no records, after which the state is dropped. State is kept
 * per shard and key lane.
 */
import type { InvocationResult } from '../../platform/invoke-types.js';

/** Lambda's bound on the state a function returns. */
export const MAX_STATE_BYTES = 1024 * 1024;
/** How long after a window's end its final invoke waits for records still being read (two idle polls). */
const GRACE_MS = 500;
/** How often a window whose records are still queued is looked at again. */
const RECHECK_MS = 100;

/** The extra members a windowed event carries after `Records`. */
export interface WindowFields {
  readonly window: { readonly start: string; readonly end: string };
  readonly state: Readonly<Record<string, unknown>>;
  readonly shardId: string;
  readonly eventSourceARN: string;
  readonly isFinalInvokeForWindow: boolean;
  readonly isWindowTerminatedEarly: boolean;
}

/**
 * The start (ms) of the window a time falls in.
 *
 * @example windowStartOf(Date.parse('2020-07-30T17:03:10Z'), 300_000) // Date.parse('2020-07-30T17:00:00Z')
 */
export function windowStartOf(timeMs: number, windowMs: number): number {
  return Math.floor(timeMs / windowMs) * windowMs;
}

/**
 * The window members of an event.
 *
 * @example windowFields(start, 60_000, { count: 3 }, { shardId, streamArn }, false)
 */
export function windowFields(startMs: number, windowMs: number, state: Readonly<Record<string, unknown>>, where: { readonly shardId: string; readonly streamArn: string }, final: boolean, terminatedEarly = false): WindowFields {
  return {
    window: { start: new Date(startMs).toISOString(), end: new Date(startMs + windowMs).toISOString() },
    state,
    shardId: where.shardId,
    eventSourceARN: where.streamArn,
    isFinalInvokeForWindow: final,
    isWindowTerminatedEarly: terminatedEarly,
  };
}

/**
 * The `state` of a function's answer: an object, or `{}` when the answer has none (not JSON, no
 * `state`, or a state that is not an object). `tooLarge` when it is over Lambda's 1 MB.
 *
 * @example answeredState({ kind: 'response', payload: Buffer.from('{"state":{"n":1}}'), contentType: 'application/json' }) // { state: { n: 1 }, tooLarge: false }
 */
export function answeredState(result: InvocationResult): { state: Record<string, unknown>; tooLarge: boolean } {
  if (result.kind !== 'response') return { state: {}, tooLarge: false };
  let answer: unknown;
  try {
    answer = JSON.parse(result.payload.toString('utf8'));
  } catch {
    return { state: {}, tooLarge: false };
  }
  const state = typeof answer === 'object' && answer !== null ? (answer as Record<string, unknown>)['state'] : undefined;
  if (typeof state !== 'object' || state === null || Array.isArray(state)) return { state: {}, tooLarge: false };
  return { state: state as Record<string, unknown>, tooLarge: Buffer.byteLength(JSON.stringify(state)) > MAX_STATE_BYTES };
}

/** A lane's open window: its start and the state the function answered last. */
export interface OpenWindow {
  readonly start: number;
  state: Record<string, unknown>;
}

/**
 * The open windows of one shard's lanes. A lane's jobs (its batches and its windows' final
 * invokes) run one after the other: a batch of a later window first closes the lane's open window
 * (its final invoke), and a window nobody writes to any more is closed by a timer shortly after its
 * end, once the lane holds none of its records (`pending`).
 *
 * @example
 * const windows = new LaneWindows(60_000, (lane, open) => finalInvoke(lane, open));
 * await windows.run(0, windowStartOf(batch[0].arrivalMs, 60_000), (open) => deliver(batch, open));
 * windows.stop();
 */
export class LaneWindows {
  readonly #open = new Map<number, OpenWindow & { timer?: NodeJS.Timeout }>();
  readonly #chains = new Map<number, Promise<void>>();
  #stopped = false;

  constructor(
    private readonly windowMs: number,
    private readonly finalInvoke: (lane: number, open: OpenWindow) => Promise<void>,
    /** Whether the lane still holds records of the window starting at `start` (not yet invoked). */
    private readonly pending: (lane: number, start: number) => boolean = () => false,
  ) {}

  /** Runs `job` in the lane's order with the window `start`'s open state (a later window closes the earlier one first). */
  run(lane: number, start: number, job: (open: OpenWindow) => Promise<void>): Promise<void> {
    return this.#chain(lane, async () => {
      const current = this.#open.get(lane);
      if (current !== undefined && current.start !== start) await this.#close(lane, current);
      const open = this.#open.get(lane) ?? { start, state: {} };
      this.#open.set(lane, open);
      await job(open);
      if (open.timer === undefined) this.#arm(lane, open, open.start + this.windowMs + GRACE_MS - Date.now());
    });
  }

  /** The timer that closes the window once it has ended and none of its records wait in the lane. */
  #arm(lane: number, open: OpenWindow & { timer?: NodeJS.Timeout }, delayMs: number): void {
    if (this.#stopped) return;
    open.timer = setTimeout(() => void this.#chain(lane, async () => {
      if (this.#open.get(lane) !== open) return;
      if (this.pending(lane, open.start)) this.#arm(lane, open, RECHECK_MS);
      else await this.#close(lane, open);
    }), Math.max(0, delayMs));
    open.timer.unref();
  }

  /** No more final invokes (windows still open at shutdown are dropped, as their state would be). */
  stop(): void {
    this.#stopped = true;
    for (const open of this.#open.values()) clearTimeout(open.timer);
    this.#open.clear();
  }

  async #close(lane: number, open: OpenWindow & { timer?: NodeJS.Timeout }): Promise<void> {
    clearTimeout(open.timer);
    this.#open.delete(lane);
    if (!this.#stopped) await this.finalInvoke(lane, open);
  }

  #chain(lane: number, job: () => Promise<void>): Promise<void> {
    const next = (this.#chains.get(lane) ?? Promise.resolve()).then(job);
    const settled = next.catch(() => undefined);
    this.#chains.set(lane, settled);
    return next;
  }
}
