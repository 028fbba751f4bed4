/** Lambda's success and failure rules for `batchItemFailures` (src/event-sources/sqs/batch-outcome.ts). */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { batchOutcome, parseBatchItemFailures } from '../../../src/event-sources/sqs/batch-outcome.js';

const IDS = ['m1', 'm2', 'm3'];
const parse = (text: string) => parseBatchItemFailures(Buffer.from(text), IDS);

describe('parseBatchItemFailures', () => {
  it('complete success: empty or null list, empty or null answer, no key', () => {
    for (const text of ['', '  ', 'null', '{}', '{"batchItemFailures":[]}', '{"batchItemFailures":null}', '{"other":1}']) {
      expect(parse(text), text).toEqual({ kind: 'success' });
    }
  });

  it('partial: the named messages stay, duplicates collapse', () => {
    const outcome = parse('{"batchItemFailures":[{"itemIdentifier":"m2"},{"itemIdentifier":"m3"},{"itemIdentifier":"m2"}]}');
    expect(outcome.kind).toBe('partial');
    expect(outcome.kind === 'partial' ? [...outcome.failed] : []).toEqual(['m2', 'm3']);
  });

  it('whole batch failed: invalid JSON, a bad key, a null or empty or unknown identifier, a non-list, a non-object answer', () => {
    for (const text of [
      '{"batchItemFailures":[', 'not json', '{"batchItemFailures":[{"itemId":"m1"}]}', '{"batchItemFailures":[{"itemIdentifier":null}]}',
      '{"batchItemFailures":[{"itemIdentifier":""}]}', '{"batchItemFailures":[{"itemIdentifier":"m9"}]}', '{"batchItemFailures":[{"itemIdentifier":1}]}',
      '{"batchItemFailures":"m1"}', '{"batchItemFailures":[null]}', '"m1"', '[]', '42',
      '{"batchItemFailures":[{"itemIdentifier":"m1"},{"itemIdentifier":"__proto__"}]}',
    ]) {
      expect(parse(text).kind, text).toBe('failure');
    }
  });
});

describe('batchOutcome', () => {
  it('a function error keeps the batch; a response is read only when the mapping reports item failures', async () => {
    expect((await batchOutcome({ kind: 'function-error', error: { errorType: 'Function.Failed', payload: Buffer.from('{}') } }, true, IDS)).kind).toBe('failure');
    const response = { kind: 'response' as const, payload: Buffer.from('{"batchItemFailures":[{"itemIdentifier":"m1"}]}'), contentType: 'application/json' };
    expect((await batchOutcome(response, true, IDS)).kind).toBe('partial');
    expect(await batchOutcome(response, false, IDS)).toEqual({ kind: 'success' });
  });

  it('a stream is read to its end: its error fails the batch, its bytes are the answer', async () => {
    const stream = (text: string, error?: string) => {
      const body = new PassThrough();
      body.end(text);
      return { kind: 'stream' as const, stream: { contentType: 'application/json', body, completion: Promise.resolve(error === undefined ? undefined : { errorType: error, payload: Buffer.from('{}') }) } };
    };
    expect((await batchOutcome(stream('{"batchItemFailures":[{"itemIdentifier":"m3"}]}'), true, IDS)).kind).toBe('partial');
    expect((await batchOutcome(stream('{}', 'Function.Timeout'), true, IDS)).kind).toBe('failure');
  });
});
