/**
 * EventBridge rules of a template (src/config/eventbridge-rules.ts) through the loader: SAM's
 * `EventBridgeRule` and `CloudWatchEvent`, hand-written `AWS::Events::Rule` with Lambda targets,
 * `AWS::Events::EventBus`, and every validation message naming the resource and property.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { loadTemplateText, removeTemplateDirs, resource, samFunction, templateProblems } from '../helpers/template-text.js';

afterEach(removeTemplateDirs);

const TEMPLATE = `Resources:
  Orders:
    Type: AWS::Events::EventBus
    Properties: { Name: orders, Description: Order events }
${samFunction('Fn', `      AutoPublishAlias: live
      Events:
        Placed:
          Type: EventBridgeRule
          Properties:
            EventBusName: !Ref Orders
            RuleName: placed
            Pattern: { source: [shop], detail: { ip: [{ cidr: 10.0.0.0/8 }] } }
            InputTransformer: { InputPathsMap: { id: $.detail.id }, InputTemplate: '{"id": <id>}' }
            Target: { Id: fn-target }
            RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 120 }
        Legacy:
          Type: CloudWatchEvent
          Properties:
            Pattern: '{"source": ["old"]}'
            InputPath: $.detail
            Enabled: false
`)}
${samFunction('Other')}
${resource('Rule', 'AWS::Events::Rule', `      Description: by hand
      EventBusName: !GetAtt Orders.Arn
      State: ENABLED
      EventPattern: { detail-type: [{ prefix: Order }] }
      Targets:
        - { Id: a, Arn: !GetAtt Other.Arn, Input: '{"fixed":true}' }
        - { Id: b, Arn: !Sub '\${Fn.Arn}:live' }
        - { Id: q, Arn: arn:aws:sqs:eu-west-1:123456789012:elsewhere }
`)}`;

describe('a realistic template', () => {
  it('gives the buses and the rules with their targets', () => {
    const loaded = loadTemplateText(TEMPLATE);
    expect(loaded.eventBuses).toEqual([{ name: 'orders', logicalId: 'Orders', description: 'Order events' }]);
    expect(loaded.eventRules.map((r) => [r.id, r.name, r.busName, r.enabled, r.targets.map((t) => [t.id, t.functionName, t.qualifier, t.input.kind])])).toEqual([
      ['FnPlaced', 'placed', 'orders', true, [['fn-target', 'Fn', 'live', 'transformer']]],
      ['FnLegacy', 'FnLegacy', 'default', false, [['FnLegacyLambdaTarget', 'Fn', 'live', 'path']]],
      ['Rule', 'Rule', 'orders', true, [['a', 'Other', undefined, 'constant'], ['b', 'Fn', 'live', 'event']]],
    ]);
    expect(loaded.eventRules[0]?.targets[0]?.retry).toEqual({ maximumRetryAttempts: 2, maximumEventAgeSeconds: 120 });
    expect(loaded.eventRules[1]?.pattern).toEqual({ source: ['old'] });
    expect(loaded.eventRules[2]).toMatchObject({ description: 'by hand', targets: [{ arn: 'arn:aws:lambda:eu-west-1:123456789012:function:Other' }, {}] });
    expect(loaded.warnings).toEqual(['Resource Rule: property Targets[2].Arn: "arn:aws:sqs:eu-west-1:123456789012:elsewhere" is not a Lambda function: Lamina runs only Lambda targets; this one is skipped']);
  });

  it('a template without rules has none', () => {
    const loaded = loadTemplateText(`Resources:\n${samFunction('Fn')}`);
    expect([loaded.eventRules, loaded.eventBuses]).toEqual([[], []]);
  });
});

const P = 'Resource Fn: property Events.E.Properties.';

function samProblems(type: string, props: string): string[] {
  return templateProblems(`Resources:
${samFunction('Fn', `      Events:
        E:
          Type: ${type}
          Properties:
${props}`)}`);
}

describe('every validation message of SAM events', () => {
  it.each([
    ['EventBridgeRule', '            RuleName: x\n', `${P}Pattern: is required`],
    ['EventBridgeRule', '            Pattern: { source: shop }\n', `${P}Pattern: source must be an array of values or rules`],
    ['EventBridgeRule', "            Pattern: '{\"a\": '\n", `${P}Pattern: is not JSON`],
    ['EventBridgeRule', '            Pattern: { a: [{ numeric: [">", 5, "<", 1] }] }\n', `${P}Pattern: a[0]: numeric takes`],
    ['EventBridgeRule', '            Pattern: { a: [{ cidr: 300.0.0.0/8 }] }\n', `${P}Pattern: a[0]: cidr: "300.0.0.0" is not an IPv4 or IPv6 address`],
    ['EventBridgeRule', '            Pattern: { a: [x] }\n            Schedule: rate(1 day)\n', `${P}Schedule: unknown property of a EventBridgeRule event`],
    ['CloudWatchEvent', '            Pattern: { a: [x] }\n            InputTransformer: { InputTemplate: "{}" }\n', `${P}InputTransformer: unknown property of a CloudWatchEvent event`],
    ['EventBridgeRule', '            Pattern: { a: [x] }\n            EventBusName: nope\n', `${P}EventBusName: names event bus nope, which is neither default nor an AWS::Events::EventBus of this template`],
    ['EventBridgeRule', '            Pattern: { a: [x] }\n            EventBusName: arn:aws:events:us-east-1:999999999999:event-bus/x\n', `${P}EventBusName: "arn:aws:events:us-east-1:999999999999:event-bus/x" is not a bus name or the ARN of a bus of this account and region`],
    ['EventBridgeRule', '            Pattern: { a: [x] }\n            RuleName: "has space"\n', `${P}RuleName: "has space" must be 1-64`],
    ['EventBridgeRule', '            Pattern: { a: [x] }\n            Target: { Id: "" }\n', `${P}Target.Id: "" must be 1-64`],
    ['EventBridgeRule', "            Pattern: { a: [x] }\n            Input: '{bad'\n", `${P}Input: is not JSON (a Lambda target is invoked with JSON)`],
    ['EventBridgeRule', '            Pattern: { a: [x] }\n            Input: "{}"\n            InputPath: $.detail\n', `${P}InputPath: Input and InputPath cannot both be set`],
    ['EventBridgeRule', '            Pattern: { a: [x] }\n            InputPath: detail\n', `${P}InputPath: "detail" must start with "$"`],
    ['EventBridgeRule', '            Pattern: { a: [x] }\n            InputTransformer: { InputPathsMap: { a: $.id } }\n', `${P}InputTransformer.InputTemplate: is required`],
    ['EventBridgeRule', '            Pattern: { a: [x] }\n            InputTransformer: { InputPathsMap: { a: $.id }, InputTemplate: "<a> is here" }\n', `${P}InputTransformer.InputTemplate: does not give JSON`],
    ['EventBridgeRule', '            Pattern: { a: [x] }\n            InputTransformer: { InputPathsMap: { aws.x: $.id }, InputTemplate: "{}" }\n', `${P}InputTransformer.InputPathsMap.aws.x: is reserved`],
    ['EventBridgeRule', '            Pattern: { a: [x] }\n            InputTransformer: { InputPathsMap: { a: "$[\'x\']" }, InputTemplate: "{}" }\n', `${P}InputTransformer.InputPathsMap.a: "$['x']" has an invalid [...]`],
    ['EventBridgeRule', '            Pattern: { a: [x] }\n            InputTransformer: { InputTemplate: "{}", Extra: 1 }\n', `${P}InputTransformer.Extra: unknown property (InputTemplate, InputPathsMap)`],
    ['EventBridgeRule', '            Pattern: { a: [x] }\n            RetryPolicy: { MaximumRetryAttempts: 186 }\n', `${P}RetryPolicy.MaximumRetryAttempts: 186 is outside 0-185`],
    ['EventBridgeRule', '            Pattern: { a: [x] }\n            RetryPolicy: { MaximumEventAgeInSeconds: 59 }\n', `${P}RetryPolicy.MaximumEventAgeInSeconds: 59 is outside 60-86400 seconds`],
    ['EventBridgeRule', '            Pattern: { a: [x] }\n            State: PAUSED\n', `${P}State: "PAUSED" is not ENABLED, DISABLED or ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS`],
    ['CloudWatchEvent', '            Pattern: { a: [x] }\n            Enabled: maybe\n', `${P}Enabled: "maybe" is not true or false`],
    ['EventBridgeRule', '            Pattern: { a: [x] }\n            DeadLetterConfig: { Arn: arn:aws:sns:us-east-1:123456789012:t }\n', `${P}DeadLetterConfig.Arn: "arn:aws:sns:us-east-1:123456789012:t" is not the ARN of a standard SQS queue`],
  ])('%s %#: %s', (type, props, message) => {
    const problems = samProblems(type, props);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(message);
  });
});

describe('every validation message of AWS::Events::Rule and AWS::Events::EventBus', () => {
  const ruleProblems = (props: string, extra = ''): string[] => templateProblems(`Resources:\n${samFunction('Fn')}\n${resource('R', 'AWS::Events::Rule', props)}${extra}`);
  it.each([
    ['      Targets: [{ Id: a, Arn: !GetAtt Fn.Arn }]\n', 'Resource R: property EventPattern: is required'],
    ['      EventPattern: { a: [x] }\n      Targets: [{ Id: a, Arn: arn:aws:lambda:eu-west-1:123456789012:function:Missing }]\n', 'Resource R: property Targets[0].Arn: names unknown function Missing'],
    ['      EventPattern: { a: [x] }\n      Targets: [{ Id: a, Arn: !Sub "${Fn.Arn}:prod" }]\n', 'Resource R: property Targets[0].Arn: names unknown alias prod of function Fn'],
    ['      EventPattern: { a: [x] }\n      Targets: [{ Id: a, Arn: not-an-arn }]\n', 'Resource R: property Targets[0].Arn: "not-an-arn" is not an ARN'],
    ['      EventPattern: { a: [x] }\n      Targets: [{ Arn: !GetAtt Fn.Arn }]\n', 'Resource R: property Targets[0].Id: undefined must be 1-64'],
    ['      EventPattern: { a: [x] }\n      Targets: [{ Id: a, Arn: !GetAtt Fn.Arn }, { Id: a, Arn: !GetAtt Fn.Arn }]\n', 'Resource R: property Targets[1].Id: target id a is used twice'],
    ['      EventPattern: { a: [x] }\n      Targets: [{ Id: a, Arn: !GetAtt Fn.Arn, InputPath: $.a, InputTransformer: { InputTemplate: "{}" } }]\n', 'Resource R: property Targets[0].InputTransformer: InputPath and InputTransformer cannot both be set'],
    ['      EventPattern: { a: [x] }\n      Targets: {}\n', 'Resource R: property Targets: {} is not a list'],
    ['      EventPattern: { a: [x] }\n      Pattern: { a: [x] }\n', 'Resource R: property Pattern: unknown property of AWS::Events::Rule'],
    ['      EventPattern: { a: [] }\n', 'Resource R: property EventPattern: a is an empty array'],
  ])('%#: %s', (props, message) => {
    const problems = ruleProblems(props);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(message);
  });

  it('refuses a bus without a name, named default, or defined twice; and two rules of one name on a bus', () => {
    expect(templateProblems(`Resources:\n${samFunction('Fn')}\n${resource('B', 'AWS::Events::EventBus', '      Description: x\n')}`)).toEqual(['Resource B: property Name: is required']);
    expect(templateProblems(`Resources:\n${samFunction('Fn')}\n${resource('B', 'AWS::Events::EventBus', '      Name: default\n')}`)).toEqual(['Resource B: property Name: "default" must be 1-256 letters, digits, . - _ or /, and not default']);
    expect(templateProblems(`Resources:\n${samFunction('Fn')}\n${resource('B', 'AWS::Events::EventBus', '      Name: x\n')}\n${resource('C', 'AWS::Events::EventBus', '      Name: x\n')}`)).toEqual(['Resource C: property Name: event bus x is already defined']);
    expect(templateProblems(`Resources:\n${samFunction('Fn')}\n${resource('R1', 'AWS::Events::Rule', '      Name: same\n      EventPattern: { a: [x] }\n')}\n${resource('R2', 'AWS::Events::Rule', '      Name: same\n      EventPattern: { a: [y] }\n')}`)).toEqual(['Resource R2: property Name: rule name same is already used on bus default by R1']);
  });

  it('skips schedule-only rules with a warning', () => {
    const loaded = loadTemplateText(`Resources:\n${samFunction('Fn')}\n${resource('R', 'AWS::Events::Rule', '      ScheduleExpression: rate(1 day)\n      Targets: [{ Id: a, Arn: !GetAtt Fn.Arn }]\n')}`);
    expect(loaded.eventRules).toEqual([]);
    expect(loaded.warnings).toEqual(["Resource R: property ScheduleExpression: schedule rules of AWS::Events::Rule are not run by Lamina; use a function's Events: Schedule"]);
  });
});
