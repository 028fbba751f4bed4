import { afterEach, describe, expect, it } from 'vitest';
import { generatedName } from '../../src/config/queue-resources.js';
import { loadTemplateText, removeTemplateDirs, resource, samFunction, templateProblems } from '../helpers/template-text.js';

afterEach(removeTemplateDirs);

const queue = (id: string, props = ''): string => resource(id, 'AWS::SQS::Queue', props);
const withQueue = (props: string, id = 'Q'): string => `Resources:\n${samFunction('Fn')}${queue(id, props)}`;

describe('generatedName', () => {
  it('is <stack>-<logical id>-<13 upper-case letters and digits>, the same on every call', () => {
    const name = generatedName('local', 'Jobs', 80);
    expect(name).toMatch(/^local-Jobs-[A-Z0-9]{13}$/);
    expect(generatedName('local', 'Jobs', 80)).toBe(name);
    expect(generatedName('local', 'Jobs2', 80)).not.toBe(name);
    expect(generatedName('other', 'Jobs', 80)).not.toBe(name);
  });

  it('shortens the stack and logical id to fit, and keeps a FIFO ending', () => {
    const long = generatedName('s'.repeat(100), 'L'.repeat(100), 80, '.fifo');
    expect(long).toHaveLength(80);
    expect(long).toMatch(/^s+-L+-[A-Z0-9]{13}\.fifo$/);
    expect(generatedName('stack', 'L'.repeat(100), 80)).toMatch(/^stack-L{60}-[A-Z0-9]{13}$/);
  });
});

describe('AWS::SQS::Queue resources', () => {
  it('become queues with SQS defaults; unnamed ones named as CloudFormation does, after the stack name', () => {
    const { queues } = loadTemplateText(`Resources:\n${samFunction('Fn')}${queue('Jobs')}`, { stackName: 'shop' });
    const name = generatedName('shop', 'Jobs', 80);
    expect(queues).toEqual([
      {
        logicalId: 'Jobs',
        name,
        arn: `arn:aws:sqs:eu-west-1:123456789012:${name}`,
        fifo: false,
        visibilityTimeout: 30,
        messageRetentionPeriod: 345_600,
        delaySeconds: 0,
        receiveMessageWaitTimeSeconds: 0,
        maximumMessageSize: 1_048_576,
        contentBasedDeduplication: false,
      },
    ]);
  });

  it('reads every attribute, intrinsics and strings of digits included, and RedrivePolicy as a map or JSON text', () => {
    const props =
      '      QueueName: !Sub "${AWS::StackName}-orders.fifo"\n      FifoQueue: "true"\n      ContentBasedDeduplication: true\n' +
      '      VisibilityTimeout: 43200\n      MessageRetentionPeriod: "60"\n      DelaySeconds: 900\n      ReceiveMessageWaitTimeSeconds: 20\n      MaximumMessageSize: 1024\n' +
      '      RedrivePolicy: {deadLetterTargetArn: !GetAtt Dead.Arn, maxReceiveCount: 1000}\n';
    const dead = '      FifoQueue: true\n';
    const text = '      RedrivePolicy: \'{"deadLetterTargetArn":"arn:aws:sqs:eu-west-1:123456789012:elsewhere","maxReceiveCount":"3"}\'\n';
    const { queues } = loadTemplateText(`Resources:\n${samFunction('Fn')}${queue('Orders', props)}${queue('Dead', dead)}${queue('Plain', text)}`);
    const deadName = generatedName('local', 'Dead', 80, '.fifo');
    expect(queues[0]).toEqual({
      logicalId: 'Orders',
      name: 'local-orders.fifo',
      arn: 'arn:aws:sqs:eu-west-1:123456789012:local-orders.fifo',
      fifo: true,
      visibilityTimeout: 43_200,
      messageRetentionPeriod: 60,
      delaySeconds: 900,
      receiveMessageWaitTimeSeconds: 20,
      maximumMessageSize: 1024,
      contentBasedDeduplication: true,
      redrive: { deadLetterTargetArn: `arn:aws:sqs:eu-west-1:123456789012:${deadName}`, maxReceiveCount: 1000 },
    });
    expect(queues[1]).toMatchObject({ logicalId: 'Dead', name: deadName, fifo: true });
    expect(deadName.endsWith('.fifo')).toBe(true);
    expect(queues[2]?.redrive).toEqual({ deadLetterTargetArn: 'arn:aws:sqs:eu-west-1:123456789012:elsewhere', maxReceiveCount: 3 });
  });

  it.each([
    ['VisibilityTimeout', '-1', '-1 is outside 0-43200 seconds'],
    ['VisibilityTimeout', '43201', '43201 is outside 0-43200 seconds'],
    ['MessageRetentionPeriod', '59', '59 is outside 60-1209600 seconds'],
    ['MessageRetentionPeriod', '1209601', '1209601 is outside 60-1209600 seconds'],
    ['DelaySeconds', '901', '901 is outside 0-900 seconds'],
    ['ReceiveMessageWaitTimeSeconds', '21', '21 is outside 0-20 seconds'],
    ['MaximumMessageSize', '1023', '1023 is outside 1024-1048576 bytes'],
    ['MaximumMessageSize', '1048577', '1048577 is outside 1024-1048576 bytes'],
    ['DelaySeconds', '1.5', '1.5 is not an integer'],
    ['VisibilityTimeout', '"thirty"', '"thirty" is not an integer'],
    ['FifoQueue', 'yes please', '"yes please" is not a boolean'],
    ['ContentBasedDeduplication', '[true]', '[true] is not a boolean'],
  ])('refuses %s: %s', (property, value, message) => {
    expect(templateProblems(withQueue(`      ${property}: ${value}\n`))).toEqual([`Resource Q: property ${property}: ${message}`]);
  });

  it.each([
    ['""', '"" must be 1-80 letters, digits, hyphens or underscores (a FIFO queue\'s ending in .fifo)'],
    [`${'a'.repeat(81)}`, `"${'a'.repeat(81)}" must be 1-80 letters, digits, hyphens or underscores (a FIFO queue's ending in .fifo)`],
    ['"has space"', '"has space" must be 1-80 letters, digits, hyphens or underscores (a FIFO queue\'s ending in .fifo)'],
    ['"../etc/passwd"', '"../etc/passwd" must be 1-80 letters, digits, hyphens or underscores (a FIFO queue\'s ending in .fifo)'],
    ['{a: 1}', '{"a":1} must be 1-80 letters, digits, hyphens or underscores (a FIFO queue\'s ending in .fifo)'],
    ['jobs.fifo', 'jobs.fifo ends in .fifo but FifoQueue is not true'],
  ])('refuses QueueName %s', (value, message) => {
    expect(templateProblems(withQueue(`      QueueName: ${value}\n`))).toEqual([`Resource Q: property QueueName: ${message}`]);
  });

  it('needs .fifo on a FIFO queue, and FIFO for content-based deduplication', () => {
    expect(templateProblems(withQueue('      QueueName: jobs\n      FifoQueue: true\n'))).toEqual(['Resource Q: property QueueName: jobs must end in .fifo (FifoQueue is true)']);
    expect(templateProblems(withQueue('      ContentBasedDeduplication: true\n'))).toEqual(['Resource Q: property ContentBasedDeduplication: applies to FIFO queues only (FifoQueue: true)']);
  });

  it.each([
    ['"{not json"', 'RedrivePolicy: "{not json" is not JSON'],
    ['[1, 2]', 'RedrivePolicy: [1,2] must be a map with deadLetterTargetArn and maxReceiveCount'],
    ['{deadLetterTargetArn: arn:aws:sns:eu-west-1:123456789012:t, maxReceiveCount: 2}', 'RedrivePolicy.deadLetterTargetArn: "arn:aws:sns:eu-west-1:123456789012:t" is not an SQS queue ARN'],
    ['{maxReceiveCount: 2}', 'RedrivePolicy.deadLetterTargetArn: is required'],
    ['{deadLetterTargetArn: arn:aws:sqs:eu-west-1:123456789012:d, maxReceiveCount: 0}', 'RedrivePolicy.maxReceiveCount: 0 is outside 1-1000'],
    ['{deadLetterTargetArn: arn:aws:sqs:eu-west-1:123456789012:d, maxReceiveCount: 1001}', 'RedrivePolicy.maxReceiveCount: 1001 is outside 1-1000'],
    ['{deadLetterTargetArn: arn:aws:sqs:eu-west-1:123456789012:d}', 'RedrivePolicy.maxReceiveCount: is required'],
    ['!GetAtt Nowhere.Arn', 'RedrivePolicy: cannot resolve Fn::GetAtt ["Nowhere","Arn"]: Fn::GetAtt ["Nowhere","Arn"] cannot be resolved locally'],
  ])('refuses RedrivePolicy %s', (value, message) => {
    expect(templateProblems(withQueue(`      RedrivePolicy: ${value}\n`))).toEqual([`Resource Q: property ${message}`]);
  });

  it('refuses a queue that is its own dead-letter queue, and a FIFO / standard mix', () => {
    expect(templateProblems(withQueue('      QueueName: q\n      RedrivePolicy: {deadLetterTargetArn: arn:aws:sqs:eu-west-1:123456789012:q, maxReceiveCount: 2}\n'))).toEqual([
      'Resource Q: property RedrivePolicy.deadLetterTargetArn: names the queue itself',
    ]);
    const mixed = `Resources:\n${samFunction('Fn')}${queue('Src', '      RedrivePolicy: {deadLetterTargetArn: !GetAtt Dlq.Arn, maxReceiveCount: 2}\n')}${queue('Dlq', '      FifoQueue: true\n')}`;
    expect(templateProblems(mixed)).toEqual(['Resource Src: property RedrivePolicy.deadLetterTargetArn: Dlq is a FIFO queue; the dead-letter queue of a standard queue must be one too']);
  });

  it('refuses two queues of one name and Properties that are not a map', () => {
    const two = `Resources:\n${samFunction('Fn')}${queue('A', '      QueueName: same\n')}${queue('B', '      QueueName: same\n')}`;
    expect(templateProblems(two)).toEqual(['Resource B: property QueueName: queue name same is already used by resource A']);
    expect(templateProblems(`Resources:\n${samFunction('Fn')}  Q:\n    Type: AWS::SQS::Queue\n    Properties: [1]\n`)).toEqual(['Resource Q: Properties must be a map']);
  });
});
