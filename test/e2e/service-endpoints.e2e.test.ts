/**
 * A function written for Lambda calls the template's queue and another function with the AWS SDK,
 * no endpoint in its code, and reaches Lamina's embedded SQS and Invoke API
 * (docs/service-endpoints.md): `lamina serve` gives it AWS_ENDPOINT_URL_SQS and
 * AWS_ENDPOINT_URL_LAMBDA, and an isolated environment reaches them on its own loopback. Also: a
 * function's own AWS_ENDPOINT_URL_SQS wins, and --no-service-endpoints gives none.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetQueueUrlCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { serveProject } from '../helpers/serve-process.js';

const SENDER = `import { SQSClient, GetQueueUrlCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { LambdaClient, InvokeCommand } from '@aws-sdk/client-lambda';
const sqs = new SQSClient({});
const lambda = new LambdaClient({});
export const handler = async (event) => {
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: 'jobs' }));
  const sent = await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: event.text }));
  const echoed = await lambda.send(new InvokeCommand({ FunctionName: 'Echo', Payload: JSON.stringify({ back: event.text }) }));
  return { messageId: sent.MessageId, echo: JSON.parse(Buffer.from(echoed.Payload).toString()), sqsEndpoint: process.env.AWS_ENDPOINT_URL_SQS, lambdaEndpoint: process.env.AWS_ENDPOINT_URL_LAMBDA };
};
`;

const ECHO = 'export const handler = async (event) => ({ echoed: event.back, endpoints: Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith("AWS_ENDPOINT_URL_"))) });\n';

/** Hostile: tries Lamina's management API, dashboard and metrics through the endpoint it is given. */
const ATTACKER = `import { LambdaClient, DeleteFunctionCommand, ListFunctionsCommand, InvokeCommand } from '@aws-sdk/client-lambda';
const lambda = new LambdaClient({});
const attempt = async (command) => { try { await lambda.send(command); return 'allowed'; } catch (error) { return error.name + ' ' + error.$metadata?.httpStatusCode; } };
export const handler = async () => {
  const page = await fetch(process.env.AWS_ENDPOINT_URL_LAMBDA + '/_lamina/');
  const metrics = await fetch(process.env.AWS_ENDPOINT_URL_LAMBDA + '/metrics');
  return {
    delete: await attempt(new DeleteFunctionCommand({ FunctionName: 'Echo' })),
    list: await attempt(new ListFunctionsCommand({})),
    dashboard: page.status,
    metrics: metrics.status,
    invoke: await attempt(new InvokeCommand({ FunctionName: 'Echo', Payload: '{}' })),
  };
};
`;

const TEMPLATE = `Resources:
  Jobs:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: jobs
  Sender:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs22.x
      Handler: index.handler
      CodeUri: sender/
      Timeout: 20
      MemorySize: 1024
  Echo:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs22.x
      Handler: index.handler
      CodeUri: echo/
      MemorySize: 1024
  Attacker:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs22.x
      Handler: index.handler
      CodeUri: attacker/
      Timeout: 20
      MemorySize: 1024
  OwnEndpoint:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs22.x
      Handler: index.handler
      CodeUri: echo/
      Environment:
        Variables:
          AWS_ENDPOINT_URL_SQS: http://elsewhere.example:1234
`;

const PORTS = ['--port', '0', '--sqs-port', '0', '--events-port', '0', '--s3-port', '0', '--kinesis-port', '0'];
const READY = /on (http:\/\/127\.0\.0\.1:\d+)\n/;

function project(prefix: string): ReturnType<typeof serveProject> {
  const made = serveProject(prefix);
  for (const [dir, text] of [['sender', SENDER], ['echo', ECHO], ['attacker', ATTACKER]] as const) {
    mkdirSync(join(made.dir, dir), { recursive: true });
    writeFileSync(join(made.dir, dir, 'index.mjs'), text);
  }
  return made;
}

async function invoke(base: string, name: string, event: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${base}/2015-03-31/functions/${name}/invocations`, { method: 'POST', body: JSON.stringify(event) });
  const text = await response.text();
  expect(response.status, text).toBe(200);
  expect(response.headers.get('x-amz-function-error'), text).toBeNull();
  return JSON.parse(text) as Record<string, unknown>;
}

describe.each([
  { mode: 'isolated (the default)', args: [] as string[], isolated: true },
  { mode: '--no-limits', args: ['--no-limits'], isolated: false },
])('service endpoints, $mode', ({ args, isolated }) => {
  const served = project('lamina-endpoints-');

  it('a function sends to the template\'s queue and invokes another function with the SDK, with no endpoint in its code', async () => {
    const serve = await served.start(TEMPLATE, [...PORTS, ...args], READY);
    const base = READY.exec(serve.output())?.[1] ?? '';
    expect(serve.output()).toMatch(/Functions are given AWS_ENDPOINT_URL_SQS, [^\n]*AWS_ENDPOINT_URL_LAMBDA/);
    const answer = await invoke(base, 'Sender', { text: 'hello queue' });
    expect(answer).toMatchObject({ echo: { echoed: 'hello queue' }, lambdaEndpoint: base });
    expect(answer.sqsEndpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    // The message is in the embedded queue, as the host sees it.
    const sqs = new SQSClient({ endpoint: String(answer.sqsEndpoint), region: 'us-east-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' } });
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: 'jobs' }));
    const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1 }));
    expect(received.Messages?.map((m) => [m.MessageId, m.Body])).toEqual([[answer.messageId, 'hello queue']]);
    sqs.destroy();
    // A function's own endpoint wins over the one Lamina gives.
    const own = await invoke(base, 'OwnEndpoint', {});
    expect(own.endpoints).toMatchObject({ AWS_ENDPOINT_URL_SQS: 'http://elsewhere.example:1234', AWS_ENDPOINT_URL_LAMBDA: base });
  }, 180_000);

  // Without isolation a function shares the host's loopback, where the whole front door listens.
  if (isolated) it('hostile: an isolated function may invoke through it, but not manage or delete functions, nor read the dashboard or metrics', async () => {
    const base = READY.exec(served.serve?.output() ?? '')?.[1] ?? '';
    expect(await invoke(base, 'Attacker', {})).toEqual({ delete: 'AccessDeniedException 403', list: 'AccessDeniedException 403', dashboard: 403, metrics: 403, invoke: 'allowed' });
    expect((await invoke(base, 'Echo', { back: 'still here' })).echoed).toBe('still here');
  }, 60_000);
});

describe('--no-service-endpoints', () => {
  const served = project('lamina-no-endpoints-');

  it('gives functions no AWS_ENDPOINT_URL_* at all', async () => {
    const serve = await served.start(TEMPLATE, [...PORTS, '--no-limits', '--no-service-endpoints'], READY);
    const base = READY.exec(serve.output())?.[1] ?? '';
    expect(serve.output()).not.toContain('Functions are given');
    expect(await invoke(base, 'Echo', { back: 1 })).toEqual({ echoed: 1, endpoints: {} });
  }, 120_000);
});
