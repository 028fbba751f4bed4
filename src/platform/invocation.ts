/**
 * One invocation on its way through the platform: what the caller asked, where it stands, and
 * the promise its caller waits on. The first settlement wins; later ones are ignored, so a
 * timeout racing a late response can never answer twice.
 */
import type { FunctionConfig } from '../config/function-config.js';
import type { InvocationResult, InvokeRequest } from './invoke-types.js';

/** How much of the log an invocation keeps for `X-Amz-Log-Type: Tail` (docs/invoke-api.md: 4 KB). */
const TAIL_KEEP_BYTES = 8 * 1024;

export type InvocationStage = 'assigned' | 'delivered' | 'answering' | 'done';

/**
 * @example
 * const invocation = new Invocation(fn, request, requestId, traceId);
 * const result = await invocation.result;
 */
export class Invocation {
  readonly fn: FunctionConfig;
  readonly request: InvokeRequest;
  readonly requestId: string;
  readonly traceId: string;
  readonly invokedFunctionArn: string;
  /** Epoch ms at which the function times out; set when an environment takes the invocation. */
  deadlineMs = 0;
  /** performance.now() when an environment took the invocation. */
  startedAt = 0;
  stage: InvocationStage = 'assigned';
  readonly result: Promise<InvocationResult>;
  #resolve!: (result: InvocationResult) => void;
  #settled = false;
  #tail: string[] | undefined;
  #tailBytes = 0;
  /**
   * Called once, when the invocation has left its environment (answered, timed out or crashed):
   * its concurrency slot is free. A callback, not a promise (hot path: once per invocation).
   */
  onFinished: (() => void) | undefined;
  /** Called once, with what the caller is answered, when it is settled. */
  onSettled: ((result: InvocationResult) => void) | undefined;

  constructor(fn: FunctionConfig, request: InvokeRequest, requestId: string, traceId: string) {
    this.fn = fn;
    this.request = request;
    this.requestId = requestId;
    this.traceId = traceId;
    // The ARN the caller used: qualified exactly when the call named a qualifier.
    this.invokedFunctionArn = request.qualifier === undefined ? fn.arn : `${fn.arn}:${request.qualifier}`;
    this.result = new Promise((resolve) => {
      this.#resolve = resolve;
    });
    if (request.tailLogs) this.#tail = [];
  }

  /** The environment is done with this invocation: its concurrency slot is free again. Twice is once. */
  markFinished(): void {
    const finished = this.onFinished;
    this.onFinished = undefined;
    finished?.();
  }

  get settled(): boolean {
    return this.#settled;
  }

  /** Answer the caller. Returns false when the caller was already answered. */
  settle(result: InvocationResult): boolean {
    if (this.#settled) return false;
    this.#settled = true;
    this.#resolve(result);
    this.onSettled?.(result);
    return true;
  }

  /** Keep a log line for the tail, when the caller asked for it. */
  keepLogLine(line: string): void {
    const tail = this.#tail;
    if (tail === undefined) return;
    tail.push(line);
    this.#tailBytes += line.length + 1;
    while (this.#tailBytes > TAIL_KEEP_BYTES && tail.length > 1) {
      this.#tailBytes -= (tail.shift() as string).length + 1;
    }
  }

  /** The kept log, newline-terminated lines (empty when no tail was asked). */
  logText(): string {
    return this.#tail === undefined || this.#tail.length === 0 ? '' : `${this.#tail.join('\n')}\n`;
  }
}
