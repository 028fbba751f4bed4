/**
 * Destinations that Lamina does not serve itself, through the real `lamina serve`: an EventBridge
 * bus (OnSuccess), an SNS topic (OnFailure) and an SNS dead-letter topic, reached with the AWS SDK's
 * clients at `--aws-endpoint` (here a stand-in on 127.0.0.1 that records the calls, as LocalStack
 * would receive them). A target that fails is retried, counted in DestinationDeliveryFailures, and
 * delivered once it answers.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES } from '../helpers/function-config.js';
import { localLambdaClient } from '../helpers/lambda-client.js';
import { LAMINA_BIN, startServe, type ServeProcess } from '../helpers/serve-process.js';
import { formFields, json11, startCaptureServer, xml, type CaptureServer } from '../async/targets/capture-server.js';

const dir = mkdtempSync(join(tmpdir(), 'lamina-targets-'));
let serve: ServeProcess | undefined;
let capture: CaptureServer;
let endpoint = '';
/** SNS publishes answered 500 before the stand-in accepts them. */
let snsFailuresLeft = 3;

beforeAll(async () => {
  capture = await startCaptureServer((request) => {
    if (request.headers['x-amz-target'] === 'AWSEvents.PutEvents') return json11({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
    if (formFields(request.body).Action === 'Publish') {
      if (snsFailuresLeft-- > 0) return xml('<ErrorResponse><Error><Type>Receiver</Type><Code>InternalError</Code><Message>try later</Message></Error></ErrorResponse>', 500);
      return xml('<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>m-1</MessageId></PublishResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></PublishResponse>');
    }
    return xml('<ErrorResponse><Error><Code>UnknownOperation</Code></Error></ErrorResponse>', 400);
  });
  writeFileSync(
    join(dir, 'template.yaml'),
    `Transform: AWS::Serverless-2016-10-31
Resources:
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: provided.al2023
      Handler: unused
      CodeUri: ${join(FIXTURES, 'runtimes', 'recorder')}
      EventInvokeConfig:
        MaximumRetryAttempts: 0
        DestinationConfig:
          OnSuccess: { Type: EventBridge, Destination: !Sub 'arn:aws:events:\${AWS::Region}:\${AWS::AccountId}:event-bus/default' }
          OnFailure: { Type: SNS, Destination: arn:aws:sns:us-east-1:000000000000:alerts }
      DeadLetterQueue: { Type: SNS, TargetArn: arn:aws:sns:us-east-1:000000000000:dead-letters }
`,
  );
  serve = (await startServe(['--template', 'template.yaml', '--port', '0', '--state-dir', join(dir, 'state'), '--async-time-scale', '0.001', '--no-limits', '--aws-endpoint', capture.url], dir, /Event invokes are queued durably/)).serve;
  endpoint = /on (http:\/\/\S+)\n/.exec(serve.output())?.[1] ?? '';
}, 60_000);

afterAll(async () => {
  await serve?.stop();
  await capture?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('EventBridge and SNS destinations at --aws-endpoint', () => {
  it('puts the OnSuccess record on the bus as a Lambda Function Invocation Result', async () => {
    const answer = await localLambdaClient(endpoint).send(new InvokeCommand({ FunctionName: 'Worker', InvocationType: 'Event', Payload: Buffer.from('{"ok":1}') }));
    await expect.poll(() => capture.requests.filter((r) => r.headers['x-amz-target'] === 'AWSEvents.PutEvents').length, { timeout: 15_000 }).toBe(1);
    const put = capture.requests.find((r) => r.headers['x-amz-target'] === 'AWSEvents.PutEvents');
    const entry = (JSON.parse(put?.body ?? '{}') as { Entries: Array<Record<string, unknown>> }).Entries[0];
    expect(entry).toMatchObject({ Source: 'lambda', DetailType: 'Lambda Function Invocation Result - Success', EventBusName: 'arn:aws:events:us-east-1:000000000000:event-bus/default' });
    expect(JSON.parse(String(entry?.Detail))).toMatchObject({ requestContext: { requestId: answer.$metadata.requestId, condition: 'Success' }, requestPayload: { ok: 1 }, responsePayload: { ok: 1 } });
  });

  it('retries a failing SNS target, counts the failures, and delivers the record and the dead letter', async () => {
    const answer = await localLambdaClient(endpoint).send(new InvokeCommand({ FunctionName: 'Worker', InvocationType: 'Event', Payload: Buffer.from('{"fail":"for sns"}') }));
    const published = (): Array<Record<string, string>> => capture.requests.map((r) => formFields(r.body)).filter((f) => f.Action === 'Publish');
    await expect.poll(() => new Set(published().map((f) => f.TopicArn)).size, { timeout: 20_000 }).toBe(2);
    const record = published().find((f) => f.TopicArn === 'arn:aws:sns:us-east-1:000000000000:alerts');
    expect(JSON.parse(record?.Message ?? '{}')).toMatchObject({ requestContext: { requestId: answer.$metadata.requestId, condition: 'RetriesExhausted', approximateInvokeCount: 1 } });
    const letter = published().find((f) => f.TopicArn === 'arn:aws:sns:us-east-1:000000000000:dead-letters');
    expect(letter?.Message).toBe('{"fail":"for sns"}');
    const attributes = Object.entries(letter ?? {}).filter(([k]) => k.startsWith('MessageAttributes.entry.')).map(([, v]) => v);
    expect(attributes).toEqual(expect.arrayContaining(['RequestID', answer.$metadata.requestId, 'ErrorCode', '200', 'ErrorMessage', 'for sns']));
    const { stdout } = await promisify(execFile)(process.execPath, [LAMINA_BIN, 'events', '--state-dir', join(dir, 'state'), '--json']);
    const worker = (JSON.parse(stdout) as { functions: Array<{ functionName: string; metrics: Record<string, number>; pendingDeliveries: number }> }).functions.find((f) => f.functionName === 'Worker');
    expect(worker?.metrics.DestinationDeliveryFailures).toBeGreaterThanOrEqual(1);
    expect(serve?.output()).toMatch(/delivery of event \S+ to arn:aws:sns:us-east-1:000000000000:\S+ failed \(.*\); retrying/);
  }, 30_000);
});
