import { describe, expect, it } from 'vitest';
import { checkTarget, parseTargetArn, type TargetScope } from '../../src/config/async-targets.js';
import { TemplateReport } from '../../src/config/function-properties.js';

describe('parseTargetArn', () => {
  it('reads functions (with or without a qualifier), queues, topics and event buses', () => {
    expect(parseTargetArn('arn:aws:lambda:eu-west-1:123456789012:function:worker')).toEqual({ kind: 'function', arn: 'arn:aws:lambda:eu-west-1:123456789012:function:worker', functionName: 'worker' });
    expect(parseTargetArn('arn:aws:lambda:eu-west-1:123456789012:function:worker:live')).toMatchObject({ kind: 'function', functionName: 'worker', qualifier: 'live' });
    expect(parseTargetArn('arn:aws:lambda:eu-west-1:123456789012:function:worker:$LATEST')).toMatchObject({ qualifier: '$LATEST' });
    expect(parseTargetArn('arn:aws:sqs:us-east-2:210987654321:jobs.fifo')).toEqual({ kind: 'sqs', arn: 'arn:aws:sqs:us-east-2:210987654321:jobs.fifo', queueName: 'jobs.fifo', region: 'us-east-2', accountId: '210987654321' });
    expect(parseTargetArn('arn:aws-cn:sns:cn-north-1:123456789012:alerts')).toEqual({ kind: 'sns', arn: 'arn:aws-cn:sns:cn-north-1:123456789012:alerts', region: 'cn-north-1' });
    expect(parseTargetArn('arn:aws:events:eu-west-1:123456789012:event-bus/default')).toEqual({ kind: 'eventbridge', arn: 'arn:aws:events:eu-west-1:123456789012:event-bus/default', region: 'eu-west-1' });
    expect(parseTargetArn('arn:aws:s3:::my-bucket')).toBe('s3');
  });

  it.each([
    '',
    'jobs',
    'arn:aws:sqs:eu-west-1:123456789012:',
    'arn:aws:sqs:eu-west-1:1234:jobs',
    'arn:aws:sqs::123456789012:jobs',
    'arn:aws:sqs:eu-west-1:123456789012:has space',
    'arn:aws:sqs:eu-west-1:123456789012:a/b',
    'arn:aws:lambda:eu-west-1:123456789012:layer:x:1',
    'arn:aws:lambda:eu-west-1:123456789012:function:a:b:c',
    'arn:aws:events:eu-west-1:123456789012:rule/x',
    'arn:aws:dynamodb:eu-west-1:123456789012:table/t',
    'arn:aws:s3:::B',
    `arn:aws:sqs:eu-west-1:123456789012:${'q'.repeat(81)}`,
  ])('refuses %j', (arn) => {
    expect(parseTargetArn(arn)).toBeUndefined();
  });
});

describe('checkTarget', () => {
  const scope: TargetScope = {
    region: 'eu-west-1',
    accountId: '123456789012',
    functions: new Map([['worker', 'live'], ['plain', undefined]]),
    queues: [],
  };
  const check = (value: unknown, kinds: ('function' | 'sqs' | 'sns' | 'eventbridge')[], type?: string) => {
    const report = new TemplateReport();
    const target = checkTarget(report, scope, 'R', 'P', value, { kinds, type, refuseFifo: true });
    return { target, problems: report.problems, warnings: report.warnings };
  };

  it('accepts the template\'s functions with $LATEST, a version or their alias', () => {
    for (const arn of ['function:worker', 'function:worker:live', 'function:worker:3', 'function:plain:$LATEST']) {
      expect(check(`arn:aws:lambda:eu-west-1:123456789012:${arn}`, ['function']).problems).toEqual([]);
    }
  });

  it('refuses unknown functions and aliases, functions of another account or region, wrong kinds and values that are not ARNs', () => {
    expect(check('arn:aws:lambda:eu-west-1:123456789012:function:ghost', ['function']).problems).toEqual(['Resource R: property P: names unknown function ghost (a destination function must be defined in this template)']);
    expect(check('arn:aws:lambda:us-east-1:123456789012:function:worker', ['function']).problems).toEqual(['Resource R: property P: names unknown function worker (a destination function must be defined in this template)']);
    expect(check('arn:aws:lambda:eu-west-1:999999999999:function:worker', ['function']).problems).toHaveLength(1);
    expect(check('arn:aws:lambda:eu-west-1:123456789012:function:plain:live', ['function']).problems).toEqual(['Resource R: property P: names unknown alias live of function plain']);
    expect(check('arn:aws:lambda:eu-west-1:123456789012:function:worker', ['sqs', 'sns']).problems).toEqual(['Resource R: property P: "arn:aws:lambda:eu-west-1:123456789012:function:worker" is a Lambda function; expected an SQS queue or an SNS topic']);
    expect(check(42, ['sqs', 'sns']).problems).toEqual(['Resource R: property P: 42 is not the ARN of an SQS queue, an SNS topic']);
    expect(check('arn:aws:sns:eu-west-1:123456789012:t', ['sqs'], 'SQS').problems).toEqual(['Resource R: property P: "arn:aws:sns:eu-west-1:123456789012:t" is an SNS topic, not an SQS queue (Type SQS)']);
    expect(check('arn:aws:s3:::bucket', ['sqs'], 'S3Bucket').problems).toEqual(['Resource R: property P: S3 bucket destinations are not supported yet']);
    expect(check('arn:aws:sqs:eu-west-1:123456789012:q.fifo', ['sqs']).problems).toEqual(['Resource R: property P: q.fifo is a FIFO queue; Lambda sends destination records to standard queues only']);
  });

  it('keeps queues of other accounts as external targets, and warns about an unknown queue of the template\'s own account', () => {
    const external = check('arn:aws:sqs:us-east-1:999999999999:elsewhere', ['sqs']);
    expect(external).toEqual({ target: expect.objectContaining({ kind: 'sqs', queueName: 'elsewhere', accountId: '999999999999' }), problems: [], warnings: [] });
    const local = check('arn:aws:sqs:eu-west-1:123456789012:unknown', ['sqs']);
    expect(local.target).toMatchObject({ kind: 'sqs', queueName: 'unknown' });
    expect(local.warnings).toEqual(['Resource R: property P: unknown is not a queue of this template: Lamina sends to it only through an external SQS endpoint']);
  });
});
