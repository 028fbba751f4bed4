import { describe, expect, it } from 'vitest';
import { parseForm, parseQueryRequest } from '../../../src/services/sqs/query-protocol.js';
import { SqsError } from '../../../src/services/sqs/sqs-errors.js';
import { parseJsonRequest } from '../../../src/services/sqs/sqs-protocol.js';
import type { SqsAction } from '../../../src/services/sqs/sqs-types.js';

/** Builds a form body from pairs, percent-encoding as clients do. */
function form(pairs: Record<string, string>): string {
  return Object.entries(pairs).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
}

function parse(pairs: Record<string, string>, path = '/'): SqsAction {
  return parseQueryRequest(parseForm(form(pairs)), path);
}

/** The Query code of what parsing throws, or 'ok'. */
function queryCode(run: () => unknown): string {
  try {
    run();
    return 'ok';
  } catch (err) {
    if (err instanceof SqsError) return err.spec.queryCode;
    throw err;
  }
}

describe('parseForm', () => {
  it('decodes percent escapes and + as space, keeps empty values and = inside values', () => {
    const f = parseForm('Action=SendMessage&MessageBody=a+b%2Bc%3D%26%0D%0A&Empty=&Bare&X=a=b');
    expect(Object.fromEntries(f)).toEqual({ Action: 'SendMessage', MessageBody: 'a b+c=&\r\n', Empty: '', Bare: '', X: 'a=b' });
  });

  it('refuses a key given twice, even spelled differently', () => {
    expect(queryCode(() => parseForm('QueueUrl=a&QueueUrl=b'))).toBe('MalformedQueryString');
    expect(queryCode(() => parseForm('QueueUrl=a&Queue%55rl=b'))).toBe('MalformedQueryString');
  });

  it('refuses bad escapes and bytes that are not UTF-8 instead of guessing', () => {
    expect(queryCode(() => parseForm('MessageBody=%ZZ'))).toBe('MalformedQueryString');
    expect(queryCode(() => parseForm('MessageBody=%FF'))).toBe('MalformedQueryString');
    // A UTF-16 surrogate encoded as UTF-8 (CESU) is not UTF-8.
    expect(queryCode(() => parseForm('MessageBody=%ED%A0%80'))).toBe('MalformedQueryString');
    expect(Object.fromEntries(parseForm('MessageBody=%F0%9F%98%80'))).toEqual({ MessageBody: '\u{1F600}' });
  });
});

describe('parseQueryRequest', () => {
  it('builds the same action as the JSON protocol for a send with attributes', () => {
    const query = parse({
      Action: 'SendMessage', Version: '2012-11-05', QueueUrl: 'http://h/1/q', MessageBody: 'hi', DelaySeconds: '5',
      'MessageAttribute.1.Name': 's', 'MessageAttribute.1.Value.DataType': 'String', 'MessageAttribute.1.Value.StringValue': 'v',
      'MessageAttribute.2.Name': 'b', 'MessageAttribute.2.Value.DataType': 'Binary', 'MessageAttribute.2.Value.BinaryValue': 'AAEC',
      'MessageSystemAttribute.1.Name': 'AWSTraceHeader', 'MessageSystemAttribute.1.Value.DataType': 'String', 'MessageSystemAttribute.1.Value.StringValue': 'Root=1-a-b',
    });
    const json = parseJsonRequest('AmazonSQS.SendMessage', JSON.stringify({
      QueueUrl: 'http://h/1/q', MessageBody: 'hi', DelaySeconds: 5,
      MessageAttributes: { s: { DataType: 'String', StringValue: 'v' }, b: { DataType: 'Binary', BinaryValue: 'AAEC' } },
      MessageSystemAttributes: { AWSTraceHeader: { DataType: 'String', StringValue: 'Root=1-a-b' } },
    }));
    expect(query).toEqual(json);
  });

  it('reads flattened lists, maps and batch entries in index order, under either spelling', () => {
    expect(parse({ Action: 'GetQueueAttributes', QueueUrl: 'q', 'AttributeName.2': 'QueueArn', 'AttributeName.1': 'VisibilityTimeout' }))
      .toEqual({ action: 'GetQueueAttributes', input: { QueueUrl: 'q', AttributeNames: ['VisibilityTimeout', 'QueueArn'] } });
    expect(parse({ Action: 'CreateQueue', QueueName: 'q', 'Attribute.1.Name': 'DelaySeconds', 'Attribute.1.Value': '3', 'Tag.1.Key': 'k', 'Tag.1.Value': '' }))
      .toEqual({ action: 'CreateQueue', input: { QueueName: 'q', Attributes: { DelaySeconds: '3' }, tags: { k: '' } } });
    expect(parse({ Action: 'TagQueue', QueueUrl: 'q', 'Tags.1.Key': 'a', 'Tags.1.Value': 'b' }))
      .toEqual({ action: 'TagQueue', input: { QueueUrl: 'q', Tags: { a: 'b' } } });
    expect(parse({ Action: 'UntagQueue', QueueUrl: 'q', 'TagKey.1': 'a' }))
      .toEqual({ action: 'UntagQueue', input: { QueueUrl: 'q', TagKeys: ['a'] } });
    const batch = parse({
      Action: 'ChangeMessageVisibilityBatch', QueueUrl: 'q',
      'ChangeMessageVisibilityBatchRequestEntry.10.Id': 'ten', 'ChangeMessageVisibilityBatchRequestEntry.10.ReceiptHandle': 'r10',
      'ChangeMessageVisibilityBatchRequestEntry.2.Id': 'two', 'ChangeMessageVisibilityBatchRequestEntry.2.ReceiptHandle': 'r2', 'ChangeMessageVisibilityBatchRequestEntry.2.VisibilityTimeout': '7',
    });
    // Numeric order (2 before 10), not the order of the keys or their text.
    expect(batch).toEqual({ action: 'ChangeMessageVisibilityBatch', input: { QueueUrl: 'q', Entries: [{ Id: 'two', ReceiptHandle: 'r2', VisibilityTimeout: 7 }, { Id: 'ten', ReceiptHandle: 'r10', VisibilityTimeout: 0 }] } });
  });

  it('merges AttributeName and MessageSystemAttributeName on receive, as the JSON path does', () => {
    expect(parse({ Action: 'ReceiveMessage', QueueUrl: 'q', 'AttributeName.1': 'SenderId', 'MessageSystemAttributeName.1': 'SentTimestamp', 'MessageAttributeName.1': 'All', MaxNumberOfMessages: '10', WaitTimeSeconds: '0' }))
      .toEqual(parseJsonRequest('AmazonSQS.ReceiveMessage', JSON.stringify({ QueueUrl: 'q', AttributeNames: ['SenderId'], MessageSystemAttributeNames: ['SentTimestamp'], MessageAttributeNames: ['All'], MaxNumberOfMessages: 10, WaitTimeSeconds: 0 })));
  });

  it('takes a huge index as one item, never as the size of anything', () => {
    const action = parse({ Action: 'SendMessageBatch', QueueUrl: 'q', 'SendMessageBatchRequestEntry.99999999.Id': 'far', 'SendMessageBatchRequestEntry.99999999.MessageBody': 'b' });
    expect(action.action === 'SendMessageBatch' ? action.input.Entries.map((e) => e.Id) : []).toEqual(['far']);
  });

  it('refuses indexes that are not small positive decimals', () => {
    for (const index of ['0', '01', '-1', '1e3', 'x', '', '1000000000', '99999999999999999999']) {
      expect(queryCode(() => parse({ Action: 'DeleteMessageBatch', QueueUrl: 'q', [`DeleteMessageBatchRequestEntry.${index}.Id`]: 'a' })), index).toBe('MalformedQueryString');
    }
  });

  it('reports missing members by their Query names', () => {
    const missing = (pairs: Record<string, string>): string => {
      try {
        parse(pairs);
        return 'ok';
      } catch (err) {
        return err instanceof SqsError ? `${err.spec.queryCode}: ${err.message}` : String(err);
      }
    };
    expect(missing({ Action: 'SendMessage', QueueUrl: 'q' })).toMatch(/^MissingParameter: .*MessageBody/);
    expect(missing({ Action: 'SetQueueAttributes', QueueUrl: 'q', 'Attribute.1.Name': 'DelaySeconds' })).toMatch(/^MissingParameter: .*Attribute\.1\.Value/);
    expect(missing({ Action: 'SetQueueAttributes', QueueUrl: 'q', 'Attribute.1.Value': '3' })).toMatch(/^MissingParameter: .*Attribute\.1\.Name/);
    expect(missing({ Action: 'SendMessage', QueueUrl: 'q', MessageBody: 'x', 'MessageAttribute.1.Value.StringValue': 'v' })).toMatch(/^MissingParameter: .*MessageAttribute\.1\.Name/);
    expect(missing({ Action: 'SendMessage', QueueUrl: 'q', MessageBody: 'x', 'MessageAttribute.1.Name': 'a' })).toMatch(/^InvalidParameterValue: .*non-empty message attribute type/);
    expect(missing({ Action: 'GetQueueAttributes', QueueUrl: 'q', 'AttributeName.1.Extra': 'x' })).toMatch(/^MissingParameter: .*AttributeName\.1\b/);
    expect(missing({ Action: 'DeleteMessageBatch', QueueUrl: 'q', 'DeleteMessageBatchRequestEntry.1.ReceiptHandle': 'r' })).toMatch(/^MissingParameter: .*Id/);
    expect(missing({ Action: 'DeleteMessageBatch', QueueUrl: 'q' })).toMatch(/^MissingParameter: .*Entries/);
    expect(missing({ Action: 'ChangeMessageVisibility', QueueUrl: 'q', ReceiptHandle: 'r' })).toMatch(/^MissingParameter: .*VisibilityTimeout/);
    expect(missing({ QueueUrl: 'q' })).toMatch(/^MissingAction: /);
    expect(missing({ Action: 'AddPermission' })).toMatch(/^InvalidAction: /);
    expect(missing({ Action: 'constructor' })).toMatch(/^InvalidAction: /);
  });

  it('refuses a map key given twice and integers that are not integers', () => {
    expect(queryCode(() => parse({ Action: 'SetQueueAttributes', QueueUrl: 'q', 'Attribute.1.Name': 'DelaySeconds', 'Attribute.1.Value': '1', 'Attribute.2.Name': 'DelaySeconds', 'Attribute.2.Value': '2' }))).toBe('InvalidParameterValue');
    for (const n of ['1.5', '1e1', ' 1', '0x10', '', '9999999999999999']) {
      expect(queryCode(() => parse({ Action: 'ReceiveMessage', QueueUrl: 'q', MaxNumberOfMessages: n })), n).toBe('InvalidParameterValue');
    }
  });

  it('keeps a map key named __proto__ as data', () => {
    const action = parse({ Action: 'TagQueue', QueueUrl: 'q', 'Tags.1.Key': '__proto__', 'Tags.1.Value': 'x' });
    expect(action.action === 'TagQueue' ? Object.keys(action.input.Tags) : []).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>)['x']).toBeUndefined();
  });

  it('takes the queue from the path when QueueUrl is left out, and an empty batch from the bare member name', () => {
    expect(parse({ Action: 'PurgeQueue' }, '/123456789012/jobs')).toEqual({ action: 'PurgeQueue', input: { QueueUrl: '/123456789012/jobs' } });
    expect(queryCode(() => parse({ Action: 'PurgeQueue' }, '/'))).toBe('MissingParameter');
    expect(parse({ Action: 'DeleteMessageBatch', QueueUrl: 'q', Entries: '' })).toEqual({ action: 'DeleteMessageBatch', input: { QueueUrl: 'q', Entries: [] } });
  });

  it('passes bodies through untouched, invalid characters included, for the operation to refuse', () => {
    const action = parse({ Action: 'SendMessage', QueueUrl: 'q', MessageBody: '<&>\u0000\uFFFF\r\n' });
    expect(action.action === 'SendMessage' ? action.input.MessageBody : '').toBe('<&>\u0000\uFFFF\r\n');
  });
});
