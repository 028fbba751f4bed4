/**
 * Recursive loop detection through a queue: a nodejs function triggered by an SQS event source
 * mapping sends a message back to its own queue with the AWS SDK's SQS client. The SDK carries the
 * function's trace header onto SendMessage, the embedded SQS keeps it as AWSTraceHeader, the poller
 * counts the rounds: the 17th is not delivered, and the message goes to the queue's dead-letter
 * queue by its redrive policy.
 */
import { join } from 'node:path';
import { ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { FIXTURES } from '../helpers/function-config.js';
import { freePort, serveProject } from '../helpers/serve-process.js';

const project = serveProject('lamina-queue-loop-');

describe('a function that sends to its own queue', () => {
  it('is stopped after 16 rounds; the message goes to the dead-letter queue', async () => {
    const sqsPort = await freePort();
    const endpoint = `http://127.0.0.1:${sqsPort}`;
    const serve = await project.start(
      `Transform: AWS::Serverless-2016-10-31
Resources:
  Looper:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      Handler: index.handler
      CodeUri: ${join(FIXTURES, 'handlers', 'queue-loop')}
      Environment:
        Variables:
          QUEUE_ENDPOINT: ${endpoint}
          QUEUE_URL: ${endpoint}/000000000000/loop
      Events:
        Loop:
          Type: SQS
          Properties: { Queue: !GetAtt Loop.Arn, BatchSize: 1 }
  Loop:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: loop
      # Long enough for round 0's cold start under a loaded machine (a receive past it would
      # count a second time and, with maxReceiveCount 1, send round 0 to the dead-letter queue).
      VisibilityTimeout: 5
      RedrivePolicy: { deadLetterTargetArn: !GetAtt LoopDead.Arn, maxReceiveCount: 1 }
  LoopDead:
    Type: AWS::SQS::Queue
    Properties: { QueueName: loop-dead }
`,
      ['--port', '0', '--sqs-port', String(sqsPort), '--no-limits', '--host-node'],
      /Event invokes are queued durably/,
    );
    const sqs = new SQSClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    await sqs.send(new SendMessageCommand({ QueueUrl: `${endpoint}/000000000000/loop`, MessageBody: '{"round":0}' }));
    await expect.poll(() => serve.output(), { timeout: 60_000 }).toContain('recursive loop stopped: Looper was reached 16 times in one chain');
    const rounds = [...(serve.output()).matchAll(/LOOP ROUND (\d+) (\S+)/g)];
    expect(rounds.map((m) => Number(m[1]))).toEqual(Array.from({ length: 16 }, (_, i) => i));
    expect(rounds.at(-1)?.[2]).toMatch(/Lineage=1:[0-9a-f]{8}:16/);
    const dead = await sqs.send(new ReceiveMessageCommand({ QueueUrl: `${endpoint}/000000000000/loop-dead`, WaitTimeSeconds: 20, MessageSystemAttributeNames: ['AWSTraceHeader'] }));
    expect(dead.Messages?.[0]?.Body).toBe('{"round":16}');
    expect(dead.Messages?.[0]?.Attributes?.AWSTraceHeader).toMatch(/Lineage=1:[0-9a-f]{8}:16/);
    expect([...(serve.output()).matchAll(/LOOP ROUND/g)]).toHaveLength(16);
  }, 90_000);
});
