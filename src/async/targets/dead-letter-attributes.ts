/**
 * The three message attributes Lambda puts on a dead letter (docs/destinations.md, "Dead-letter
 * queues"): `RequestID` (String), `ErrorCode` (Number, the HTTP status of the last attempt) and
 * `ErrorMessage` (String, the first 1 KB of the error message). The message body is the event
 * itself, unchanged.
 */

/** How an event failed for good, as the durable queue saw its last attempt. */
export type FinalFailure =
  /**
   * The function ran and answered with an error: an exception, a crash, or a timeout (Lambda words
   * all three as function errors, and Invoke answers them with 200 and `X-Amz-Function-Error`).
   */
  | { readonly kind: 'function-error'; readonly functionError?: string | undefined; readonly payload: Buffer }
  /**
   * The function never answered: throttled (429) or a service error (5xx) on every attempt until
   * the event aged out; `message` is the service's own wording of the refusal.
   */
  | { readonly kind: 'service-error'; readonly statusCode: number; readonly message: string };

export interface DeadLetterAttributes {
  readonly RequestID: string;
  /** A number's decimal text: SNS and SQS carry Number attributes as strings. */
  readonly ErrorCode: string;
  readonly ErrorMessage: string;
}

/** Lambda keeps the first 1 KB of the error message. */
export const DEAD_LETTER_MESSAGE_BYTES = 1024;

/**
 * The attributes of a dead letter for this request and its final failure.
 *
 * @example
 * deadLetterAttributes('6f1c...', { kind: 'function-error', functionError: 'Unhandled',
 *   payload: Buffer.from('{"errorType":"Error","errorMessage":"boom"}') });
 * // { RequestID: '6f1c...', ErrorCode: '200', ErrorMessage: 'boom' }
 * deadLetterAttributes('6f1c...', { kind: 'service-error', statusCode: 429, message: 'Rate Exceeded.' });
 * // { RequestID: '6f1c...', ErrorCode: '429', ErrorMessage: 'Rate Exceeded.' }
 */
export function deadLetterAttributes(requestId: string, failure: FinalFailure): DeadLetterAttributes {
  if (failure.kind === 'service-error') {
    return { RequestID: requestId, ErrorCode: String(Math.trunc(failure.statusCode)), ErrorMessage: firstKilobyte(failure.message) };
  }
  const message = errorMessageOf(failure.payload) ?? (failure.functionError ?? 'Unhandled');
  return { RequestID: requestId, ErrorCode: '200', ErrorMessage: firstKilobyte(message) };
}

/** The `errorMessage` of an error document, else the whole answer's text; `undefined` when empty. */
function errorMessageOf(payload: Buffer): string | undefined {
  const text = payload.toString('utf8');
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null && 'errorMessage' in parsed && typeof parsed.errorMessage === 'string' && parsed.errorMessage !== '') {
      return parsed.errorMessage;
    }
  } catch {
    // Not JSON: the text itself is the message.
  }
  return text.trim() === '' ? undefined : text;
}

/**
 * The longest prefix of `text` within 1,024 UTF-8 bytes that does not cut a character in two
 * (an SQS attribute must be valid Unicode).
 */
export function firstKilobyte(text: string): string {
  if (Buffer.byteLength(text) <= DEAD_LETTER_MESSAGE_BYTES) return text;
  let bytes = 0;
  let end = 0;
  for (const ch of text) {
    const size = Buffer.byteLength(ch);
    if (bytes + size > DEAD_LETTER_MESSAGE_BYTES) break;
    bytes += size;
    end += ch.length;
  }
  return text.slice(0, end);
}
