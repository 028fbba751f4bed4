import { describe, expect, it } from 'vitest';
import { IntrinsicResolver, pseudoParameters, type Resolution } from '../../src/config/cfn-intrinsics.js';
import { generatedName } from '../../src/config/queue-resources.js';
import { ResourceAttributes } from '../../src/config/resource-attributes.js';

const RESOURCES: Record<string, unknown> = {
  Named: { Type: 'AWS::SQS::Queue', Properties: { QueueName: { 'Fn::Sub': '${AWS::StackName}-jobs' } } },
  Unnamed: { Type: 'AWS::SQS::Queue' },
  Fifo: { Type: 'AWS::SQS::Queue', Properties: { FifoQueue: true } },
  Topic: { Type: 'AWS::SNS::Topic', Properties: { TopicName: 'alerts' } },
  AnonTopic: { Type: 'AWS::SNS::Topic' },
  Bus: { Type: 'AWS::Events::EventBus', Properties: { Name: 'orders' } },
  NamelessBus: { Type: 'AWS::Events::EventBus', Properties: {} },
  Worker: { Type: 'AWS::Serverless::Function', Properties: { FunctionName: 'worker-fn' } },
  Raw: { Type: 'AWS::Lambda::Function', Properties: {} },
  Loop: { Type: 'AWS::SQS::Queue', Properties: { QueueName: { 'Fn::GetAtt': ['Loop', 'QueueName'] } } },
  Table: { Type: 'AWS::DynamoDB::Table', Properties: {} },
};

function resolver(sqsEndpoint?: string): IntrinsicResolver {
  const attributes = new ResourceAttributes(RESOURCES, { region: 'eu-west-1', accountId: '123456789012', stackName: 'shop', sqsEndpoint });
  return new IntrinsicResolver({
    parameters: new Map(),
    pseudo: pseudoParameters('eu-west-1', '123456789012', 'shop'),
    mappings: {},
    conditions: {},
    resourceIds: new Set(Object.keys(RESOURCES)),
    resourceAttribute: attributes.hook,
  });
}

const value = (r: Resolution): unknown => (r.ok ? r.value : `FAILED: ${r.reason}`);
const resolve = (v: unknown, endpoint?: string): unknown => value(resolver(endpoint).resolve(v));

describe('Ref and Fn::GetAtt of resources', () => {
  it('SQS queues: Ref and QueueUrl are the URL (SQS form, or under the endpoint given), Arn and QueueName', () => {
    expect(resolve({ Ref: 'Named' })).toBe('https://sqs.eu-west-1.amazonaws.com/123456789012/shop-jobs');
    expect(resolve({ Ref: 'Named' }, 'http://127.0.0.1:9324/')).toBe('http://127.0.0.1:9324/123456789012/shop-jobs');
    expect(resolve({ 'Fn::GetAtt': ['Named', 'QueueUrl'] }, 'http://127.0.0.1:9324')).toBe('http://127.0.0.1:9324/123456789012/shop-jobs');
    expect(resolve({ 'Fn::GetAtt': 'Named.Arn' })).toBe('arn:aws:sqs:eu-west-1:123456789012:shop-jobs');
    expect(resolve({ 'Fn::GetAtt': ['Named', 'QueueName'] })).toBe('shop-jobs');
    expect(resolve({ 'Fn::GetAtt': ['Unnamed', 'QueueName'] })).toBe(generatedName('shop', 'Unnamed', 80));
    expect(resolve({ 'Fn::GetAtt': ['Fifo', 'QueueName'] })).toBe(generatedName('shop', 'Fifo', 80, '.fifo'));
  });

  it('SNS topics: Ref and TopicArn are the ARN, TopicName the name (generated when absent)', () => {
    expect(resolve({ Ref: 'Topic' })).toBe('arn:aws:sns:eu-west-1:123456789012:alerts');
    expect(resolve({ 'Fn::GetAtt': ['Topic', 'TopicArn'] })).toBe('arn:aws:sns:eu-west-1:123456789012:alerts');
    expect(resolve({ 'Fn::GetAtt': ['AnonTopic', 'TopicName'] })).toBe(generatedName('shop', 'AnonTopic', 256));
  });

  it('EventBridge buses: Ref and Name are the name, Arn the event-bus ARN; a bus needs a Name', () => {
    expect(resolve({ Ref: 'Bus' })).toBe('orders');
    expect(resolve({ 'Fn::GetAtt': ['Bus', 'Arn'] })).toBe('arn:aws:events:eu-west-1:123456789012:event-bus/orders');
    expect(resolve({ 'Fn::GetAtt': ['Bus', 'Name'] })).toBe('orders');
    expect(resolve({ Ref: 'NamelessBus' })).toBe('FAILED: NamelessBus has no name');
  });

  it('functions: Ref is the name (FunctionName or the logical id), Arn the unqualified ARN', () => {
    expect(resolve({ Ref: 'Worker' })).toBe('worker-fn');
    expect(resolve({ 'Fn::GetAtt': ['Worker', 'Arn'] })).toBe('arn:aws:lambda:eu-west-1:123456789012:function:worker-fn');
    expect(resolve({ 'Fn::GetAtt': 'Raw.Arn' })).toBe('arn:aws:lambda:eu-west-1:123456789012:function:Raw');
  });

  it('works inside Fn::Sub, Fn::Join and with a Ref as the attribute name', () => {
    expect(resolve({ 'Fn::Sub': '${Named.Arn}|${Topic}|${Worker.Arn}' })).toBe('arn:aws:sqs:eu-west-1:123456789012:shop-jobs|arn:aws:sns:eu-west-1:123456789012:alerts|arn:aws:lambda:eu-west-1:123456789012:function:worker-fn');
    expect(resolve({ 'Fn::Join': [',', [{ Ref: 'Bus' }, { 'Fn::GetAtt': ['Raw', 'Arn'] }]] })).toBe('orders,arn:aws:lambda:eu-west-1:123456789012:function:Raw');
  });

  it('refuses attributes it does not know, names that refer to themselves, and leaves other resource types unresolved', () => {
    expect(resolve({ 'Fn::GetAtt': ['Named', 'Nope'] })).toBe('FAILED: Fn::GetAtt Named.Nope: Lamina knows QueueUrl, QueueName, Arn of AWS::SQS::Queue');
    expect(resolve({ 'Fn::Sub': '${Worker.Version}' })).toBe('FAILED: Fn::GetAtt Worker.Version: Lamina knows Arn of AWS::Serverless::Function');
    expect(resolve({ Ref: 'Loop' })).toBe('FAILED: the QueueName of Loop cannot be resolved');
    expect(resolve({ Ref: 'Table' })).toBe('FAILED: Ref Table (a resource) cannot be resolved locally');
    expect(resolve({ 'Fn::GetAtt': ['Table', 'Arn'] })).toBe('FAILED: Fn::GetAtt ["Table","Arn"] cannot be resolved locally');
    expect(resolve({ 'Fn::Sub': '${Table.StreamArn}' })).toBe('FAILED: Fn::Sub ${Table.StreamArn} (Fn::GetAtt) cannot be resolved locally');
    expect(resolve({ 'Fn::GetAtt': ['Missing', 'Arn'] })).toBe('FAILED: Fn::GetAtt ["Missing","Arn"] cannot be resolved locally');
    expect(resolve({ 'Fn::GetAtt': 'NoDot' })).toBe('FAILED: Fn::GetAtt NoDot cannot be resolved locally');
    expect(resolve({ 'Fn::GetAtt': [1, 2, 3] })).toBe('FAILED: Fn::GetAtt [1,2,3] cannot be resolved locally');
    // Hostile names: inherited properties are neither resources nor attributes.
    expect(resolve({ 'Fn::GetAtt': ['Named', 'constructor'] })).toBe('FAILED: Fn::GetAtt Named.constructor: Lamina knows QueueUrl, QueueName, Arn of AWS::SQS::Queue');
    expect(resolve({ Ref: '__proto__' })).toBe('FAILED: Ref __proto__: no parameter or resource has this name');
    expect(resolve({ 'Fn::Sub': '${__proto__.Arn}' })).toBe('FAILED: Fn::Sub ${__proto__.Arn} (Fn::GetAtt) cannot be resolved locally');
  });
});
