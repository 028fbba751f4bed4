/**
 * Kinesis streams and stream mappings from a template (src/config/stream-resources.ts,
 * src/config/stream-mappings.ts): what loads, and the template errors for bad properties,
 * each naming the resource and the property; DynamoDB stream mappings are refused with the reason.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { generatedName } from '../../src/config/queue-resources.js';
import { loadTemplateText, removeTemplateDirs, resource, samFunction, templateProblems } from '../helpers/template-text.js';

afterEach(removeTemplateDirs);

const STREAM_ARN = 'arn:aws:kinesis:eu-west-1:123456789012:stream';
const STREAMS = `Resources:
  Clicks:
    Type: AWS::Kinesis::Stream
    Properties:
      Name: clicks
      ShardCount: 3
      RetentionPeriodHours: 48
  Unnamed:
    Type: AWS::Kinesis::Stream
    Properties:
      StreamModeDetails: { StreamMode: ON_DEMAND }
  Failures:
    Type: AWS::SQS::Queue
    Properties: { QueueName: failures }
`;

/** A template with the streams and one function whose Kinesis event has `props` (YAML, 12 spaces in). */
const withEvent = (props: string, extra = ''): string => `${STREAMS}${samFunction('Reader', `      Events:
        Stream:
          Type: Kinesis
          Properties:
${props}`)}${extra}`;

describe('AWS::Kinesis::Stream', () => {
  it('loads streams with their shards, names and ARNs; Ref and GetAtt Arn resolve', () => {
    const loaded = loadTemplateText(withEvent('            Stream: !GetAtt Clicks.Arn\n            StartingPosition: LATEST\n'));
    const unnamed = generatedName('local', 'Unnamed', 128);
    expect(loaded.streams).toEqual([
      { logicalId: 'Clicks', name: 'clicks', arn: `${STREAM_ARN}/clicks`, shardCount: 3 },
      { logicalId: 'Unnamed', name: unnamed, arn: `${STREAM_ARN}/${unnamed}`, shardCount: 4 },
    ]);
    expect(loaded.warnings.join('\n')).toMatch(/Clicks: property RetentionPeriodHours: is accepted but has no effect/);
  });

  it('refuses bad stream properties', () => {
    const problems = templateProblems(`Resources:
${resource('A', 'AWS::Kinesis::Stream', '      ShardCount: 0\n')}${resource('B', 'AWS::Kinesis::Stream', '      ShardCount: 2\n      StreamModeDetails: { StreamMode: ON_DEMAND }\n')}${resource('C', 'AWS::Kinesis::Stream', '      Name: "bad name!"\n      Shards: 2\n')}${resource('D', 'AWS::Kinesis::Stream', '      Name: clicks\n')}${resource('E', 'AWS::Kinesis::Stream', '      Name: clicks\n')}${samFunction('Fn')}`);
    expect(problems).toEqual([
      'Resource A: property ShardCount: 0 is outside 1-100 (shards)',
      'Resource B: property ShardCount: does not apply to an ON_DEMAND stream',
      'Resource C: property Shards: is not a property of AWS::Kinesis::Stream (known: Name, ShardCount, StreamModeDetails, RetentionPeriodHours, StreamEncryption, Tags, DesiredShardLevelMetrics, MaxRecordSizeInKiB, WarmThroughputMiBps)',
      'Resource C: property Name: "bad name!" must be 1-128 letters, digits, hyphens, underscores or periods',
      'Resource E: property Name: stream name clicks is already used by resource D',
    ]);
  });
});

describe('Kinesis event source mappings', () => {
  it('reads Events of Type Kinesis and mapping resources of streams, with Lambda\'s defaults', () => {
    const loaded = loadTemplateText(withEvent(`            Stream: !GetAtt Clicks.Arn
            StartingPosition: AT_TIMESTAMP
            StartingPositionTimestamp: 1700000000.5
            BatchSize: 500
            MaximumBatchingWindowInSeconds: 2
            ParallelizationFactor: 4
            BisectBatchOnFunctionError: true
            MaximumRetryAttempts: 3
            MaximumRecordAgeInSeconds: 3600
            TumblingWindowInSeconds: 120
            FunctionResponseTypes: [ReportBatchItemFailures]
            FilterCriteria: { Filters: [{ Pattern: '{"data": {"kind": ["click"]}}' }] }
            DestinationConfig: { OnFailure: { Type: SQS, Destination: !GetAtt Failures.Arn } }
`, `  ByResource:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      FunctionName: !Ref Reader
      EventSourceArn: !GetAtt Unnamed.Arn
      StartingPosition: TRIM_HORIZON
      Enabled: false
`));
    expect(loaded.streamMappings).toEqual([
      {
        id: 'ReaderStream', functionName: 'Reader', qualifier: undefined, streamArn: `${STREAM_ARN}/clicks`, streamName: 'clicks',
        startingPosition: { kind: 'AT_TIMESTAMP', timestampMs: 1_700_000_000_500 }, batchSize: 500, maximumBatchingWindowSeconds: 2, parallelizationFactor: 4,
        bisectBatchOnFunctionError: true, maximumRetryAttempts: 3, maximumRecordAgeSeconds: 3600,
        onFailure: { kind: 'sqs', arn: 'arn:aws:sqs:eu-west-1:123456789012:failures', queueName: 'failures', region: 'eu-west-1', accountId: '123456789012' },
        reportBatchItemFailures: true, tumblingWindowSeconds: 120, filters: [{ data: { kind: ['click'] } }], enabled: true,
      },
      {
        id: 'ByResource', functionName: 'Reader', qualifier: undefined, streamArn: `${STREAM_ARN}/${generatedName('local', 'Unnamed', 128)}`, streamName: generatedName('local', 'Unnamed', 128), startingPosition: { kind: 'TRIM_HORIZON' },
        batchSize: 100, maximumBatchingWindowSeconds: 0, parallelizationFactor: 1, bisectBatchOnFunctionError: false, maximumRetryAttempts: -1, maximumRecordAgeSeconds: -1,
        onFailure: undefined, reportBatchItemFailures: false, tumblingWindowSeconds: 0, filters: [], enabled: false,
      },
    ]);
    expect(loaded.sqsMappings).toEqual([]);
  });

  it('refuses bad properties, naming the resource and the property', () => {
    const problems = templateProblems(withEvent(`            Stream: !GetAtt Clicks.Arn
            StartingPosition: EARLIEST
            BatchSize: 10001
            ParallelizationFactor: 11
            MaximumRetryAttempts: -2
            MaximumRecordAgeInSeconds: 30
            BisectBatchOnFunctionError: maybe
            TumblingWindowInSeconds: 901
            ScalingConfig: { MaximumConcurrency: 5 }
            Queue: x
            FunctionResponseTypes: [Everything]
            FilterCriteria: { Filters: [{ Pattern: '{"data": {"n": [{"numeric": [">"]}]}}' }] }
            DestinationConfig: { OnFailure: { Destination: 'arn:aws:sqs:eu-west-1:123456789012:f.fifo' }, OnSuccess: { Destination: x } }
`));
    const P = 'Resource Reader: property Events.Stream.Properties';
    expect(problems).toEqual([
      `${P}.ScalingConfig: applies to SQS queues, not to streams`,
      expect.stringMatching(new RegExp(`^${P.replace(/\./g, '\\.')}\\.Queue: is not a property of a Kinesis event source \\(known: Stream, StartingPosition, `)),
      `${P}.StartingPosition: "EARLIEST" is not TRIM_HORIZON, LATEST or AT_TIMESTAMP`,
      `${P}.BatchSize: 10001 is outside 1-10000`,
      `${P}.ParallelizationFactor: 11 is outside 1-10`,
      `${P}.MaximumRetryAttempts: -2 is outside -1-10000 (-1: until the record expires)`,
      `${P}.MaximumRecordAgeInSeconds: 30 must be -1 or 60-604800 seconds`,
      `${P}.TumblingWindowInSeconds: 901 is outside 0-900 seconds`,
      `${P}.BisectBatchOnFunctionError: "maybe" is not a boolean`,
      `${P}.FunctionResponseTypes: "Everything" is not ReportBatchItemFailures (the only response type of event source mappings)`,
      expect.stringMatching(new RegExp(`^${P.replace(/\./g, '\\.')}\\.FilterCriteria\\.Filters\\[0\\]\\.Pattern: `)),
      `${P}.DestinationConfig.OnSuccess: stream mappings have only an OnFailure destination`,
      `${P}.DestinationConfig.OnFailure.Destination: f.fifo is a FIFO queue; Lambda sends destination records to standard queues only`,
    ]);
  });

  it('requires StartingPosition, a stream ARN, and a timestamp with AT_TIMESTAMP', () => {
    expect(templateProblems(withEvent('            Stream: !GetAtt Clicks.Arn\n'))).toEqual(['Resource Reader: property Events.Stream.Properties.StartingPosition: is required for a stream (TRIM_HORIZON, LATEST or AT_TIMESTAMP)']);
    const notArn = (text: string): string => `Resource Reader: property Events.Stream.Properties.Stream: ${text} is not a Kinesis stream ARN (use !GetAtt Stream.Arn or arn:aws:kinesis:REGION:ACCOUNT:stream/NAME; stream consumers are not supported)`;
    expect(templateProblems(withEvent('            Stream: clicks\n            StartingPosition: LATEST\n'))).toEqual([notArn('"clicks"')]);
    for (const bad of [`${STREAM_ARN}/orders/consumer/c:1`, 'arn:aws:sqs:us-east-1:123456789012:orders', 'arn:aws:kinesis:us-east-1:12345:stream/orders', `${STREAM_ARN}/`, `${STREAM_ARN}/bad name`]) {
      expect(templateProblems(withEvent(`            Stream: "${bad}"\n            StartingPosition: LATEST\n`))).toEqual([notArn(JSON.stringify(bad))]);
    }
    expect(templateProblems(withEvent('            Stream: !GetAtt Clicks.Arn\n            StartingPosition: AT_TIMESTAMP\n'))).toEqual(['Resource Reader: property Events.Stream.Properties.StartingPositionTimestamp: is required with StartingPosition AT_TIMESTAMP (seconds since the epoch)']);
    expect(templateProblems(withEvent('            Stream: !GetAtt Clicks.Arn\n            StartingPosition: LATEST\n            StartingPositionTimestamp: 5\n'))).toEqual(['Resource Reader: property Events.Stream.Properties.StartingPositionTimestamp: applies only with StartingPosition AT_TIMESTAMP']);
  });

  it('maps a stream the template does not define, named by its ARN alone (SAM Stream and EventSourceArn)', () => {
    const external = 'arn:aws:kinesis:us-east-1:000000000000:stream/orders';
    const loaded = loadTemplateText(withEvent(`            Stream: ${external}\n            StartingPosition: TRIM_HORIZON\n            BatchSize: 5\n`, `  Audit:
    Type: AWS::Lambda::EventSourceMapping
    Properties: { FunctionName: !Ref Reader, EventSourceArn: "arn:aws:kinesis:ap-south-1:111122223333:stream/audit.log-1", StartingPosition: LATEST }
`));
    expect(loaded.streamMappings.map((m) => ({ id: m.id, arn: m.streamArn, name: m.streamName, batch: m.batchSize, from: m.startingPosition.kind }))).toEqual([
      { id: 'ReaderStream', arn: external, name: 'orders', batch: 5, from: 'TRIM_HORIZON' },
      { id: 'Audit', arn: 'arn:aws:kinesis:ap-south-1:111122223333:stream/audit.log-1', name: 'audit.log-1', batch: 100, from: 'LATEST' },
    ]);
  });

  it('refuses a second mapping of the same external stream to the same function', () => {
    const external = 'arn:aws:kinesis:us-east-1:000000000000:stream/orders';
    const problems = templateProblems(withEvent(`            Stream: ${external}\n            StartingPosition: LATEST\n`, `  Again:
    Type: AWS::Lambda::EventSourceMapping
    Properties: { FunctionName: !Ref Reader, EventSourceArn: ${external}, StartingPosition: LATEST }
`));
    expect(problems).toEqual(['Resource Again: property EventSourceArn: stream orders is already mapped to function Reader by ReaderStream; Lambda allows one mapping per stream and function']);
  });

  it('refuses a second mapping of the same stream to the same function', () => {
    const problems = templateProblems(withEvent('            Stream: !GetAtt Clicks.Arn\n            StartingPosition: LATEST\n', `  Again:
    Type: AWS::Lambda::EventSourceMapping
    Properties: { FunctionName: !Ref Reader, EventSourceArn: !GetAtt Clicks.Arn, StartingPosition: LATEST }
`));
    expect(problems).toEqual(['Resource Again: property EventSourceArn: stream clicks is already mapped to function Reader by ReaderStream; Lambda allows one mapping per stream and function']);
  });

  it('refuses DynamoDB stream mappings: no DynamoDB Streams emulator', () => {
    const problems = templateProblems(`Resources:
  Table:
    Type: AWS::DynamoDB::Table
    Properties: { StreamSpecification: { StreamViewType: NEW_IMAGE } }
${samFunction('Fn', `      Events:
        Changes:
          Type: DynamoDB
          Properties: { Stream: !GetAtt Table.StreamArn, StartingPosition: LATEST }
`)}  Mapping:
    Type: AWS::Lambda::EventSourceMapping
    Properties: { FunctionName: !Ref Fn, EventSourceArn: !GetAtt Table.StreamArn, StartingPosition: LATEST }
  ByArn:
    Type: AWS::Lambda::EventSourceMapping
    Properties: { FunctionName: !Ref Fn, EventSourceArn: 'arn:aws:dynamodb:eu-west-1:123456789012:table/T/stream/2024-01-01T00:00:00.000', StartingPosition: LATEST }
`);
    expect(problems).toHaveLength(3);
    for (const p of problems) expect(p).toMatch(/DynamoDB stream mappings are not supported yet: no DynamoDB Streams emulator is available to Lamina/);
    expect(problems.map((p) => p.split(':').slice(0, 2).join(':'))).toEqual(['Resource Fn: property Events.Changes', 'Resource Mapping: property EventSourceArn', 'Resource ByArn: property EventSourceArn']);
  });
});
