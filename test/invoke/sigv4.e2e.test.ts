/**
 * SigV4 verification at the front door (`lamina serve --verify-signatures`): the real
 * @aws-sdk/client-lambda and the AWS CLI against the real server and a real function.
 */
import { InvokeCommand, InvokeWithResponseStreamCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { SignatureV4 } from '@smithy/signature-v4';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectAwsCli, makeAwsCliHome, payloadArgs, runAwsCli } from '../helpers/aws-cli.js';
import { bootstrapFunction } from '../helpers/function-config.js';
import { startLamina, type RunningLamina } from '../helpers/lamina-server.js';
import { Sha256 } from '../helpers/sha256.js';

const KEY = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };
let lamina: RunningLamina;

beforeAll(async () => {
  lamina = await startLamina([bootstrapFunction('echo')], {}, { verifySignatures: { credentials: [KEY, { accessKeyId: 'AKIDSECOND', secretAccessKey: 'other' }] } });
});

afterAll(async () => {
  await lamina.stop();
});

function client(credentials: { accessKeyId: string; secretAccessKey: string }, extra: Partial<ConstructorParameters<typeof LambdaClient>[0]> = {}): LambdaClient {
  return new LambdaClient({ endpoint: lamina.url, region: 'eu-west-3', credentials, maxAttempts: 1, ...extra });
}

const text = (bytes: Uint8Array | undefined): string => Buffer.from(bytes ?? new Uint8Array()).toString();

async function refusal(send: Promise<unknown>): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await send;
  } catch (error) {
    return error as Error;
  }
  throw new Error('the call was accepted');
}

describe('SigV4 verification with @aws-sdk/client-lambda', () => {
  it('accepts the right key: buffered with a full ARN and a qualifier, Event, and a streamed invoke', async () => {
    for (const key of [KEY, { accessKeyId: 'AKIDSECOND', secretAccessKey: 'other' }]) {
      const lambda = client(key);
      const out = await lambda.send(new InvokeCommand({ FunctionName: 'arn:aws:lambda:us-east-1:000000000000:function:echo', Qualifier: '$LATEST', Payload: Buffer.from('{"echo":"signed ok"}') }));
      expect(text(out.Payload)).toBe('"signed ok"');
      const event = await lambda.send(new InvokeCommand({ FunctionName: 'echo', InvocationType: 'Event', Payload: Buffer.from('{}') }));
      expect(event.StatusCode).toBe(202);
      const empty = await lambda.send(new InvokeCommand({ FunctionName: 'echo' }));
      expect(empty.StatusCode).toBe(200);
      const streamed = await lambda.send(new InvokeWithResponseStreamCommand({ FunctionName: 'echo', Payload: Buffer.from(JSON.stringify({ stream: ['a', 'b'] })) }));
      const chunks: string[] = [];
      for await (const part of streamed.EventStream ?? []) if (part.PayloadChunk) chunks.push(text(part.PayloadChunk.Payload));
      expect(chunks.join('')).toBe('ab');
      lambda.destroy();
    }
  });

  // The SDK models neither error for Lambda: it raises them as service errors named by x-amzn-ErrorType.
  it('answers a wrong secret with 403 InvalidSignatureException', async () => {
    const lambda = client({ accessKeyId: KEY.accessKeyId, secretAccessKey: 'not the secret' });
    const error = await refusal(lambda.send(new InvokeCommand({ FunctionName: 'echo', Payload: Buffer.from('{}') })));
    lambda.destroy();
    expect(error.name).toBe('InvalidSignatureException');
    expect(error.$metadata?.httpStatusCode).toBe(403);
    expect(error.message).toBe(
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
    );
  });

  it('answers an unknown access key with 403 UnrecognizedClientException', async () => {
    const lambda = client({ accessKeyId: 'AKIDUNKNOWN', secretAccessKey: 'secret' });
    const error = await refusal(lambda.send(new InvokeCommand({ FunctionName: 'echo', Payload: Buffer.from('{}') })));
    lambda.destroy();
    expect(error.name).toBe('UnrecognizedClientException');
    expect(error.$metadata?.httpStatusCode).toBe(403);
    expect(error.message).toBe('The security token included in the request is invalid.');
  });

  it('answers a signature 20 minutes old with InvalidSignatureException "Signature expired"', async () => {
    const lambda = client(KEY, { systemClockOffset: -20 * 60_000 });
    const error = await refusal(lambda.send(new InvokeCommand({ FunctionName: 'echo', Payload: Buffer.from('{}') })));
    lambda.destroy();
    expect(error.name).toBe('InvalidSignatureException');
    expect(error.message).toMatch(/^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 15 min\.\)$/);
  });
});

describe('SigV4 verification, by hand', () => {
  const signer = new SignatureV4({ credentials: KEY, region: 'us-east-1', service: 'lambda', sha256: Sha256 });

  async function signedFetch(body: string, sentBody = body): Promise<{ status: number; type: string | null; text: string }> {
    const url = new URL(lamina.url);
    const signed = await signer.sign({
      method: 'POST',
      protocol: 'http:',
      hostname: url.hostname,
      port: Number(url.port),
      path: '/2015-03-31/functions/echo/invocations',
      query: {},
      headers: { host: url.host, 'content-type': 'application/json' },
      body,
    });
    const res = await fetch(`${lamina.url}${signed.path}`, { method: 'POST', headers: signed.headers as Record<string, string>, body: sentBody });
    return { status: res.status, type: res.headers.get('x-amzn-errortype'), text: await res.text() };
  }

  it('covers the body: the same signature with another body is refused', async () => {
    expect(await signedFetch('{"echo":1}')).toMatchObject({ status: 200, text: '1' });
    expect(await signedFetch('{"echo":1}', '{"echo":2}')).toMatchObject({ status: 403, type: 'InvalidSignatureException' });
  });

  it('answers a call without Authorization with 403 MissingAuthenticationTokenException, before reading the body', async () => {
    const res = await fetch(`${lamina.url}/2015-03-31/functions/echo/invocations`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(403);
    expect(res.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
    expect(await res.text()).toContain('Missing Authentication Token');
    const broken = await fetch(`${lamina.url}/2015-03-31/functions/echo/invocations`, { method: 'POST', body: '{}', headers: { Authorization: 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/lambda/aws4_request' } });
    expect(broken.status).toBe(403);
    expect(broken.headers.get('x-amzn-errortype')).toBe('IncompleteSignatureException');
  });
});

const detected = detectAwsCli();
if (detected.unavailable !== undefined) console.warn(`[sigv4.e2e] AWS CLI part skipped: ${detected.unavailable}`);

describe.skipIf(detected.cli === undefined)(`SigV4 verification with the AWS CLI (${detected.cli?.version ?? 'missing'})`, () => {
  it('accepts the right key and refuses a wrong secret', async () => {
    const cli = detected.cli!;
    const home = makeAwsCliHome();
    try {
      const outFile = join(home.dir, 'out.json');
      const args = ['lambda', 'invoke', '--endpoint-url', lamina.url, '--region', 'us-east-1', '--function-name', 'echo', ...payloadArgs(cli, '{"echo":"from the cli"}'), outFile];
      const ok = await runAwsCli(args, home);
      expect(ok.code, ok.stderr).toBe(0);
      expect(readFileSync(outFile, 'utf8')).toBe('"from the cli"');
      const wrong = await runAwsCli(args, { ...home, env: { ...home.env, AWS_SECRET_ACCESS_KEY: 'wrong' } });
      expect(wrong.code).not.toBe(0);
      expect(wrong.stderr).toContain('InvalidSignatureException');
    } finally {
      home.remove();
    }
  }, 60_000);
});
