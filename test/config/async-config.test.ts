import { afterEach, describe, expect, it } from 'vitest';
import { generatedName } from '../../src/config/queue-resources.js';
import { lambdaFunction, loadTemplateText, removeTemplateDirs, resource, samFunction, templateProblems } from '../helpers/template-text.js';

afterEach(removeTemplateDirs);

const ARN = 'arn:aws:sqs:eu-west-1:123456789012';
const FN = 'arn:aws:lambda:eu-west-1:123456789012:function';

const REALISTIC = `
Parameters:
  Stage: {Type: String, Default: prod}
Resources:
${samFunction(
  'OrderWorker',
  `      FunctionName: !Sub order-worker-\${Stage}
      AutoPublishAlias: live
      DeadLetterQueue:
        Type: SQS
        TargetArn: !GetAtt DeadLetters.Arn
      EventInvokeConfig:
        MaximumRetryAttempts: 1
        MaximumEventAgeInSeconds: 120
        DestinationConfig:
          OnSuccess:
            Type: Lambda
            Destination: !GetAtt Auditor.Arn
          OnFailure:
            Type: SQS
            Destination: !GetAtt FailedOrders.Arn
`,
)}${samFunction('Auditor')}${resource('FailedOrders', 'AWS::SQS::Queue', '      QueueName: failed-orders\n      VisibilityTimeout: 60\n')}${resource('DeadLetters', 'AWS::SQS::Queue', '      MessageRetentionPeriod: 1209600\n')}${resource(
  'AuditorAsync',
  'AWS::Lambda::EventInvokeConfig',
  `      FunctionName: !Ref Auditor
      Qualifier: $LATEST
      MaximumRetryAttempts: 0
      DestinationConfig:
        OnFailure:
          Destination: !Sub arn:aws:sqs:\${AWS::Region}:\${AWS::AccountId}:failed-orders
`,
)}`;

describe('asynchronous invocation settings of a template', () => {
  it('reads a realistic SAM template: EventInvokeConfig on the alias, a function and a queue destination, a DLQ, an AWS::Lambda::EventInvokeConfig', () => {
    const { functions, queues, warnings } = loadTemplateText(REALISTIC);
    expect(warnings).toEqual([]);
    const dead = generatedName('local', 'DeadLetters', 80);
    expect(queues.map((q) => [q.logicalId, q.name, q.visibilityTimeout, q.messageRetentionPeriod])).toEqual([
      ['FailedOrders', 'failed-orders', 60, 345_600],
      ['DeadLetters', dead, 30, 1_209_600],
    ]);
    const worker = functions.find((f) => f.name === 'order-worker-prod');
    expect(worker?.async).toEqual({
      byQualifier: {
        live: {
          maximumRetryAttempts: 1,
          maximumEventAgeSeconds: 120,
          onSuccess: { kind: 'function', arn: `${FN}:Auditor`, functionName: 'Auditor' },
          onFailure: { kind: 'sqs', arn: `${ARN}:failed-orders`, queueName: 'failed-orders', region: 'eu-west-1', accountId: '123456789012' },
        },
      },
      deadLetter: { kind: 'sqs', arn: `${ARN}:${dead}`, queueName: dead, region: 'eu-west-1', accountId: '123456789012' },
    });
    expect(functions.find((f) => f.name === 'Auditor')?.async).toEqual({
      byQualifier: { $LATEST: { maximumRetryAttempts: 0, maximumEventAgeSeconds: 21_600, onFailure: expect.objectContaining({ kind: 'sqs', queueName: 'failed-orders' }) } },
    });
  });

  it('leaves functions without settings alone, and fills Lambda\'s defaults on $LATEST (from Globals too)', () => {
    const plain = loadTemplateText(`Resources:\n${samFunction('Fn')}`);
    expect(plain.functions[0]?.async).toBeUndefined();
    expect(plain.queues).toEqual([]);
    const { functions } = loadTemplateText(`Globals:\n  Function:\n    EventInvokeConfig: {MaximumRetryAttempts: "0"}\nResources:\n${samFunction('Fn')}`);
    expect(functions[0]?.async).toEqual({ byQualifier: { $LATEST: { maximumRetryAttempts: 0, maximumEventAgeSeconds: 21_600 } } });
  });

  it('creates the queue SAM creates for Type SQS without Destination, named <Function>EventInvokeConfig<OnSuccess|OnFailure>Queue', () => {
    const config = '      EventInvokeConfig:\n        DestinationConfig:\n          OnSuccess: {Type: SQS}\n          OnFailure: {Type: SQS, Destination: !Ref AWS::NoValue}\n';
    const { functions, queues } = loadTemplateText(`Resources:\n${samFunction('Fn', config)}`);
    const success = generatedName('local', 'FnEventInvokeConfigOnSuccessQueue', 80);
    expect(queues.map((q) => [q.logicalId, q.name, q.fifo, q.messageRetentionPeriod])).toEqual([
      ['FnEventInvokeConfigOnSuccessQueue', success, false, 345_600],
      ['FnEventInvokeConfigOnFailureQueue', generatedName('local', 'FnEventInvokeConfigOnFailureQueue', 80), false, 345_600],
    ]);
    expect(functions[0]?.async?.byQualifier.$LATEST?.onSuccess).toEqual({ kind: 'sqs', arn: `${ARN}:${success}`, queueName: success, region: 'eu-west-1', accountId: '123456789012' });
  });

  it('reads SNS and EventBridge destinations (Ref of a topic, GetAtt of a bus), SNS dead letters and DeadLetterConfig of AWS::Lambda::Function', () => {
    const sam = '      EventInvokeConfig:\n        DestinationConfig:\n          OnSuccess: {Type: SNS, Destination: !Ref Topic}\n          OnFailure: {Type: EventBridge, Destination: !GetAtt Bus.Arn}\n      DeadLetterQueue: {Type: SNS, TargetArn: !Ref Topic}\n';
    const body = `Resources:\n${samFunction('Fn', sam)}${lambdaFunction('Raw', `      DeadLetterConfig: {TargetArn: ${ARN}:raw-dlq}\n`)}${resource('Topic', 'AWS::SNS::Topic', '      TopicName: alerts\n')}${resource('Bus', 'AWS::Events::EventBus', '      Name: orders\n')}${resource('RawDlq', 'AWS::SQS::Queue', '      QueueName: raw-dlq\n')}`;
    const { functions } = loadTemplateText(body);
    const topic = { kind: 'sns', arn: 'arn:aws:sns:eu-west-1:123456789012:alerts', region: 'eu-west-1' };
    expect(functions[0]?.async).toEqual({
      byQualifier: { $LATEST: { maximumRetryAttempts: 2, maximumEventAgeSeconds: 21_600, onSuccess: topic, onFailure: { kind: 'eventbridge', arn: 'arn:aws:events:eu-west-1:123456789012:event-bus/orders', region: 'eu-west-1' } } },
      deadLetter: topic,
    });
    expect(functions[1]?.async).toEqual({ byQualifier: {}, deadLetter: { kind: 'sqs', arn: `${ARN}:raw-dlq`, queueName: 'raw-dlq', region: 'eu-west-1', accountId: '123456789012' } });
  });

  it('reads AWS::Lambda::EventInvokeConfig by function name, ARN or GetAtt, for a version and an alias beside SAM\'s', () => {
    const eic = (id: string, fn: string, qualifier: string) => resource(id, 'AWS::Lambda::EventInvokeConfig', `      FunctionName: ${fn}\n      Qualifier: "${qualifier}"\n      MaximumEventAgeInSeconds: 60\n`);
    const body = `Resources:\n${samFunction('Fn', '      AutoPublishAlias: live\n      EventInvokeConfig: {MaximumRetryAttempts: 2}\n')}${eic('A', 'Fn', '$LATEST')}${eic('B', `${FN}:Fn`, '1')}${eic('C', '!GetAtt Fn.Arn', 'beta')}`;
    const settings = loadTemplateText(body).functions[0]?.async?.byQualifier;
    expect(Object.keys(settings ?? {}).sort()).toEqual(['$LATEST', '1', 'beta', 'live']);
    expect(settings?.['1']).toEqual({ maximumRetryAttempts: 2, maximumEventAgeSeconds: 60 });
  });

  it('skips queues and AWS::Lambda::EventInvokeConfig resources whose Condition is false', () => {
    const off = (text: string) => text.replace(/\n {4}Type:/, '\n    Condition: Off\n    Type:');
    const body = `Conditions:\n  Off: !Equals [a, b]\nResources:\n${samFunction('Fn')}${off(resource('Q', 'AWS::SQS::Queue'))}${off(resource('E', 'AWS::Lambda::EventInvokeConfig', '      FunctionName: Ghost\n'))}`;
    const { functions, queues } = loadTemplateText(body);
    expect(queues).toEqual([]);
    expect(functions[0]?.async).toBeUndefined();
  });
});

describe('asynchronous invocation settings: problems', () => {
  const sam = (config: string, extra = '') => `Resources:\n${samFunction('Fn', `      EventInvokeConfig:\n${config.replace(/^/gm, '        ')}\n`)}${extra}`;
  const dest = (event: string, spec: string) => sam(`DestinationConfig:\n  ${event}: ${spec}`, resource('Q', 'AWS::SQS::Queue', '      QueueName: q\n'));
  const P = 'Resource Fn: property EventInvokeConfig.';

  it.each([
    ['MaximumRetryAttempts: 3', 'MaximumRetryAttempts: 3 is outside 0-2'],
    ['MaximumRetryAttempts: -1', 'MaximumRetryAttempts: -1 is outside 0-2'],
    ['MaximumRetryAttempts: 1.5', 'MaximumRetryAttempts: 1.5 is not an integer'],
    ['MaximumRetryAttempts: "two"', 'MaximumRetryAttempts: "two" is not an integer'],
    ['MaximumEventAgeInSeconds: 59', 'MaximumEventAgeInSeconds: 59 is outside 60-21600 seconds'],
    ['MaximumEventAgeInSeconds: 21601', 'MaximumEventAgeInSeconds: 21601 is outside 60-21600 seconds'],
    ['MaximumEventAgeInSeconds: !Ref Nope', 'MaximumEventAgeInSeconds: cannot resolve Ref Nope: Ref Nope: no parameter or resource has this name'],
    ['DestinationConfig: [1]', 'DestinationConfig: [1] must be a map with OnSuccess and OnFailure'],
    ['DestinationConfig: {OnSuccess: arn}', 'DestinationConfig.OnSuccess: "arn" must be a map with Destination'],
  ])('refuses %s', (config, message) => {
    expect(templateProblems(sam(config))).toEqual([`${P}${message}`]);
  });

  it('refuses an EventInvokeConfig that is not a map', () => {
    expect(templateProblems(`Resources:\n${samFunction('Fn', '      EventInvokeConfig: 3\n')}`)).toEqual(['Resource Fn: property EventInvokeConfig: 3 must be a map']);
  });

  it.each([
    ['OnSuccess', '{Destination: arn:aws:sqs:eu-west-1:123456789012:q}', 'DestinationConfig.OnSuccess.Type: is missing: must be one of SQS, SNS, Lambda, EventBridge, S3Bucket'],
    ['OnSuccess', '{Type: Kinesis, Destination: x}', 'DestinationConfig.OnSuccess.Type: "Kinesis" must be one of SQS, SNS, Lambda, EventBridge, S3Bucket'],
    ['OnFailure', '{Type: SNS}', 'DestinationConfig.OnFailure.Destination: Lamina does not emulate SNS topics; give Destination with an SNS topic ARN reachable at --sns-endpoint'],
    ['OnFailure', '{Type: Lambda}', 'DestinationConfig.OnFailure.Destination: is required when Type is Lambda'],
    ['OnFailure', '{Type: EventBridge}', 'DestinationConfig.OnFailure.Destination: is required when Type is EventBridge'],
    ['OnFailure', '{Type: S3Bucket, Destination: "arn:aws:s3:::bucket"}', 'DestinationConfig.OnFailure.Destination: S3 bucket destinations are not supported yet'],
    ['OnFailure', '{Type: SQS, Destination: !GetAtt Fn.Arn}', 'DestinationConfig.OnFailure.Destination: "arn:aws:lambda:eu-west-1:123456789012:function:Fn" is a Lambda function, not an SQS queue (Type SQS)'],
    ['OnFailure', '{Type: Lambda, Destination: !Ref Q}', 'DestinationConfig.OnFailure.Destination: "https://sqs.eu-west-1.amazonaws.com/123456789012/q" is not the ARN of a Lambda function, an SQS queue, an SNS topic, an EventBridge event bus'],
    ['OnSuccess', `{Type: Lambda, Destination: "${FN}:Ghost"}`, 'DestinationConfig.OnSuccess.Destination: names unknown function Ghost (a destination function must be defined in this template)'],
    ['OnSuccess', `{Type: Lambda, Destination: "${FN}:Fn:live"}`, 'DestinationConfig.OnSuccess.Destination: names unknown alias live of function Fn'],
    ['OnSuccess', `{Type: SQS, Destination: "${ARN}:jobs.fifo"}`, 'DestinationConfig.OnSuccess.Destination: jobs.fifo is a FIFO queue; Lambda sends destination records to standard queues only'],
    ['OnSuccess', '{Type: SQS, Destination: !GetAtt Q.Nope}', 'DestinationConfig.OnSuccess.Destination: cannot resolve Fn::GetAtt ["Q","Nope"]: Fn::GetAtt Q.Nope: Lamina knows QueueUrl, QueueName, Arn of AWS::SQS::Queue'],
  ])('refuses %s %s', (event, spec, message) => {
    expect(templateProblems(dest(event, spec))).toEqual([`${P}${message}`]);
  });

  it.each([
    ['DeadLetterQueue: {Type: SQS}', 'DeadLetterQueue.TargetArn: is required'],
    ['DeadLetterQueue: {Type: Kinesis, TargetArn: x}', 'DeadLetterQueue.Type: "Kinesis" must be SQS or SNS'],
    ['DeadLetterQueue: {TargetArn: x}', 'DeadLetterQueue.Type: is required (SQS or SNS)'],
    ['DeadLetterQueue: arn', 'DeadLetterQueue: "arn" must be a map with Type and TargetArn'],
    ['DeadLetterQueue: {Type: SNS, TargetArn: !GetAtt Q.Arn}', 'DeadLetterQueue.TargetArn: "arn:aws:sqs:eu-west-1:123456789012:q" is an SQS queue, not an SNS topic (Type SNS)'],
    [`DeadLetterQueue: {Type: SQS, TargetArn: "${FN}:Fn"}`, `DeadLetterQueue.TargetArn: "${FN}:Fn" is a Lambda function, not an SQS queue (Type SQS)`],
  ])('refuses %s', (property, message) => {
    expect(templateProblems(`Resources:\n${samFunction('Fn', `      ${property}\n`)}${resource('Q', 'AWS::SQS::Queue', '      QueueName: q\n')}`)).toEqual([`Resource Fn: property ${message}`]);
  });

  it('refuses a DeadLetterConfig that is not a queue or a topic', () => {
    expect(templateProblems(`Resources:\n${lambdaFunction('Raw', `      DeadLetterConfig: {TargetArn: "${FN}:Raw"}\n`)}`)).toEqual([
      `Resource Raw: property DeadLetterConfig.TargetArn: "${FN}:Raw" is a Lambda function; expected an SQS queue or an SNS topic`,
    ]);
    expect(templateProblems(`Resources:\n${lambdaFunction('Raw', '      DeadLetterConfig: [x]\n')}`)).toEqual(['Resource Raw: property DeadLetterConfig: ["x"] must be a map with TargetArn']);
  });

  it('refuses bad AWS::Lambda::EventInvokeConfig resources', () => {
    const eic = (props: string) => `Resources:\n${samFunction('Fn')}${resource('E', 'AWS::Lambda::EventInvokeConfig', props)}`;
    expect(templateProblems(eic('      FunctionName: Ghost\n      Qualifier: $LATEST\n'))).toEqual(['Resource E: property FunctionName: names unknown function "Ghost" (it must be defined in this template)']);
    expect(templateProblems(eic('      Qualifier: $LATEST\n'))).toEqual(['Resource E: property FunctionName: is required']);
    expect(templateProblems(eic('      FunctionName: Fn\n'))).toEqual(['Resource E: property Qualifier: is missing: must be $LATEST, a version number or an alias name']);
    expect(templateProblems(eic('      FunctionName: Fn\n      Qualifier: "a:b"\n'))).toEqual(['Resource E: property Qualifier: "a:b" must be $LATEST, a version number or an alias name']);
    expect(templateProblems(eic('      FunctionName: Fn\n      Qualifier: $LATEST\n      MaximumRetryAttempts: 5\n'))).toEqual(['Resource E: property MaximumRetryAttempts: 5 is outside 0-2']);
    expect(templateProblems(eic('      FunctionName: Fn\n      Qualifier: $LATEST\n      DestinationConfig: {OnSuccess: {}}\n'))).toEqual(['Resource E: property DestinationConfig.OnSuccess.Destination: is required']);
    expect(templateProblems(eic('      FunctionName: Fn\n      Qualifier: $LATEST\n      DestinationConfig: {OnSuccess: {Destination: "arn:aws:s3:::bucket"}}\n'))).toEqual([
      'Resource E: property DestinationConfig.OnSuccess.Destination: S3 bucket destinations are not supported yet',
    ]);
    expect(templateProblems(`Resources:\n${samFunction('Fn')}  E:\n    Type: AWS::Lambda::EventInvokeConfig\n    Properties: nope\n`)).toEqual(['Resource E: Properties must be a map with FunctionName and Qualifier']);
  });

  it('refuses two configurations for one function and qualifier, SAM\'s and a resource\'s alike', () => {
    const eic = (id: string) => resource(id, 'AWS::Lambda::EventInvokeConfig', '      FunctionName: !Ref Fn\n      Qualifier: $LATEST\n');
    expect(templateProblems(`Resources:\n${samFunction('Fn')}${eic('A')}${eic('B')}`)).toEqual(['Resource B: function Fn qualifier $LATEST already has an event invoke configuration (A); Lambda allows one']);
    expect(templateProblems(`Resources:\n${samFunction('Fn', '      EventInvokeConfig: {MaximumRetryAttempts: 0}\n')}${eic('A')}`)).toEqual([
      'Resource A: function Fn qualifier $LATEST already has an event invoke configuration (Fn); Lambda allows one',
    ]);
  });
});
