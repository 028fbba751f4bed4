/**
 * AWS event-stream frames for InvokeWithResponseStream (docs/invoke-api.md).
 *
 * The SDK's unmarshaller dispatches on `:message-type` (`event`) and `:event-type`
 * (`PayloadChunk` | `InvokeComplete`, the members of `InvokeWithResponseStreamResponseEvent`).
 * `PayloadChunk.Payload` is the event payload (blob), so the chunk's bytes are the frame body as is;
 * `InvokeComplete` is a structure, so its body is JSON `{"ErrorCode","ErrorDetails","LogResult"}`.
 */
import { EventStreamCodec, type MessageHeaders } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';

const codec = new EventStreamCodec(toUtf8, fromUtf8);

const CHUNK_HEADERS: MessageHeaders = {
  ':event-type': { type: 'string', value: 'PayloadChunk' },
  ':message-type': { type: 'string', value: 'event' },
  ':content-type': { type: 'string', value: 'application/octet-stream' },
};

const COMPLETE_HEADERS: MessageHeaders = {
  ':event-type': { type: 'string', value: 'InvokeComplete' },
  ':message-type': { type: 'string', value: 'event' },
  ':content-type': { type: 'string', value: 'application/json' },
};

/** The fields of an `InvokeComplete` event; absent ones are left out of the JSON. */
export interface InvokeCompleteFields {
  readonly errorCode?: string | undefined;
  readonly errorDetails?: string | undefined;
  /** Base64 of the last 4 KB of the log, when the caller asked for `Tail`. */
  readonly logResult?: string | undefined;
}

function asBuffer(frame: Uint8Array): Buffer {
  return Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
}

/**
 * One `PayloadChunk` frame carrying `chunk` untouched.
 *
 * @example
 * res.write(encodePayloadChunk(Buffer.from('hello')));
 */
export function encodePayloadChunk(chunk: Uint8Array): Buffer {
  return asBuffer(codec.encode({ headers: CHUNK_HEADERS, body: chunk }));
}

/**
 * The closing `InvokeComplete` frame.
 *
 * @example
 * res.end(encodeInvokeComplete({ errorCode: 'Sandbox.Timedout', errorDetails: '{"errorType":...}' }));
 * res.end(encodeInvokeComplete({})); // success without logs: body `{}`
 */
export function encodeInvokeComplete(fields: InvokeCompleteFields): Buffer {
  const body: Record<string, string> = {};
  if (fields.errorCode !== undefined) body['ErrorCode'] = fields.errorCode;
  if (fields.errorDetails !== undefined) body['ErrorDetails'] = fields.errorDetails;
  if (fields.logResult !== undefined) body['LogResult'] = fields.logResult;
  return asBuffer(codec.encode({ headers: COMPLETE_HEADERS, body: Buffer.from(JSON.stringify(body)) }));
}

/** A decoded frame, for tests and tools. */
export interface DecodedFrame {
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

/**
 * Split a byte sequence of complete frames back into frames (string headers only).
 *
 * @example
 * decodeFrames(Buffer.concat([encodePayloadChunk(b), encodeInvokeComplete({})])).length; // 2
 */
export function decodeFrames(bytes: Uint8Array): DecodedFrame[] {
  const frames: DecodedFrame[] = [];
  let offset = 0;
  while (offset + 4 <= bytes.byteLength) {
    const total = new DataView(bytes.buffer, bytes.byteOffset + offset, 4).getUint32(0);
    const message = codec.decode(bytes.subarray(offset, offset + total));
    const headers: Record<string, string> = {};
    for (const [name, header] of Object.entries(message.headers)) headers[name] = String(header.value);
    frames.push({ headers, body: Buffer.from(message.body) });
    offset += total;
  }
  if (offset !== bytes.byteLength) throw new Error(`Trailing ${bytes.byteLength - offset} bytes are not a whole frame`);
  return frames;
}
