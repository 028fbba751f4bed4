import { afterEach, describe, expect, it } from 'vitest';
import { generatedName } from '../../src/config/queue-resources.js';
import { loadTemplateText, removeTemplateDirs, resource, samFunction, templateProblems } from '../helpers/template-text.js';

afterEach(removeTemplateDirs);

const ARN = 'arn:aws:sqs:eu-west-1:123456789012';

/** A shop: a standard jobs queue, a FIFO orders queue, a worker with three events, a second function mapped by a resource. */
const SHOP = `Resources:
  Jobs:
    Type: AWS::SQS::Queue
  Orders:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: orders.fifo
      FifoQueue: true
  Stream:
    Type: AWS::Kinesis::Stream
    Properties:
      ShardCount: 1
${samFunction('Worker', `      AutoPublishAlias: live
      Events:
        JobsEvent:
          Type: SQS
          Properties:
            Queue: !GetAtt Jobs.Arn
            BatchSize: 100
            MaximumBatchingWindowInSeconds: 5
            FunctionResponseTypes: [ReportBatchItemFailures]
            ScalingConfig:
              MaximumConcurrency: 5
            FilterCriteria:
              Filters:
                - Pattern: '{"body": {"kind": ["resize"]}}'
                - Pattern: '{"body": {"size": [{"numeric": [">", 10]}]}}'
        OrdersEvent:
          Type: SQS
          Properties:
            Queue: !GetAtt Orders.Arn
            BatchSize: "10"
            Enabled: false
        Clicks:
          Type: Kinesis
          Properties:
            Stream: !GetAtt Stream.Arn
            StartingPosition: LATEST
        Hello:
          Type: HttpApi
          Properties:
            Path: /hello
            Method: get
`)}${samFunction('Auditor', '      FunctionName: auditor\n')}  AuditMapping:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      FunctionName: !Ref Auditor
      EventSourceArn: ${ARN}:external-audit
  AuditorQualified:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      FunctionName: arn:aws:lambda:eu-west-1:123456789012:function:auditor:prod
      EventSourceArn: !GetAtt Jobs.Arn
      BatchSize: 3
  StreamMapping:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      FunctionName: !Ref Auditor
      EventSourceArn: !GetAtt Stream.Arn
      StartingPosition: TRIM_HORIZON
`;

describe('SQS event source mappings from a SAM template', () => {
  it('reads Events of Type SQS and AWS::Lambda::EventSourceMapping resources of SQS queues; others are left as before', () => {
    const { sqsMappings, apis, warnings } = loadTemplateText(SHOP);
    const jobs = generatedName('local', 'Jobs', 80);
    expect(sqsMappings).toEqual([
      {
        id: 'WorkerJobsEvent',
        functionName: 'Worker',
        qualifier: 'live',
        queueArn: `${ARN}:${jobs}`,
        queueName: jobs,
        fifo: false,
        batchSize: 100,
        maximumBatchingWindowSeconds: 5,
        maximumConcurrency: 5,
        reportBatchItemFailures: true,
        filters: [{ body: { kind: ['resize'] } }, { body: { size: [{ numeric: ['>', 10] }] } }],
        enabled: true,
      },
      {
        id: 'WorkerOrdersEvent',
        functionName: 'Worker',
        qualifier: 'live',
        queueArn: `${ARN}:orders.fifo`,
        queueName: 'orders.fifo',
        fifo: true,
        batchSize: 10,
        maximumBatchingWindowSeconds: 0,
        maximumConcurrency: undefined,
        reportBatchItemFailures: false,
        filters: [],
        enabled: false,
      },
      {
        id: 'AuditMapping',
        functionName: 'auditor',
        qualifier: undefined,
        queueArn: `${ARN}:external-audit`,
        queueName: 'external-audit',
        fifo: false,
        batchSize: 10,
        maximumBatchingWindowSeconds: 0,
        maximumConcurrency: undefined,
        reportBatchItemFailures: false,
        filters: [],
        enabled: true,
      },
      expect.objectContaining({ id: 'AuditorQualified', functionName: 'auditor', qualifier: 'prod', queueName: jobs, batchSize: 3 }),
    ]);
    expect(apis.flatMap((api) => api.routes.map((r) => r.path))).toEqual(['/hello']);
    expect(warnings).toEqual([]);
  });

  it('an external FIFO queue (by its ARN) takes FIFO rules; KmsKeyArn is warned about', () => {
    const body = `Resources:\n${samFunction('Fn', `      Events:\n        Ext:\n          Type: SQS\n          Properties:\n            Queue: ${ARN}:outside.fifo\n            KmsKeyArn: arn:aws:kms:eu-west-1:123456789012:key/1\n`)}`;
    const { sqsMappings, warnings } = loadTemplateText(body);
    expect(sqsMappings.map((m) => [m.queueName, m.fifo])).toEqual([['outside.fifo', true]]);
    expect(warnings).toEqual(['Resource Fn: property Events.Ext.Properties.KmsKeyArn: is accepted but has no effect in Lamina']);
    expect(templateProblems(body.replace('KmsKeyArn: arn:aws:kms:eu-west-1:123456789012:key/1', 'BatchSize: 11'))).toEqual([
      'Resource Fn: property Events.Ext.Properties.BatchSize: 11 is outside 1-10 (FIFO queues take 1-10)',
    ]);
  });
});

/** The worker of SHOP with one SQS event of `props` (YAML, 12 spaces in). */
const event = (props: string, queue = '!GetAtt Jobs.Arn'): string =>
  `Resources:\n${resource('Jobs', 'AWS::SQS::Queue')}${resource('Orders', 'AWS::SQS::Queue', '      FifoQueue: true\n')}${samFunction('Fn', `      Events:\n        E:\n          Type: SQS\n          Properties:\n            Queue: ${queue}\n${props}`)}`;
const P = 'Resource Fn: property Events.E.Properties';

describe('the rules Lambda checks, each a problem naming the resource and property', () => {
  it.each([
    ['BatchSize: 0', `${P}.BatchSize: 0 is outside 1-10000`],
    ['BatchSize: 10001\n            MaximumBatchingWindowInSeconds: 1', `${P}.BatchSize: 10001 is outside 1-10000`],
    ['BatchSize: ten', `${P}.BatchSize: "ten" is not an integer`],
    ['BatchSize: 11', `${P}.BatchSize: 11 needs MaximumBatchingWindowInSeconds of at least 1 (a batch over 10 records is gathered over a window)`],
    ['MaximumBatchingWindowInSeconds: 301', `${P}.MaximumBatchingWindowInSeconds: 301 is outside 0-300 seconds`],
    ['MaximumBatchingWindowInSeconds: -1', `${P}.MaximumBatchingWindowInSeconds: -1 is outside 0-300 seconds`],
    ['ScalingConfig:\n              MaximumConcurrency: 1', `${P}.ScalingConfig.MaximumConcurrency: 1 is outside 2-1000`],
    ['ScalingConfig:\n              MaximumConcurrency: 1001', `${P}.ScalingConfig.MaximumConcurrency: 1001 is outside 2-1000`],
    ['ScalingConfig:\n              Max: 3', `${P}.ScalingConfig.Max: is not a property of ScalingConfig (known: MaximumConcurrency)`],
    ['ScalingConfig: 5', `${P}.ScalingConfig: 5 must be a map with MaximumConcurrency`],
    ['FunctionResponseTypes: [ReportItemFailures]', `${P}.FunctionResponseTypes: "ReportItemFailures" is not ReportBatchItemFailures (the only response type of event source mappings)`],
    ['FunctionResponseTypes: ReportBatchItemFailures', `${P}.FunctionResponseTypes: "ReportBatchItemFailures" must be a list ([ReportBatchItemFailures])`],
    ['Enabled: maybe', `${P}.Enabled: "maybe" is not a boolean`],
    ['FilterCriteria: []', `${P}.FilterCriteria: [] must be a map with Filters`],
    ['FilterCriteria:\n              Patterns: []', `${P}.FilterCriteria.Patterns: is not a property of FilterCriteria (known: Filters)`],
    ['FilterCriteria:\n              Filters: {Pattern: "{}"}', `${P}.FilterCriteria.Filters: {"Pattern":"{}"} must be a list of {Pattern}`],
    [`FilterCriteria:\n              Filters: [${Array(6).fill(`{Pattern: '{"a": [1]}'}`).join(', ')}]`, `${P}.FilterCriteria.Filters: 6 filters: at most 5`],
    [`FilterCriteria:\n              Filters: [{Pattern: '{"a": [1'}]`, `${P}.FilterCriteria.Filters[0].Pattern: is not JSON`],
    [`FilterCriteria:\n              Filters: [{Pattern: '{"a": [1]}'}, {Pattern: '{"a": [{"regex": "x"}]}'}]`, `${P}.FilterCriteria.Filters[1].Pattern: a[0]: unknown operator "regex"`],
    ['FilterCriteria:\n              Filters: [{Pattern: {a: [1]}}]', `${P}.FilterCriteria.Filters[0].Pattern: {"a":[1]} must be the pattern's JSON text (a string)`],
    ['Batch: 5', `${P}.Batch: is not a property of an SQS event source (known: Queue, BatchSize, MaximumBatchingWindowInSeconds, Enabled, FilterCriteria, FunctionResponseTypes, ScalingConfig, KmsKeyArn, MetricsConfig, ProvisionedPollerConfig, Tags)`],
    ['StartingPosition: LATEST', `${P}.StartingPosition: applies to stream and Kafka sources, not to SQS queues`],
  ])('%s', (props, message) => {
    const problems = templateProblems(event(`            ${props}\n`));
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0]).toContain(message);
  });

  it('a FIFO queue of the template takes batches of 1-10 and no batching window', () => {
    expect(templateProblems(event('            BatchSize: 11\n            MaximumBatchingWindowInSeconds: 1\n', '!GetAtt Orders.Arn'))).toEqual([
      `${P}.BatchSize: 11 is outside 1-10 (FIFO queues take 1-10)`,
      `${P}.MaximumBatchingWindowInSeconds: 1: FIFO queues take no batching window`,
    ]);
    expect(loadTemplateText(event('            MaximumBatchingWindowInSeconds: 0\n', '!GetAtt Orders.Arn')).sqsMappings[0]?.fifo).toBe(true);
  });

  it('the queue must be an SQS ARN: a URL (Ref of a queue) or another ARN is refused; Queue is required', () => {
    expect(templateProblems(event('', '!Ref Jobs'))[0]).toMatch(/property Events\.E\.Properties\.Queue: "https:\/\/sqs\.eu-west-1\.amazonaws\.com\/123456789012\/local-Jobs-[A-Z0-9]{13}" is not an SQS queue ARN \(a queue URL: use !GetAtt Queue.Arn\)$/);
    expect(templateProblems(event('', 'arn:aws:sns:eu-west-1:123456789012:topic'))).toEqual([`${P}.Queue: "arn:aws:sns:eu-west-1:123456789012:topic" is not an SQS queue ARN`]);
    expect(templateProblems(event('            BatchSize: 5\n', '""').replace('Queue: ""\n', ''))).toEqual([`${P}.Queue: is required`]);
    expect(templateProblems(event('', '!GetAtt Nothing.Arn'))[0]).toContain(`${P}.Queue: cannot resolve`);
  });

  it('Properties must be a map', () => {
    const body = `Resources:\n${samFunction('Fn', '      Events:\n        E:\n          Type: SQS\n          Properties: jobs\n')}`;
    expect(templateProblems(body)).toEqual(['Resource Fn: property Events.E.Properties: must be a map with Queue']);
  });

  it('AWS::Lambda::EventSourceMapping: unknown function, missing FunctionName, unknown property, duplicate mapping', () => {
    const mapping = (id: string, props: string): string => resource(id, 'AWS::Lambda::EventSourceMapping', `      EventSourceArn: ${ARN}:ext\n${props}`);
    const body = `Resources:\n${samFunction('Fn')}${mapping('A', '      FunctionName: nobody\n')}${mapping('B', '')}${mapping('C', '      FunctionName: Fn\n      Parallelization: 2\n')}${mapping('D', '      FunctionName: !GetAtt Fn.Arn\n')}${mapping('E', '      FunctionName: Fn\n')}`;
    expect(templateProblems(body)).toEqual([
      'Resource A: property FunctionName: names unknown function "nobody" (it must be defined in this template)',
      'Resource B: property FunctionName: is required',
      'Resource C: property Parallelization: is not a property of an SQS event source (known: FunctionName, EventSourceArn, BatchSize, MaximumBatchingWindowInSeconds, Enabled, FilterCriteria, FunctionResponseTypes, ScalingConfig, KmsKeyArn, MetricsConfig, ProvisionedPollerConfig, Tags)',
      'Resource E: property EventSourceArn: queue ext is already mapped to function Fn by D; Lambda allows one mapping per queue and function',
    ]);
  });

  it('every problem of one event is reported at once', () => {
    const problems = templateProblems(event('            BatchSize: 0\n            MaximumBatchingWindowInSeconds: 400\n            Enabled: 2\n'));
    expect(problems).toEqual([`${P}.BatchSize: 0 is outside 1-10000`, `${P}.MaximumBatchingWindowInSeconds: 400 is outside 0-300 seconds`, `${P}.Enabled: 2 is not a boolean`]);
  });
});
