/**
 * EventBridge rules through the real `lamina serve` (issue 15): nodejs functions with `Events:
 * EventBridgeRule` and `CloudWatchEvent`, a hand-written `AWS::Events::Rule`, and a custom
 * `AWS::Events::EventBus`. Events put with `@aws-sdk/client-eventbridge` and `aws events put-events`
 * reach the matching rules' functions in EventBridge's event shape (after InputPath or
 * InputTransformer), a non-matching event reaches nothing, and a function's EventBridge OnSuccess
 * destination lands on the embedded default bus, where a rule sends it to another function. A
 * hand-written `AWS::Scheduler::Schedule` fires its function too.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectAwsCli, makeAwsCliHome, runAwsCli } from '../helpers/aws-cli.js';
import { localLambdaClient } from '../helpers/lambda-client.js';
import { startServe, type ServeProcess } from '../helpers/serve-process.js';

const dir = mkdtempSync(join(tmpdir(), 'lamina-eventbridge-'));
let serve: ServeProcess | undefined;
let eventsEndpoint = '';
let invokeEndpoint = '';
const cli = detectAwsCli();

beforeAll(async () => {
  mkdirSync(join(dir, 'code'));
  writeFileSync(join(dir, 'code', 'index.js'), "exports.handler = async (event) => { console.log('EVENT ' + JSON.stringify(event)); return { seen: true }; };\n");
  writeFileSync(
    join(dir, 'template.yaml'),
    `Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: nodejs20.x
    Handler: index.handler
    CodeUri: ${join(dir, 'code')}
Resources:
  Sales:
    Type: AWS::Events::EventBus
    Properties: { Name: sales }
  Orders:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Placed:
          Type: EventBridgeRule
          Properties:
            Pattern: { source: [shop], detail-type: [Order Placed], detail: { amount: [{ numeric: [">", 10] }] } }
            Target: { Id: orders-target }
        FromCli:
          Type: CloudWatchEvent
          Properties:
            Pattern: { source: [{ prefix: cli. }] }
            InputPath: $.detail
  Shaped:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        OnSales:
          Type: EventBridgeRule
          Properties:
            EventBusName: !Ref Sales
            RuleName: sales-shaped
            Pattern: { source: [shop] }
            InputTransformer:
              InputPathsMap: { id: $.detail.id, sku: '$.detail.items[0].sku' }
              InputTemplate: '{"order": <id>, "first": "<sku>", "rule": "<aws.events.rule-name>"}'
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      EventInvokeConfig:
        MaximumRetryAttempts: 0
        DestinationConfig:
          OnSuccess: { Type: EventBridge, Destination: !Sub 'arn:aws:events:\${AWS::Region}:\${AWS::AccountId}:event-bus/default' }
  Audit:
    Type: AWS::Serverless::Function
    Properties: {}
  AuditRule:
    Type: AWS::Events::Rule
    Properties:
      EventPattern: { source: [lambda], detail-type: [Lambda Function Invocation Result - Success], resources: [{ suffix: ':function:Worker:$LATEST' }] }
      Targets:
        - Id: audit
          Arn: !GetAtt Audit.Arn
  Ticked:
    Type: AWS::Serverless::Function
    Properties: {}
  Tick:
    Type: AWS::Scheduler::Schedule
    Properties:
      ScheduleExpression: rate(10 minutes)
      FlexibleTimeWindow: { Mode: 'OFF' }
      Target: { Arn: !GetAtt Ticked.Arn, RoleArn: arn:aws:iam::000000000000:role/unused, Input: '{"tick":true}' }
`,
  );
  const started = await startServe(['--template', 'template.yaml', '--port', '0', '--events-port', '0', '--state-dir', join(dir, 'state'), '--no-limits', '--host-node', '--async-time-scale', '0.001'], dir, /Event invokes are queued durably/);
  serve = started.serve;
  eventsEndpoint = /aws events --endpoint-url (http:\/\/\S+)\)/.exec(serve.output())?.[1] ?? '';
  invokeEndpoint = /on (http:\/\/\S+)\n/.exec(serve.output())?.[1] ?? '';
}, 90_000);

afterAll(async () => {
  if (serve !== undefined) expect(await serve.stop()).toBe(0);
  rmSync(dir, { recursive: true, force: true });
});

const client = (): EventBridgeClient => new EventBridgeClient({ endpoint: eventsEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
/** The events a function logged, parsed. */
const received = (fn: string): unknown[] => [...(serve?.output() ?? '').matchAll(new RegExp(`\\[${fn}\\][^\\n]*EVENT (.*)\\n`, 'g'))].map((m) => JSON.parse(m[1] ?? 'null') as unknown);

describe('EventBridge under lamina serve', () => {
  it('prints the endpoint, the buses and their rules', () => {
    expect(eventsEndpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const out = serve?.output() ?? '';
    expect(out).toContain('  bus default\n    rule OrdersPlaced -> Orders\n    rule OrdersFromCli -> Orders\n    rule AuditRule -> Audit\n  bus sales\n    rule sales-shaped -> Shaped\n');
  });

  it('sends what the SDK puts to the matching rule\'s function, in EventBridge\'s shape, and nothing else', async () => {
    const put = await client().send(new PutEventsCommand({ Entries: [
      { Source: 'shop', DetailType: 'Order Placed', Detail: JSON.stringify({ id: 'o-1', amount: 25 }), Resources: ['arn:aws:s3:::orders'] },
      { Source: 'shop', DetailType: 'Order Placed', Detail: JSON.stringify({ id: 'o-small', amount: 5 }) },
      { Source: 'shop', DetailType: 'Order Shipped', Detail: JSON.stringify({ id: 'o-shipped', amount: 50 }) },
    ] }));
    expect(put.FailedEntryCount).toBe(0);
    await expect.poll(() => received('Orders').length, { timeout: 30_000 }).toBeGreaterThanOrEqual(1);
    await new Promise((r) => setTimeout(r, 1000));
    expect(received('Orders')).toEqual([{
      version: '0', id: put.Entries?.[0]?.EventId, 'detail-type': 'Order Placed', source: 'shop', account: '000000000000',
      time: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/), region: 'us-east-1', resources: ['arn:aws:s3:::orders'], detail: { id: 'o-1', amount: 25 },
    }]);
    // The default bus's events never reach the sales bus's rule.
    expect(received('Shaped')).toEqual([]);
  }, 45_000);

  it('applies the InputTransformer of a rule on a custom bus', async () => {
    const put = await client().send(new PutEventsCommand({ Entries: [{ EventBusName: 'sales', Source: 'shop', DetailType: 'Sale', Detail: JSON.stringify({ id: 42, items: [{ sku: 'say "a"' }] }) }] }));
    expect(put.FailedEntryCount).toBe(0);
    await expect.poll(() => received('Shaped'), { timeout: 30_000 }).toEqual([{ order: 42, first: 'say "a"', rule: 'sales-shaped' }]);
  }, 45_000);

  it.skipIf(cli.cli === undefined)(`delivers what \`aws events put-events\` puts, through InputPath ${cli.unavailable ?? ''}`, async () => {
    const home = makeAwsCliHome();
    try {
      const entries = JSON.stringify([{ Source: 'cli.test', DetailType: 'From CLI', Detail: JSON.stringify({ from: 'cli', n: 1 }) }, { Source: 'cli.test', DetailType: 'Bad', Detail: 'not json' }]);
      const out = await runAwsCli(['events', 'put-events', '--endpoint-url', eventsEndpoint, '--entries', entries], home);
      expect(out.stderr).toBe('');
      const answer = JSON.parse(out.stdout) as { FailedEntryCount: number; Entries: Array<{ EventId?: string; ErrorCode?: string }> };
      expect(answer.FailedEntryCount).toBe(1);
      expect(answer.Entries[1]?.ErrorCode).toBe('MalformedDetail');
      await expect.poll(() => received('Orders').filter((e) => (e as { from?: string }).from === 'cli'), { timeout: 30_000 }).toEqual([{ from: 'cli', n: 1 }]);
      const rules = await runAwsCli(['events', 'list-rules', '--endpoint-url', eventsEndpoint, '--event-bus-name', 'sales'], home);
      expect((JSON.parse(rules.stdout) as { Rules: Array<{ Name: string; Arn: string }> }).Rules).toMatchObject([{ Name: 'sales-shaped', Arn: 'arn:aws:events:us-east-1:000000000000:rule/sales/sales-shaped' }]);
      const missing = await runAwsCli(['events', 'describe-rule', '--endpoint-url', eventsEndpoint, '--name', 'nope'], home);
      expect(missing.stderr).toContain('ResourceNotFoundException');
    } finally {
      home.remove();
    }
  }, 45_000);

  it('fires a hand-written AWS::Scheduler::Schedule into its function with the Target\'s Input', async () => {
    // 10 minutes at --async-time-scale 0.001 is 600 ms.
    await expect.poll(() => received('Ticked').length, { timeout: 30_000 }).toBeGreaterThanOrEqual(2);
    expect(new Set(received('Ticked').map((e) => JSON.stringify(e)))).toEqual(new Set(['{"tick":true}']));
  }, 45_000);

  it('puts a function\'s EventBridge OnSuccess record on the embedded default bus, where a rule sends it on', async () => {
    const answer = await localLambdaClient(invokeEndpoint).send(new InvokeCommand({ FunctionName: 'Worker', InvocationType: 'Event', Payload: Buffer.from('{"job":7}') }));
    expect(answer.StatusCode).toBe(202);
    await expect.poll(() => received('Audit').length, { timeout: 30_000 }).toBe(1);
    expect(received('Audit')[0]).toMatchObject({
      source: 'lambda',
      'detail-type': 'Lambda Function Invocation Result - Success',
      resources: ['arn:aws:events:us-east-1:000000000000:event-bus/default', 'arn:aws:lambda:us-east-1:000000000000:function:Worker:$LATEST'],
      detail: { requestContext: { requestId: answer.$metadata.requestId, condition: 'Success' }, requestPayload: { job: 7 }, responsePayload: { seen: true } },
    });
  }, 45_000);
});
