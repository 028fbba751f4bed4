import { describe, expect, it } from 'vitest';
import { deadLetterAttributes, firstKilobyte } from '../../../src/async/targets/dead-letter-attributes.js';
import { embeddedJson, invocationRecord, TARGET_MESSAGE_LIMITS, type InvocationRecordInput } from '../../../src/async/targets/invocation-record.js';

const ARN = 'arn:aws:lambda:us-east-2:123456789012:function:my-function:$LATEST';
const BASE = {
  requestId: 'e4b46cbf-b738-4a2e-8880-a18cdf61200e',
  functionArn: ARN,
  timestamp: new Date('2019-11-14T18:16:05.568Z'),
} as const;

function record(input: Partial<InvocationRecordInput> & Pick<InvocationRecordInput, 'condition' | 'approximateInvokeCount' | 'requestPayload'>): string {
  return invocationRecord({ ...BASE, ...input });
}

describe('invocation record', () => {
  it('has Lambda\'s exact shape and key order for a success', () => {
    const text = record({
      condition: 'Success', approximateInvokeCount: 1, requestPayload: Buffer.from('{ "ORDER_IDS": [ "a", "b" ] }\n'),
      response: { statusCode: 200, executedVersion: '$LATEST', payload: Buffer.from('{"ok": true}') },
    });
    expect(text).toBe(
      '{"version":"1.0","timestamp":"2019-11-14T18:16:05.568Z",' +
      `"requestContext":{"requestId":"e4b46cbf-b738-4a2e-8880-a18cdf61200e","functionArn":"${ARN}","condition":"Success","approximateInvokeCount":1},` +
      '"requestPayload":{"ORDER_IDS":["a","b"]},' +
      '"responseContext":{"statusCode":200,"executedVersion":"$LATEST"},' +
      '"responsePayload":{"ok":true}}',
    );
  });

  it('carries the function error after the retries, as the AWS example does', () => {
    const text = record({
      condition: 'RetriesExhausted', approximateInvokeCount: 3, requestPayload: Buffer.from('{}'),
      response: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled', payload: Buffer.from('{"errorMessage":"RequestId: x Process exited before completing request"}') },
    });
    const parsed = JSON.parse(text) as Record<string, unknown>;
    expect(Object.keys(parsed)).toEqual(['version', 'timestamp', 'requestContext', 'requestPayload', 'responseContext', 'responsePayload']);
    expect(parsed.responseContext).toEqual({ statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' });
    expect(text).toContain('"condition":"RetriesExhausted","approximateInvokeCount":3}');
  });

  it('has no response context or payload when the event aged out without running', () => {
    const text = record({ condition: 'EventAgeExceeded', approximateInvokeCount: 0, requestPayload: Buffer.from('[1,2]') });
    expect(text).toBe(
      '{"version":"1.0","timestamp":"2019-11-14T18:16:05.568Z",' +
      `"requestContext":{"requestId":"e4b46cbf-b738-4a2e-8880-a18cdf61200e","functionArn":"${ARN}","condition":"EventAgeExceeded","approximateInvokeCount":0},` +
      '"requestPayload":[1,2]}',
    );
  });

  it('keeps the last attempt\'s answer when the event aged out between retries', () => {
    const parsed = JSON.parse(record({
      condition: 'EventAgeExceeded', approximateInvokeCount: 2, requestPayload: Buffer.from('1'),
      response: { statusCode: 200, executedVersion: '7', functionError: 'Unhandled', payload: Buffer.from('{"errorMessage":"Task timed out after 3.00 seconds"}') },
    })) as { responseContext: unknown; responsePayload: unknown };
    expect(parsed.responseContext).toEqual({ statusCode: 200, executedVersion: '7', functionError: 'Unhandled' });
    expect(parsed.responsePayload).toEqual({ errorMessage: 'Task timed out after 3.00 seconds' });
  });

  it('carries payloads byte-faithfully: big numbers, integer-like keys, escapes and spaces inside strings', () => {
    const request = Buffer.from('{"b": 12345678901234567890, "2": "x", "1": 1.50, "s": "a \\" b\\\\", "t": "tab\\there  two"}');
    const text = record({ condition: 'Success', approximateInvokeCount: 1, requestPayload: request });
    expect(text).toContain('"requestPayload":{"b":12345678901234567890,"2":"x","1":1.50,"s":"a \\" b\\\\","t":"tab\\there  two"}');
    expect(() => JSON.parse(text) as unknown).not.toThrow();
  });

  it('embeds an empty answer as null and a non-JSON answer as a string', () => {
    expect(embeddedJson(Buffer.alloc(0))).toBe('null');
    expect(embeddedJson(undefined)).toBe('null');
    expect(embeddedJson(Buffer.from('null'))).toBe('null');
    expect(embeddedJson(Buffer.from('plain "text"\n'))).toBe('"plain \\"text\\"\\n"');
    expect(embeddedJson(Buffer.from('{"unterminated": '))).toBe('"{\\"unterminated\\": "');
    const text = record({ condition: 'Success', approximateInvokeCount: 1, requestPayload: Buffer.from('{}'), response: { statusCode: 200, executedVersion: '$LATEST' } });
    expect(text.endsWith('"responseContext":{"statusCode":200,"executedVersion":"$LATEST"},"responsePayload":null}')).toBe(true);
  });

  it('escapes hostile identifiers instead of breaking the JSON', () => {
    const text = invocationRecord({
      ...BASE, requestId: 'id"},"injected":{"x":"', functionArn: 'arn\u2028\n', condition: 'Success', approximateInvokeCount: 1.9,
      requestPayload: Buffer.from('{}'), response: { statusCode: 200, executedVersion: '"$LATEST"' },
    });
    const parsed = JSON.parse(text) as { requestContext: Record<string, unknown>; responseContext: Record<string, unknown> };
    expect(parsed).not.toHaveProperty('injected');
    expect(parsed.requestContext.requestId).toBe('id"},"injected":{"x":"');
    expect(parsed.requestContext.approximateInvokeCount).toBe(1);
    expect(parsed.responseContext.executedVersion).toBe('"$LATEST"');
  });

  it('drops both payloads when the record would not fit the target', () => {
    const big = Buffer.from(JSON.stringify({ blob: 'x'.repeat(TARGET_MESSAGE_LIMITS.sns) }));
    const input = {
      condition: 'Success' as const, approximateInvokeCount: 1, requestPayload: big, maxBytes: TARGET_MESSAGE_LIMITS.sns,
      response: { statusCode: 200, executedVersion: '$LATEST', payload: Buffer.from('"small"') },
    };
    const text = record(input);
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(TARGET_MESSAGE_LIMITS.sns);
    const parsed = JSON.parse(text) as Record<string, unknown>;
    expect(Object.keys(parsed)).toEqual(['version', 'timestamp', 'requestContext', 'responseContext']);
    // The same record fits an SQS queue whole.
    expect(JSON.parse(record({ ...input, maxBytes: TARGET_MESSAGE_LIMITS.sqs }))).toHaveProperty('requestPayload.blob');
  });
});

describe('dead-letter attributes', () => {
  it('takes a function error\'s errorMessage with status 200', () => {
    expect(deadLetterAttributes('r-1', { kind: 'function-error', functionError: 'Unhandled', payload: Buffer.from('{"errorType":"Error","errorMessage":"boom","trace":[]}') }))
      .toEqual({ RequestID: 'r-1', ErrorCode: '200', ErrorMessage: 'boom' });
  });

  it('words a timeout the way the runtime reported it', () => {
    const payload = Buffer.from('{"errorMessage":"2024-01-01T00:00:00.000Z r-2 Task timed out after 3.00 seconds"}');
    expect(deadLetterAttributes('r-2', { kind: 'function-error', functionError: 'Unhandled', payload }).ErrorMessage)
      .toBe('2024-01-01T00:00:00.000Z r-2 Task timed out after 3.00 seconds');
  });

  it('falls back to the answer\'s text, then to the function error kind', () => {
    expect(deadLetterAttributes('r', { kind: 'function-error', payload: Buffer.from('segfault') }).ErrorMessage).toBe('segfault');
    expect(deadLetterAttributes('r', { kind: 'function-error', payload: Buffer.from('{"errorMessage":42}') }).ErrorMessage).toBe('{"errorMessage":42}');
    expect(deadLetterAttributes('r', { kind: 'function-error', functionError: 'Handled', payload: Buffer.from('  ') }).ErrorMessage).toBe('Handled');
    expect(deadLetterAttributes('r', { kind: 'function-error', payload: Buffer.alloc(0) }).ErrorMessage).toBe('Unhandled');
  });

  it('carries a throttle or service error\'s own status and message', () => {
    expect(deadLetterAttributes('r-3', { kind: 'service-error', statusCode: 429, message: 'Rate Exceeded.' }))
      .toEqual({ RequestID: 'r-3', ErrorCode: '429', ErrorMessage: 'Rate Exceeded.' });
    expect(deadLetterAttributes('r-4', { kind: 'service-error', statusCode: 502, message: 'bad gateway' }).ErrorCode).toBe('502');
  });

  it('keeps the first 1 KB without cutting a character', () => {
    expect(firstKilobyte('a'.repeat(1024))).toHaveLength(1024);
    expect(firstKilobyte('a'.repeat(1025))).toHaveLength(1024);
    expect(firstKilobyte('é'.repeat(600))).toBe('é'.repeat(512));
    const euros = firstKilobyte('€'.repeat(400));
    expect(Buffer.byteLength(euros)).toBe(1023);
    const emoji = firstKilobyte(`a${'😀'.repeat(300)}`);
    expect(Buffer.byteLength(emoji)).toBe(1021);
    expect(emoji.endsWith('\ud83d')).toBe(false);
    const long = deadLetterAttributes('r', { kind: 'function-error', payload: Buffer.from(JSON.stringify({ errorMessage: 'z'.repeat(5000) })) });
    expect(long.ErrorMessage).toBe('z'.repeat(1024));
  });
});
