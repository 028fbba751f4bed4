/**
 * Asynchronous invocation through the real `lamina serve`: a SAM template's EventInvokeConfig with
 * an OnSuccess function, an OnFailure queue and a dead-letter queue that the template defines
 * (served by the embedded SQS), driven by the AWS SDK's Lambda client and read back with the SDK's
 * SQS client and the `aws sqs` CLI; `lamina events` shows the counts.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { ReceiveMessageCommand, SQSClient, type ReceiveMessageCommandOutput } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES } from '../helpers/function-config.js';
import { localLambdaClient } from '../helpers/lambda-client.js';
import { LAMINA_BIN, startServe, type ServeProcess } from '../helpers/serve-process.js';
import { detectAwsCli, makeAwsCliHome, runAwsCli } from '../helpers/aws-cli.js';

const RECORDER = join(FIXTURES, 'runtimes', 'recorder');
const TEMPLATE = `
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: provided.al2023
    Handler: unused
    CodeUri: ${RECORDER}
Resources:
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      EventInvokeConfig:
        MaximumRetryAttempts: 1
        DestinationConfig:
          OnSuccess: { Type: Lambda, Destination: !GetAtt Sink.Arn }
          OnFailure: { Type: SQS, Destination: !GetAtt Failures.Arn }
      DeadLetterQueue: { Type: SQS, TargetArn: !GetAtt Dead.Arn }
  Sink:
    Type: AWS::Serverless::Function
  Failures:
    Type: AWS::SQS::Queue
    Properties: { QueueName: failures }
  Dead:
    Type: AWS::SQS::Queue
    Properties: { QueueName: dead }
`;

let dir: string;
let serve: ServeProcess;
let endpoint: string;
let sqsEndpoint: string;
const cli = detectAwsCli();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lamina-async-'));
  writeFileSync(join(dir, 'template.yaml'), TEMPLATE);
  const started = await startServe(['--template', 'template.yaml', '--port', '0', '--sqs-port', '0', '--state-dir', join(dir, 'state'), '--async-time-scale', '0.001', '--no-limits'], dir, /Event invokes are queued durably/);
  serve = started.serve;
  endpoint = /on (http:\/\/\S+)\n/.exec(serve.output())?.[1] ?? '';
  sqsEndpoint = /aws sqs --endpoint-url (http:\/\/\S+)\)/.exec(serve.output())?.[1] ?? '';
  expect(sqsEndpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
}, 60_000);

afterAll(async () => {
  if (serve !== undefined) expect(await serve.stop()).toBe(0);
  rmSync(dir, { recursive: true, force: true });
});

function sqs(): SQSClient {
  return new SQSClient({ endpoint: sqsEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
}

async function receive(queue: string): Promise<ReceiveMessageCommandOutput> {
  return sqs().send(new ReceiveMessageCommand({ QueueUrl: `${sqsEndpoint}/000000000000/${queue}`, WaitTimeSeconds: 10, MessageAttributeNames: ['All'], MessageSystemAttributeNames: ['All'] }));
}

describe('destinations and dead-letter queues from a SAM template', () => {
  it('answers 202 and sends a succeeded event to its OnSuccess function', async () => {
    const answer = await localLambdaClient(endpoint).send(new InvokeCommand({ FunctionName: 'Worker', InvocationType: 'Event', Payload: Buffer.from('{"hello":"world"}') }));
    expect(answer.StatusCode).toBe(202);
    const id = answer.$metadata.requestId ?? '';
    await expect.poll(() => serve.output(), { timeout: 15_000 }).toMatch(/\[Sink\] RECEIVED \S+ \S+ \{"version":"1.0"/);
    const line = /\[Sink\] RECEIVED \S+ \S+ (\{.*\})\n/.exec(serve.output())?.[1] ?? '{}';
    expect(JSON.parse(line)).toMatchObject({ requestContext: { requestId: id, condition: 'Success', approximateInvokeCount: 1, functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:Worker:$LATEST' }, requestPayload: { hello: 'world' }, responsePayload: { hello: 'world' } });
  });

  it('sends a failed event to its OnFailure queue (the record) and its dead-letter queue (the event, with attributes)', async () => {
    const answer = await localLambdaClient(endpoint).send(new InvokeCommand({ FunctionName: 'Worker', InvocationType: 'Event', Payload: Buffer.from('{"fail":"boom"}') }));
    const id = answer.$metadata.requestId ?? '';
    const failures = await receive('failures');
    const record = JSON.parse(failures.Messages?.[0]?.Body ?? '{}') as Record<string, unknown>;
    expect(record).toMatchObject({ requestContext: { requestId: id, condition: 'RetriesExhausted', approximateInvokeCount: 2 }, requestPayload: { fail: 'boom' }, responseContext: { statusCode: 200, functionError: 'Unhandled' }, responsePayload: { errorMessage: 'boom' } });
    const dead = await receive('dead');
    const letter = dead.Messages?.[0];
    expect(letter?.Body).toBe('{"fail":"boom"}');
    expect(letter?.MessageAttributes?.RequestID?.StringValue).toBe(id);
    expect(letter?.MessageAttributes?.ErrorCode).toMatchObject({ DataType: 'Number', StringValue: '200' });
    expect(letter?.MessageAttributes?.ErrorMessage?.StringValue).toBe('boom');
    expect(serve.output()).toContain(`[Worker] Lamina: event ${id} dropped (RetriesExhausted after 2 attempt(s), Function.Failed); sent to its OnFailure destination and its dead-letter queue`);
  }, 30_000);

  it.skipIf(cli.cli === undefined)(`shows a dead letter to \`aws sqs receive-message\` ${cli.unavailable ?? ''}`, async () => {
    const answer = await localLambdaClient(endpoint).send(new InvokeCommand({ FunctionName: 'Worker', InvocationType: 'Event', Payload: Buffer.from('{"fail":"for the cli"}') }));
    const home = makeAwsCliHome();
    try {
      let body = '';
      for (let i = 0; i < 20 && body === ''; i++) {
        const out = await runAwsCli(['sqs', 'receive-message', '--endpoint-url', sqsEndpoint, '--queue-url', `${sqsEndpoint}/000000000000/dead`, '--message-attribute-names', 'All', '--wait-time-seconds', '2'], home);
        expect(out.stderr).toBe('');
        if (out.stdout.trim() !== '') body = out.stdout;
      }
      const message = (JSON.parse(body) as { Messages: Array<{ Body: string; MessageAttributes: Record<string, { StringValue: string }> }> }).Messages[0];
      expect(message?.Body).toBe('{"fail":"for the cli"}');
      expect(message?.MessageAttributes.RequestID?.StringValue).toBe(answer.$metadata.requestId);
    } finally {
      home.remove();
    }
  }, 60_000);

  it('lists the events per function with `lamina events`', async () => {
    await expect.poll(async () => {
      const { stdout } = await promisify(execFile)(process.execPath, [LAMINA_BIN, 'events', '--state-dir', join(dir, 'state'), '--json']);
      return JSON.parse(stdout) as { functions: Array<{ functionName: string; failed: number; metrics: Record<string, number> }> };
    }, { timeout: 10_000 }).toMatchObject({ functions: expect.arrayContaining([expect.objectContaining({ functionName: 'Worker', failed: cli.cli === undefined ? 1 : 2, metrics: expect.objectContaining({ AsyncEventsReceived: cli.cli === undefined ? 2 : 3, AsyncEventsDropped: cli.cli === undefined ? 1 : 2 }) })]) });
    const { stdout } = await promisify(execFile)(process.execPath, [LAMINA_BIN, 'events', '--state-dir', join(dir, 'state')]);
    expect(stdout).toMatch(/FUNCTION\s+QUEUED\s+IN-FLIGHT\s+RETRYING\s+FAILED/);
    expect(stdout).toContain('RetriesExhausted after 2 attempt(s)');
  });
});
