import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import { describe, expect, it } from 'vitest';
import { decodeFrames, encodeInvokeComplete, encodePayloadChunk } from '../../src/invoke/event-stream.js';

const codec = new EventStreamCodec(toUtf8, fromUtf8);

describe('event-stream frames', () => {
  it('encodes a PayloadChunk with the raw bytes and the SDK headers', () => {
    const bytes = Buffer.from([0, 1, 2, 255, 0x7b]);
    const message = codec.decode(encodePayloadChunk(bytes));
    expect(message.headers[':event-type']).toEqual({ type: 'string', value: 'PayloadChunk' });
    expect(message.headers[':message-type']).toEqual({ type: 'string', value: 'event' });
    expect(message.headers[':content-type']).toEqual({ type: 'string', value: 'application/octet-stream' });
    expect(Buffer.from(message.body)).toEqual(bytes);
  });

  it('follows the documented frame layout', () => {
    const frame = encodePayloadChunk(Buffer.from('hi'));
    expect(frame.readUInt32BE(0)).toBe(frame.length);
    const headersLength = frame.readUInt32BE(4);
    expect(frame.length).toBe(12 + headersLength + 2 + 4);
    expect(frame.subarray(12 + headersLength, 14 + headersLength).toString()).toBe('hi');
  });

  it('encodes InvokeComplete with only the fields that apply', () => {
    const ok = codec.decode(encodeInvokeComplete({}));
    expect(ok.headers[':event-type']?.value).toBe('InvokeComplete');
    expect(ok.headers[':content-type']?.value).toBe('application/json');
    expect(JSON.parse(toUtf8(ok.body))).toEqual({});

    const failed = codec.decode(encodeInvokeComplete({ errorCode: 'Sandbox.Timedout', errorDetails: '{"errorType":"Sandbox.Timedout"}', logResult: 'U1RBUlQ=' }));
    expect(JSON.parse(toUtf8(failed.body))).toEqual({
      ErrorCode: 'Sandbox.Timedout', ErrorDetails: '{"errorType":"Sandbox.Timedout"}', LogResult: 'U1RBUlQ=',
    });
  });

  it('decodes a run of frames back', () => {
    const frames = decodeFrames(Buffer.concat([encodePayloadChunk(Buffer.from('a')), encodePayloadChunk(Buffer.from('bc')), encodeInvokeComplete({ logResult: 'eA==' })]));
    expect(frames.map((f) => f.headers[':event-type'])).toEqual(['PayloadChunk', 'PayloadChunk', 'InvokeComplete']);
    expect(frames.map((f) => f.body.toString())).toEqual(['a', 'bc', '{"LogResult":"eA=="}']);
  });
});
