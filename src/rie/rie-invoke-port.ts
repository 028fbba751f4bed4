/**
 * The Invoke API port of `lamina rie`: RIE's `function` path name routed to the one function, and
 * a timed-out invoke answered the way AWS's RIE answers it, so that tests written against that
 * emulator keep passing (docs/rie.md). `lamina serve` keeps Lambda's error JSON.
 */
import { FUNCTION_ERROR_TYPES } from '../errors.js';
import type { AcceptedInvoke, InvokeOutcome, InvokePort, InvokeRequest } from '../platform/invoke-types.js';
import type { Platform } from '../platform/platform.js';
import type { RieLog } from './rie-log.js';

/** The function name of AWS's RIE's invoke path. */
export const RIE_PATH_FUNCTION_NAME = 'function';

/** What AWS's RIE answers for a timed-out invoke: this text, plain, status 200. */
export function rieTimeoutText(timeoutSeconds: number): string {
  // AWS's RIE prints the integer timeout followed by ".00"; toFixed(2) gives the same text for
  // an integer and stays sensible for a fractional AWS_LAMBDA_FUNCTION_TIMEOUT (RIE refuses those).
  return `Task timed out after ${timeoutSeconds.toFixed(2)} seconds`;
}

/**
 * How the emulator words a timed-out invoke (docs/rie.md): its classic mode answers plain text,
 * its concurrency mode (`AWS_LAMBDA_MAX_CONCURRENCY` set) Lambda's error object without the
 * `RequestId: ...` prefix.
 */
export type RieTimeoutForm = 'classic' | 'concurrent';

/** What the emulator's concurrency mode answers for a timed-out invoke (JSON, status 200). */
export function rieConcurrentTimeoutBody(timeoutSeconds: number): string {
  return JSON.stringify({ errorType: FUNCTION_ERROR_TYPES.LAMINA_ERR_FN_TIMEOUT, errorMessage: rieTimeoutText(timeoutSeconds) });
}

/**
 * Rewrite a buffered timeout outcome into AWS's RIE's body: the plain text of its classic mode,
 * or the error object of its concurrency mode (`form`). The answer keeps
 * `X-Amz-Function-Error: Unhandled` (RIE sends none; a caller that reads the header still learns
 * it failed) and its Content-Type is `text/plain; charset=utf-8`, what RIE's Go server sends.
 *
 * @example
 * asRieTimeout(outcome, 1).result // { kind: 'function-error', error: { payload: 'Task timed out after 1.00 seconds', ... } }
 */
export function asRieTimeout(outcome: InvokeOutcome, timeoutSeconds: number, form: RieTimeoutForm = 'classic'): InvokeOutcome {
  const result = outcome.result;
  if (result.kind !== 'function-error' || result.error.errorType !== FUNCTION_ERROR_TYPES.LAMINA_ERR_FN_TIMEOUT) return outcome;
  return {
    ...outcome,
    result: {
      kind: 'function-error',
      // Neither mode sets a content type: Go's server sniffs both bodies as text/plain.
      error: {
        errorType: result.error.errorType,
        payload: Buffer.from(form === 'classic' ? rieTimeoutText(timeoutSeconds) : rieConcurrentTimeoutBody(timeoutSeconds)),
        contentType: 'text/plain; charset=utf-8',
      },
    },
  };
}

/**
 * Answers RIE's `function` name (and the configured name) with the one function; any other name
 * reaches the platform as it is and gets 404 ResourceNotFoundException.
 */
export class RieInvokePort implements InvokePort {
  readonly #platform: Platform;
  readonly #name: string;
  readonly #timeoutSeconds: number;
  readonly #log: RieLog;
  readonly #timeoutForm: RieTimeoutForm;

  constructor(platform: Platform, fn: { readonly name: string; readonly timeout: number }, log: RieLog, timeoutForm: RieTimeoutForm = 'classic') {
    this.#platform = platform;
    this.#timeoutForm = timeoutForm;
    this.#name = fn.name;
    this.#timeoutSeconds = fn.timeout;
    this.#log = log;
  }

  async invoke(request: InvokeRequest): Promise<InvokeOutcome> {
    const outcome = await this.#platform.invoke(this.#route(request));
    // A streamed invoke reports its timeout in the stream's own error frame, as Lambda does.
    return request.streaming ? outcome : asRieTimeout(outcome, this.#timeoutSeconds, this.#timeoutForm);
  }

  accept(request: InvokeRequest): AcceptedInvoke | Promise<AcceptedInvoke> {
    return this.#platform.accept(this.#route(request));
  }

  #route(request: InvokeRequest): InvokeRequest {
    this.#log.debug(`invoke: ${request.invocationType} ${request.functionName} (${request.payload.length} bytes)`);
    return request.functionName === RIE_PATH_FUNCTION_NAME ? { ...request, functionName: this.#name } : request;
  }
}
