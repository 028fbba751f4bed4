/**
 * Recursive loop detection with a real client: a nodejs function that invokes itself with the AWS
 * SDK (`InvocationType: Event`) on every run, served by the real `lamina serve`. The SDK carries the
 * trace header Lamina gave the function (with its `Lineage=` count) onto each call; the 17th round
 * is stopped, logged, and sent to the function's OnFailure destination.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { FIXTURES } from '../helpers/function-config.js';
import { localLambdaClient } from '../helpers/lambda-client.js';
import { freePort, serveProject } from '../helpers/serve-process.js';

const project = serveProject('lamina-recursion-');

describe('a function that invokes itself with the AWS SDK', () => {
  it('is stopped after 16 rounds, with a log line and its OnFailure record', async () => {
    const port = await freePort();
    const serve = await project.start(
      `Transform: AWS::Serverless-2016-10-31
Resources:
  Looper:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      Handler: index.handler
      CodeUri: ${join(FIXTURES, 'handlers', 'recursive')}
      Environment:
        Variables:
          LAMINA_ENDPOINT: http://127.0.0.1:${port}
      EventInvokeConfig:
        DestinationConfig:
          OnFailure: { Type: Lambda, Destination: !GetAtt Stopped.Arn }
  Stopped:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: provided.al2023
      Handler: unused
      CodeUri: ${join(FIXTURES, 'runtimes', 'recorder')}
`,
      ['--port', String(port), '--no-limits', '--host-node', '--async-time-scale', '0.01'],
      /Event invokes are queued durably/,
    );
    const answer = await localLambdaClient(`http://127.0.0.1:${port}`).send(new InvokeCommand({ FunctionName: 'Looper', InvocationType: 'Event', Payload: Buffer.from('{"round":0}') }));
    expect(answer.StatusCode).toBe(202);
    await expect.poll(() => serve.output(), { timeout: 60_000 }).toMatch(/\[Stopped\] RECEIVED/);
    const output = serve.output();
    const rounds = [...output.matchAll(/ROUND (\d+) (\S+)/g)];
    expect(rounds.map((m) => Number(m[1]))).toEqual(Array.from({ length: 16 }, (_, i) => i));
    expect(rounds.at(-1)?.[2]).toMatch(/;Lineage=1:[0-9a-f]{8}:16$/);
    expect(output).toContain('recursive loop stopped: Looper was reached 16 times in one chain');
    const record = JSON.parse(/\[Stopped\] RECEIVED \S+ \S+ (\{.*\})\n/.exec(output)?.[1] ?? '{}') as Record<string, unknown>;
    expect(record).toMatchObject({ requestContext: { condition: 'RetriesExhausted', approximateInvokeCount: 0 }, requestPayload: { round: 16 } });
    await new Promise((r) => setTimeout(r, 500));
    expect([...serve.output().matchAll(/ROUND (\d+)/g)]).toHaveLength(16);
  }, 90_000);
});
