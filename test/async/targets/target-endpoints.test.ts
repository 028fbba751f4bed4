import { describe, expect, it } from 'vitest';
import type { AsyncTarget } from '../../../src/async/async-types.js';
import { checkTargetsReachable, endpointFor, isLoopbackEndpoint } from '../../../src/async/targets/target-endpoints.js';

const QUEUE = { kind: 'sqs', arn: 'arn:aws:sqs:us-east-1:123456789012:jobs', queueName: 'jobs', region: 'us-east-1', accountId: '123456789012' } as const satisfies AsyncTarget;
const TOPIC = { kind: 'sns', arn: 'arn:aws:sns:us-east-1:123456789012:topic', region: 'us-east-1' } as const satisfies AsyncTarget;
const BUS = { kind: 'eventbridge', arn: 'arn:aws:events:us-east-1:123456789012:event-bus/default', region: 'us-east-1' } as const satisfies AsyncTarget;
const FN = { kind: 'function', arn: 'arn:aws:lambda:us-east-1:123456789012:function:next', functionName: 'next' } as const satisfies AsyncTarget;
const LOCAL = new Map([[QUEUE.arn, 'http://127.0.0.1:9324']]);

describe('checkTargetsReachable', () => {
  it('says which option each unreachable target needs, and why', () => {
    const problems = checkTargetsReachable([
      { role: 'OnFailure', target: TOPIC },
      { role: 'OnSuccess', target: BUS, functionName: 'orders' },
      { role: 'DeadLetterQueue', target: QUEUE, functionName: 'orders' },
      { role: 'OnSuccess', target: FN },
    ], {}, new Map());
    expect(problems).toEqual([
      'OnFailure destination arn:aws:sns:us-east-1:123456789012:topic needs --sns-endpoint (or --aws-endpoint): Lamina does not emulate SNS',
      'orders: OnSuccess destination arn:aws:events:us-east-1:123456789012:event-bus/default needs --events-endpoint (or --aws-endpoint): Lamina\'s embedded EventBridge serves only the default bus and the template\'s AWS::Events::EventBus resources',
      'orders: dead-letter queue arn:aws:sqs:us-east-1:123456789012:jobs needs --sqs-endpoint (or --aws-endpoint): the template defines no queue with this ARN, so Lamina does not serve it',
    ]);
  });

  it('passes targets that have an endpoint, and template queues without any', () => {
    expect(checkTargetsReachable([
      { role: 'OnFailure', target: TOPIC }, { role: 'OnSuccess', target: BUS }, { role: 'DeadLetterQueue', target: QUEUE },
    ], { sns: 'http://127.0.0.1:4566', events: 'https://events.us-east-1.amazonaws.com' }, LOCAL)).toEqual([]);
  });

  it('refuses FIFO queues and topics and endpoints that are not URLs, once per problem', () => {
    const fifo = { ...QUEUE, arn: `${QUEUE.arn}.fifo`, queueName: 'jobs.fifo' };
    const problems = checkTargetsReachable([
      { role: 'OnFailure', target: fifo }, { role: 'OnFailure', target: fifo },
      { role: 'OnSuccess', target: { ...TOPIC, arn: `${TOPIC.arn}.fifo` } },
      { role: 'OnSuccess', target: BUS },
    ], { sqs: 'http://127.0.0.1:1', sns: 'http://127.0.0.1:2', events: '127.0.0.1:4566' }, new Map());
    expect(problems).toEqual([
      'OnFailure destination arn:aws:sqs:us-east-1:123456789012:jobs.fifo: it is a FIFO queue: Lambda sends records and dead letters only to standard queues and topics',
      'OnSuccess destination arn:aws:sns:us-east-1:123456789012:topic.fifo: it is a FIFO topic: Lambda sends records and dead letters only to standard queues and topics',
      'OnSuccess destination arn:aws:events:us-east-1:123456789012:event-bus/default: its endpoint "127.0.0.1:4566" is not an http:// or https:// URL',
    ]);
  });
});

describe('endpointFor', () => {
  it('prefers the template queue\'s own server over the SQS endpoint', () => {
    expect(endpointFor(QUEUE, { sqs: 'http://127.0.0.1:4566' }, LOCAL)).toBe('http://127.0.0.1:9324');
    expect(endpointFor({ ...QUEUE, arn: `${QUEUE.arn}-other` }, { sqs: 'http://127.0.0.1:4566' }, LOCAL)).toBe('http://127.0.0.1:4566');
    expect(endpointFor(TOPIC, { sqs: 'http://127.0.0.1:4566' }, LOCAL)).toBeUndefined();
  });

  it('sends to a bus of the embedded EventBridge when it is listed, else to the EventBridge endpoint', () => {
    const local = new Map([[BUS.arn, 'http://127.0.0.1:4010']]);
    expect(endpointFor(BUS, {}, local)).toBe('http://127.0.0.1:4010');
    expect(checkTargetsReachable([{ role: 'OnSuccess', target: BUS }], {}, local)).toEqual([]);
    expect(endpointFor({ ...BUS, arn: `${BUS.arn}-other` }, { events: 'http://127.0.0.1:4566' }, local)).toBe('http://127.0.0.1:4566');
  });
});

describe('isLoopbackEndpoint', () => {
  it('accepts only this machine', () => {
    for (const yes of ['http://127.0.0.1:4566', 'http://127.8.9.10', 'http://localhost:4566', 'http://sqs.localhost', 'http://[::1]:4566']) expect(isLoopbackEndpoint(yes), yes).toBe(true);
    for (const no of ['https://sqs.us-east-1.amazonaws.com', 'http://127.0.0.1.nip.io', 'http://10.0.0.1', 'http://localhost.example.com', 'not a url', 'http://[::2]']) expect(isLoopbackEndpoint(no), no).toBe(false);
  });
});
