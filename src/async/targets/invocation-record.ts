/**
 * The invocation record Lambda sends to a function's OnSuccess / OnFailure destination
 * (docs/destinations.md): JSON text in Lambda's key order, built by hand so the caller's event
 * and the function's answer are carried exactly as they were sent (no re-serialisation that would
 * round big numbers or move integer-like keys first).
 */

/** Why a record is sent: the `requestContext.condition` values of asynchronous invocation. */
export type RecordCondition = 'Success' | 'RetriesExhausted' | 'EventAgeExceeded';

/** What the last attempt answered; absent when the function never ran (throttled until the event aged out). */
export interface RecordResponse {
  /** The Invoke status of the attempt: 200 for an answer, function errors included. */
  readonly statusCode: number;
  /** The version that ran: `$LATEST` or a number. */
  readonly executedVersion: string;
  /** `Unhandled` or `Handled`, as `X-Amz-Function-Error` would carry it; absent on success. */
  readonly functionError?: string | undefined;
  /** The function's answer (an error document for a function error); absent or empty: `null`. */
  readonly payload?: Buffer | undefined;
}

export interface InvocationRecordInput {
  readonly requestId: string;
  /** Qualified the way Lambda writes it: `arn:aws:lambda:REGION:ACCOUNT:function:NAME:$LATEST` (or `:1`, `:alias`). */
  readonly functionArn: string;
  readonly condition: RecordCondition;
  /** Attempts made, retries included (0 when the function never ran). */
  readonly approximateInvokeCount: number;
  /** The event as the caller sent it. */
  readonly requestPayload: Buffer;
  readonly response?: RecordResponse | undefined;
  readonly timestamp: Date;
  /**
   * The target's message limit in bytes (`TARGET_MESSAGE_LIMITS`). A record larger than this is
   * sent without `requestPayload` and `responsePayload`, as Lambda drops the payloads of a record
   * that does not fit its destination.
   */
  readonly maxBytes?: number | undefined;
}

/** Bytes a target accepts in one message (docs/destinations.md, "Limits"). */
export const TARGET_MESSAGE_LIMITS = {
  sqs: 1_048_576,
  sns: 262_144,
  eventbridge: 262_144,
  /** An asynchronous invocation's payload limit, for a function destination. */
  function: 1_048_576,
} as const;

/**
 * Build the invocation record's JSON text.
 *
 * @example
 * invocationRecord({
 *   requestId: 'e4b46cbf-b738-4a2e-8880-a18cdf61200e',
 *   functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:orders:$LATEST',
 *   condition: 'Success', approximateInvokeCount: 1, requestPayload: Buffer.from('{"id": 1}'),
 *   response: { statusCode: 200, executedVersion: '$LATEST', payload: Buffer.from('"ok"') },
 *   timestamp: new Date('2019-11-14T18:16:05.568Z'),
 * });
 * // '{"version":"1.0","timestamp":"2019-11-14T18:16:05.568Z","requestContext":{...},"requestPayload":{"id":1},
 * //   "responseContext":{"statusCode":200,"executedVersion":"$LATEST"},"responsePayload":"ok"}'
 */
export function invocationRecord(input: InvocationRecordInput): string {
  const full = recordText(input, true);
  if (input.maxBytes === undefined || Buffer.byteLength(full) <= input.maxBytes) return full;
  return recordText(input, false);
}

function recordText(input: InvocationRecordInput, withPayloads: boolean): string {
  const context =
    `{"requestId":${JSON.stringify(input.requestId)},"functionArn":${JSON.stringify(input.functionArn)},` +
    `"condition":${JSON.stringify(input.condition)},"approximateInvokeCount":${Math.max(0, Math.trunc(input.approximateInvokeCount))}}`;
  let text = `{"version":"1.0","timestamp":${JSON.stringify(input.timestamp.toISOString())},"requestContext":${context}`;
  if (withPayloads) text += `,"requestPayload":${embeddedJson(input.requestPayload)}`;
  const response = input.response;
  if (response !== undefined) {
    text += `,"responseContext":{"statusCode":${Math.trunc(response.statusCode)},"executedVersion":${JSON.stringify(response.executedVersion)}`;
    if (response.functionError !== undefined) text += `,"functionError":${JSON.stringify(response.functionError)}`;
    text += '}';
    if (withPayloads) text += `,"responsePayload":${embeddedJson(response.payload)}`;
  }
  return `${text}}`;
}

/**
 * A payload as a JSON value inside the record: JSON stays the same value with its insignificant
 * whitespace removed; empty is `null`; anything else becomes a JSON string of its UTF-8 text
 * (Lambda's own front door refuses non-JSON events, but a runtime can answer anything).
 */
export function embeddedJson(payload: Buffer | undefined): string {
  if (payload === undefined || payload.length === 0) return 'null';
  const text = payload.toString('utf8');
  try {
    JSON.parse(text);
  } catch {
    return JSON.stringify(text);
  }
  return compactJson(text);
}

/** Remove the whitespace JSON allows between tokens; strings, numbers and literals keep their text. */
function compactJson(text: string): string {
  let out = '';
  let runStart = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // a backslash escapes the next character, quote included
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) {
      out += text.slice(runStart, i);
      runStart = i + 1;
    }
  }
  return out + text.slice(runStart);
}
