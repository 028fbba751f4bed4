/**
 * `lamina event generate` as the CLI runs it (src/cli/event-command.ts through main): the listings,
 * each kind's help, the options reaching the event, and the errors: unknown sources, kinds and
 * options and bad option values are one line on stderr and exit status 2, nothing on stdout.
 */
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LAMINA_BIN } from '../helpers/serve-process.js';
import { main } from '../../src/cli/main.js';
import { EVENT_GENERATORS } from '../../src/cli/event-generate/index.js';

afterEach(() => vi.restoreAllMocks());

/** Run `lamina ...` in this process, with what it prints. */
async function lamina(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    err += String(chunk);
    return true;
  });
  const code = await main(args);
  vi.restoreAllMocks();
  return { code, out, err };
}

describe('listings', () => {
  it('lists the sources, then a source\'s kinds, then a kind\'s options', async () => {
    const sources = await lamina('event', 'generate');
    expect(sources.code).toBe(0);
    for (const g of EVENT_GENERATORS) expect(sources.out).toMatch(new RegExp(`^  ${g.name}\\s+${g.description.replace(/[()]/g, '\\$&')}$`, 'm'));
    const kinds = await lamina('event', 'generate', 'apigateway');
    expect(kinds.code).toBe(0);
    expect(kinds.out).toMatch(/^ {2}aws-proxy\s+/m);
    expect(kinds.out).toMatch(/^ {2}http-api-proxy\s+/m);
    const help = await lamina('event', 'generate', 'sqs', 'receive-message', '--help');
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/--queue-name <value>\s+.*\(default: MyQueue\)/);
    expect(help.out).toMatch(/--region <value>\s+.*\(default: us-east-1\)/);
    expect(help.out).toMatch(/--account-id <value>/);
  });

  it('lists the command in lamina\'s own help', async () => {
    expect((await lamina('help')).out).toMatch(/^ {2}event\s+Generate sample events/m);
  });
});

describe('options reach the event', () => {
  it('--region, --account-id, --queue-name and --body of an SQS sample', async () => {
    const { code, out } = await lamina('event', 'generate', 'sqs', 'receive-message', '--region', 'eu-west-3', '--account-id', '000011112222', '--queue-name', 'orders', '--body', '{"id":7}', '--count', '3');
    expect(code).toBe(0);
    const event = JSON.parse(out) as { Records: Array<Record<string, unknown>> };
    expect(event.Records).toHaveLength(3);
    expect(new Set(event.Records.map((r) => r.messageId)).size).toBe(3);
    expect(event.Records[0]).toMatchObject({ body: '{"id":7}', eventSourceARN: 'arn:aws:sqs:eu-west-3:000011112222:orders', awsRegion: 'eu-west-3', md5OfBody: createHash('md5').update('{"id":7}').digest('hex') });
  });

  it('--path, --method, --stage and --stage-variable of an API Gateway sample', async () => {
    const { out } = await lamina('event', 'generate', 'apigateway', 'aws-proxy', '--path', '/pets/dog%20food', '--resource', '/pets/{name}', '--method', 'put', '--stage', 'dev', '--stage-variable', 'env=test');
    const event = JSON.parse(out) as Record<string, unknown> & { requestContext: Record<string, unknown> };
    expect(event).toMatchObject({ resource: '/pets/{name}', path: '/pets/dog food', httpMethod: 'PUT', pathParameters: { name: 'dog food' }, stageVariables: { env: 'test' }, body: null });
    expect(event.requestContext).toMatchObject({ stage: 'dev', path: '/dev/pets/dog food', accountId: '123456789012' });
  });

  it('--input of a schedule is the event itself; the default is the Scheduled Event', async () => {
    expect(JSON.parse((await lamina('event', 'generate', 'schedule', 'rule', '--input', '{"job":"nightly"}')).out)).toEqual({ job: 'nightly' });
    const event = JSON.parse((await lamina('event', 'generate', 'schedule', 'rule', '--name', 'Nightly')).out) as Record<string, unknown>;
    expect(event).toMatchObject({ 'detail-type': 'Scheduled Event', source: 'aws.events', resources: ['arn:aws:events:us-east-1:123456789012:rule/Nightly'], detail: {} });
  });

  it('destination records carry the payload and the answer', async () => {
    const record = JSON.parse((await lamina('event', 'generate', 'destination', 'on-success', '--payload', '{"n":1}', '--response', '"done"', '--function-name', 'orders')).out) as Record<string, unknown>;
    expect(record).toMatchObject({ version: '1.0', requestContext: { condition: 'Success', functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:orders:$LATEST' }, requestPayload: { n: 1 }, responsePayload: 'done' });
    const aged = JSON.parse((await lamina('event', 'generate', 'destination', 'event-age-exceeded')).out) as Record<string, unknown>;
    expect(Object.keys(aged)).toEqual(['version', 'timestamp', 'requestContext', 'requestPayload']);
  });
});

describe('errors: one line on stderr, exit status 2, nothing on stdout', () => {
  const cases: Array<[string[], RegExp]> = [
    [['event', 'generate', 'kafka'], new RegExp(`unknown source 'kafka'; known sources: ${EVENT_GENERATORS.map((g) => g.name).join(', ')}`)],
    [['event', 'generate', 'sqs', 'send'], /unknown sqs kind 'send'; known sqs kinds: receive-message/],
    [['event', 'generate', 'sqs', 'send', '--help'], /unknown sqs kind 'send'/],
    [['event', 'frobnicate'], /unknown subcommand 'frobnicate'/],
    [['event', 'generate', 'sqs', 'receive-message', '--path', '/x'], /Unknown option '--path'/],
    [['event', 'generate', 'sqs', 'receive-message', 'extra'], /positional argument/i],
    [['event', 'generate', 'sqs', 'receive-message', '--count', '11'], /--count must be a whole number from 1 to 10, got "11"/],
    [['event', 'generate', 'sqs', 'receive-message', '--queue-name', 'a/b'], /--queue-name must be 1-80 letters/],
    [['event', 'generate', 'sqs', 'receive-message', '--body', ''], /SQS refuses this message/],
    [['event', 'generate', 'sqs', 'receive-message', '--body', 'bad \u0001 char'], /SQS refuses this message/],
    [['event', 'generate', 'sqs', 'receive-message', '--attribute', 'novalue'], /--attribute wants NAME=VALUE, got "novalue"/],
    [['event', 'generate', 'sqs', 'receive-message', '--region', 'Mars'], /--region must be a region such as us-east-1, got "Mars"/],
    [['event', 'generate', 'sqs', 'receive-message', '--account-id', '12'], /--account-id must be 12 digits/],
    [['event', 'generate', 'schedule', 'rule', '--input', '{nope'], /--input must be JSON/],
    [['event', 'generate', 'apigateway', 'aws-proxy', '--path', 'no-slash'], /--path must start with '\/'/],
    [['event', 'generate', 'apigateway', 'aws-proxy', '--method', 'GE T'], /--method must be an HTTP method/],
    [['event', 'generate', 'apigateway', 'aws-proxy', '--path', '/a', '--resource', '/b/{id}'], /--path \/a does not match --resource \/b\/\{id\}/],
    [['event', 'generate', 'apigateway', 'http-api-proxy', '--payload-format-version', '3.0'], /--payload-format-version must be 1.0 or 2.0, got "3.0"/],
    [['event', 'generate', 'apigateway', 'aws-proxy', '--payload-format-version', '2.0'], /Unknown option '--payload-format-version'/],
    [['event', 'generate', 'alb', 'request', '--header', 'Bad Name=x'], /--header name "Bad Name" is not an HTTP header name/],
    [['event', 'generate', 'alb', 'request', '--header', 'X-Evil=a\r\nSet-Cookie: x'], /--header X-Evil: a value may not hold CR, LF or NUL/],
    [['event', 'generate', 'alb', 'request', '--listener-port', '70000'], /--listener-port must be a port/],
    [['event', 'generate', 'function-url', 'request', '--iam-access-key', 'lower'], /--iam-access-key must be an access key id/],
    [['event', 'generate', 'destination', 'on-success', '--response', 'not json'], /--response must be JSON/],
  ];
  for (const [args, message] of cases) {
    it(args.slice(1).join(' '), async () => {
      const { code, out, err } = await lamina(...args);
      expect(code).toBe(2);
      expect(out).toBe('');
      expect(err).toMatch(/^lamina event: /);
      expect(err).toMatch(message);
      expect(err.trim().split('\n')).toHaveLength(1);
    });
  }
});

describe('the lamina executable', () => {
  const run = promisify(execFile);
  it('prints the event on stdout with status 0, and an unknown kind on stderr with status 2', async () => {
    const ok = await run(process.execPath, [LAMINA_BIN, 'event', 'generate', 'sqs', 'receive-message', '--body', 'from the binary']);
    expect((JSON.parse(ok.stdout) as { Records: Array<{ body: string }> }).Records[0]?.body).toBe('from the binary');
    const bad = await run(process.execPath, [LAMINA_BIN, 'event', 'generate', 'sqs', 'nope']).then(() => undefined, (error: { code: number; stdout: string; stderr: string }) => error);
    expect(bad).toMatchObject({ code: 2, stdout: '' });
    expect(bad?.stderr).toMatch(/^lamina event: unknown sqs kind 'nope'/);
  }, 30_000);
});
