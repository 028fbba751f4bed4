import {
  InvalidRequestContentException,
  InvokeCommand,
  InvokeWithResponseStreamCommand,
  LambdaClient,
  RequestTooLargeException,
  ResourceNotFoundException,
  TooManyRequestsException,
} from '@aws-sdk/client-lambda';
import type { Server } from 'node:http';
import { connect } from 'node:net';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ServiceError } from '../../src/errors.js';
import { createFrontDoor, listen } from '../../src/invoke/front-door-server.js';
import { JsonValidator } from '../../src/invoke/json-validator.js';
import type { AcceptedInvoke, FunctionErrorResult, InvokeOutcome, InvokePort, InvokeRequest } from '../../src/platform/invoke-types.js';

/** A stand-in for the platform core: each test sets `next` to decide the outcome. */
class FakePort implements InvokePort {
  readonly seen: InvokeRequest[] = [];
  next: (request: InvokeRequest) => Promise<InvokeOutcome> = async (request) => ({
    requestId: 'req-1',
    executedVersion: request.qualifier === undefined || request.qualifier === '$LATEST' ? '$LATEST' : '7',
    result: { kind: 'response', payload: request.payload, contentType: 'application/json' },
    logs: () => 'START RequestId: req-1 Version: $LATEST\nEND RequestId: req-1\n',
  });
  nextAccept: (request: InvokeRequest) => AcceptedInvoke = () => ({ requestId: 'acc-1', executedVersion: '$LATEST' });
  invoke(request: InvokeRequest): Promise<InvokeOutcome> {
    this.seen.push(request);
    return this.next(request);
  }
  accept(request: InvokeRequest): AcceptedInvoke {
    this.seen.push(request);
    return this.nextAccept(request);
  }
}

const fnError = (errorType: string, errorMessage: string): FunctionErrorResult => ({
  errorType,
  payload: Buffer.from(JSON.stringify({ errorType, errorMessage })),
});

const port = new FakePort();
let server: Server;
let small: Server;
let endpoint: string;
let client: LambdaClient;
let smallClient: LambdaClient;
const text = (bytes: Uint8Array | undefined): string => Buffer.from(bytes ?? new Uint8Array()).toString('utf8');
const sdk = (url: string): LambdaClient =>
  new LambdaClient({ endpoint: url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, maxAttempts: 1 });

beforeAll(async () => {
  server = createFrontDoor(port);
  small = createFrontDoor(port, { maxResponseBytes: 10, logTailBytes: 8 });
  const a = await listen(server, '127.0.0.1', 0);
  const b = await listen(small, '127.0.0.1', 0);
  endpoint = `http://127.0.0.1:${a.port}`;
  client = sdk(endpoint);
  smallClient = sdk(`http://127.0.0.1:${b.port}`);
});

afterAll(async () => {
  client.destroy();
  smallClient.destroy();
  server.closeAllConnections();
  small.closeAllConnections();
  await Promise.all([new Promise((r) => server.close(r)), new Promise((r) => small.close(r))]);
});

describe('Invoke (buffered)', () => {
  it('answers RequestResponse with payload, version and the parsed request reaching the port', async () => {
    const context = Buffer.from(JSON.stringify({ custom: { k: 'v' } })).toString('base64');
    const out = await client.send(new InvokeCommand({
      FunctionName: 'arn:aws:lambda:us-east-1:123456789012:function:echo:live', Payload: Buffer.from('{"hello":"world"}'), ClientContext: context,
    }));
    expect(out.StatusCode).toBe(200);
    expect(out.ExecutedVersion).toBe('7');
    expect(out.FunctionError).toBeUndefined();
    expect(text(out.Payload)).toBe('{"hello":"world"}');
    expect(port.seen.at(-1)).toMatchObject({ functionName: 'echo', qualifier: 'live', invocationType: 'RequestResponse', clientContext: '{"custom":{"k":"v"}}', streaming: false });
  });

  it('answers a function error with X-Amz-Function-Error and the last 4 KB of the log', async () => {
    const log = `${'x'.repeat(5000)}END`;
    port.next = async () => ({ requestId: 'r', executedVersion: '$LATEST', result: { kind: 'function-error', error: fnError('Error', 'boom') }, logs: () => log });
    const out = await client.send(new InvokeCommand({ FunctionName: 'fn', LogType: 'Tail' }));
    expect(out.StatusCode).toBe(200);
    expect(out.FunctionError).toBe('Unhandled');
    expect(JSON.parse(text(out.Payload))).toEqual({ errorType: 'Error', errorMessage: 'boom' });
    const tail = Buffer.from(out.LogResult ?? '', 'base64').toString();
    expect(tail).toHaveLength(4096);
    expect(tail.endsWith('END')).toBe(true);
  });

  it('buffers a streamed result for the buffered API and reports its completion error', async () => {
    port.next = async () => {
      const body = new PassThrough();
      body.end('partial');
      return { requestId: 'r', executedVersion: '$LATEST', logs: () => '', result: { kind: 'stream', stream: { contentType: 'application/json', body, completion: Promise.resolve(undefined) } } };
    };
    expect(text((await client.send(new InvokeCommand({ FunctionName: 'fn' }))).Payload)).toBe('partial');
    port.next = async () => {
      const body = new PassThrough();
      body.end('partial');
      const completion = Promise.resolve(fnError('Sandbox.Timedout', 'Task timed out after 3.00 seconds'));
      return { requestId: 'r', executedVersion: '$LATEST', logs: () => '', result: { kind: 'stream', stream: { contentType: 'application/json', body, completion } } };
    };
    const out = await client.send(new InvokeCommand({ FunctionName: 'fn' }));
    expect(out.FunctionError).toBe('Unhandled');
    expect(JSON.parse(text(out.Payload)).errorType).toBe('Sandbox.Timedout');
  });

  it('turns an oversized streamed result into Function.ResponseSizeTooLarge', async () => {
    port.next = async () => {
      const body = new PassThrough();
      body.end('0123456789ABCDEF');
      return { requestId: 'r', executedVersion: '$LATEST', logs: () => 'log line', result: { kind: 'stream', stream: { contentType: 'application/json', body, completion: Promise.resolve(undefined) } } };
    };
    const out = await smallClient.send(new InvokeCommand({ FunctionName: 'fn', LogType: 'Tail' }));
    expect(out.FunctionError).toBe('Unhandled');
    expect(JSON.parse(text(out.Payload))).toEqual({ errorMessage: 'Response payload size exceeded maximum allowed payload size (10 bytes).', errorType: 'Function.ResponseSizeTooLarge' });
    expect(Buffer.from(out.LogResult ?? '', 'base64').toString()).toBe('log line');
  });

  it('answers Event with 202 and DryRun with 204 via accept()', async () => {
    expect((await client.send(new InvokeCommand({ FunctionName: 'fn', InvocationType: 'Event', Payload: Buffer.from('{}') }))).StatusCode).toBe(202);
    expect(port.seen.at(-1)?.invocationType).toBe('Event');
    expect((await client.send(new InvokeCommand({ FunctionName: 'fn', InvocationType: 'DryRun' }))).StatusCode).toBe(204);
  });
});

describe('service errors through the SDK', () => {
  it('ResourceNotFoundException (404) from the port', async () => {
    port.next = async () => { throw new ServiceError('LAMINA_ERR_FUNCTION_NOT_FOUND', 'Function not found: arn:aws:lambda:us-east-1:123456789012:function:nope'); };
    const err = await client.send(new InvokeCommand({ FunctionName: 'nope' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResourceNotFoundException);
    expect((err as ResourceNotFoundException).$metadata.httpStatusCode).toBe(404);
    expect((err as ResourceNotFoundException).message).toContain('Function not found');
  });

  it('TooManyRequestsException with Reason', async () => {
    port.next = async () => { throw new ServiceError('LAMINA_ERR_TOO_MANY_REQUESTS', 'Rate Exceeded.', 'ReservedFunctionConcurrentInvocationLimitExceeded'); };
    const err = await client.send(new InvokeCommand({ FunctionName: 'fn' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TooManyRequestsException);
    expect((err as TooManyRequestsException).Reason).toBe('ReservedFunctionConcurrentInvocationLimitExceeded');
  });

  it('RequestTooLargeException (413) for 6 MB + 1 sync and 1 MB + 1 async, and the connection stays usable', async () => {
    const err = await client.send(new InvokeCommand({ FunctionName: 'fn', Payload: Buffer.alloc(6_291_457, 0x20) })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RequestTooLargeException);
    expect((err as Error).message).toBe('Request must be smaller than 6291456 bytes for the InvokeFunction operation');
    const big = await client.send(new InvokeCommand({ FunctionName: 'fn', InvocationType: 'Event', Payload: Buffer.alloc(1_048_577, 0x20) })).catch((e: unknown) => e);
    expect(big).toBeInstanceOf(RequestTooLargeException);
    port.next = new FakePort().next;
    expect((await client.send(new InvokeCommand({ FunctionName: 'fn', Payload: Buffer.from('1') }))).StatusCode).toBe(200);
  });

  it('InvalidRequestContentException for a body that is not JSON', async () => {
    const err = await client.send(new InvokeCommand({ FunctionName: 'fn', Payload: Buffer.from('STRING_VALUE') })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidRequestContentException);
    expect((err as Error).message).toMatch(/^Could not parse request body into json/);
  });

  it('answers 500 ServiceException without leaking an unexpected error', async () => {
    port.next = async () => { throw new Error('secret internal detail'); };
    const res = await fetch(`${endpoint}/2015-03-31/functions/fn/invocations`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(500);
    expect(res.headers.get('x-amzn-errortype')).toBe('ServiceException');
    expect(res.headers.get('x-amzn-requestid')).toBeTruthy();
    expect(await res.text()).not.toContain('secret');
  });

  it('404 for unknown routes, 405 for wrong methods', async () => {
    const unknown = await fetch(`${endpoint}/2015-03-31/functions`, { method: 'POST' });
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('x-amzn-errortype')).toBe('UnknownOperationException');
    expect(JSON.parse(await unknown.text())).toMatchObject({ Type: 'User' });
    const wrong = await fetch(`${endpoint}/2015-03-31/functions/fn/invocations`, { method: 'GET' });
    expect(wrong.status).toBe(405);
    await wrong.text();
  });
});

describe('InvokeWithResponseStream', () => {
  it('relays each chunk as it arrives, then InvokeComplete with the log tail', async () => {
    const body = new PassThrough();
    let completeStream: (v: undefined) => void = () => undefined;
    const completion = new Promise<undefined>((r) => { completeStream = r; });
    port.next = async () => ({ requestId: 'sr', executedVersion: '3', logs: () => 'the log', result: { kind: 'stream', stream: { contentType: 'text/plain', body, completion } } });
    body.write('first ');
    const out = await client.send(new InvokeWithResponseStreamCommand({ FunctionName: 'fn', Qualifier: '3', LogType: 'Tail', Payload: Buffer.from('{}') }));
    expect(out.StatusCode).toBe(200);
    expect(out.ExecutedVersion).toBe('3');
    expect(out.ResponseStreamContentType).toBe('text/plain');
    expect(port.seen.at(-1)).toMatchObject({ streaming: true, qualifier: '3' });
    const chunks: string[] = [];
    let complete: Record<string, string | undefined> | undefined;
    for await (const event of out.EventStream ?? []) {
      if (event.PayloadChunk) {
        chunks.push(text(event.PayloadChunk.Payload));
        if (chunks.length === 1) {
          // The stream has not ended yet: receiving this chunk proves the front door does not buffer.
          expect(body.writableEnded).toBe(false);
          setTimeout(() => { body.end('second'); completeStream(undefined); }, 50);
        }
      }
      if (event.InvokeComplete) complete = { ...event.InvokeComplete };
    }
    expect(chunks).toEqual(['first ', 'second']);
    expect(complete?.ErrorCode).toBeUndefined();
    expect(Buffer.from(complete?.LogResult ?? '', 'base64').toString()).toBe('the log');
  });

  it('reports a completion error in InvokeComplete', async () => {
    const body = new PassThrough();
    body.end('partial');
    port.next = async () => ({ requestId: 'sr', executedVersion: '$LATEST', logs: () => '', result: { kind: 'stream', stream: { contentType: 'application/octet-stream', body, completion: Promise.resolve(fnError('Runtime.ExitError', 'exit status 1')) } } });
    const out = await client.send(new InvokeWithResponseStreamCommand({ FunctionName: 'fn' }));
    const events = [];
    for await (const event of out.EventStream ?? []) events.push(event);
    expect(text(events[0]?.PayloadChunk?.Payload)).toBe('partial');
    expect(events[1]?.InvokeComplete?.ErrorCode).toBe('Runtime.ExitError');
    expect(JSON.parse(events[1]?.InvokeComplete?.ErrorDetails ?? '{}').errorMessage).toBe('exit status 1');
    expect(events[1]?.InvokeComplete?.LogResult).toBeUndefined();
  });

  it('sends a buffered response as one chunk and a function error as InvokeComplete', async () => {
    port.next = async () => ({ requestId: 'sr', executedVersion: '$LATEST', logs: () => '', result: { kind: 'response', payload: Buffer.from('"whole"'), contentType: 'application/json' } });
    const events = [];
    for await (const e of (await client.send(new InvokeWithResponseStreamCommand({ FunctionName: 'fn' }))).EventStream ?? []) events.push(e);
    expect(events.map((e) => (e.PayloadChunk ? text(e.PayloadChunk.Payload) : 'complete'))).toEqual(['"whole"', 'complete']);

    port.next = async () => ({ requestId: 'sr', executedVersion: '$LATEST', logs: () => '', result: { kind: 'function-error', error: fnError('Error', 'nope') } });
    const failed = [];
    for await (const e of (await client.send(new InvokeWithResponseStreamCommand({ FunctionName: 'fn' }))).EventStream ?? []) failed.push(e);
    expect(failed).toHaveLength(1);
    expect(failed[0]?.InvokeComplete?.ErrorCode).toBe('Error');
  });
});

describe('hostile input', () => {
  const raw = (request: string | Buffer, thenEnd = true): Promise<string> =>
    new Promise((resolve, reject) => {
      const url = new URL(endpoint);
      const socket = connect(Number(url.port), url.hostname, () => {
        socket.write(request);
        if (thenEnd) socket.end();
      });
      let answer = '';
      socket.on('data', (d: Buffer) => { answer += d.toString('latin1'); });
      socket.on('close', () => resolve(answer));
      socket.on('error', reject);
    });

  it('answers malformed percent-encoding with 400, not a crash', async () => {
    const answer = await raw('POST /2015-03-31/functions/%E0%A4%A/invocations HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}');
    expect(answer).toMatch(/^HTTP\/1\.1 400/);
    expect(answer).toContain('x-amzn-ErrorType: ValidationException');
  });

  it('answers 413 to an oversized chunked body without Content-Length', async () => {
    const chunk = Buffer.alloc(1_048_576, 0x20);
    const head = 'POST /2015-03-31/functions/fn/invocations HTTP/1.1\r\nHost: x\r\nX-Amz-Invocation-Type: Event\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n';
    const frame = Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]);
    const answer = await raw(Buffer.concat([Buffer.from(head), frame, frame, Buffer.from('0\r\n\r\n')]));
    expect(answer).toMatch(/^HTTP\/1\.1 413/);
    expect(answer).toContain('is too large for the Event invocation type (limit 1048576 bytes)');
  });

  it('answers 431 to huge headers and survives an aborted body', async () => {
    const huge = await raw(`POST /2015-03-31/functions/fn/invocations HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(40_000)}\r\n\r\n`);
    expect(huge).toMatch(/^HTTP\/1\.1 431/);
    await raw('POST /2015-03-31/functions/fn/invocations HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{"partial"');
    port.next = new FakePort().next;
    expect((await client.send(new InvokeCommand({ FunctionName: 'fn' }))).StatusCode).toBe(200);
  });
});

describe('payload validation', () => {
  /** POST `body` over a fresh connection and resolve with the status and body. */
  const post = (body: Buffer): Promise<{ status: number; text: string }> =>
    fetch(`${endpoint}/2015-03-31/functions/fn/invocations`, { method: 'POST', body }).then(async (res) => ({ status: res.status, text: await res.text() }));

  it('checks a 6 MB payload nested 3 million deep chunk by chunk, never with JSON.parse of the body', async () => {
    port.next = new FakePort().next;
    const depth = 3_000_000;
    const body = Buffer.alloc(depth * 2);
    body.fill(0x5b, 0, depth);
    body.fill(0x5d, depth);
    const feeds: number[] = [];
    const feed = vi.spyOn(JsonValidator.prototype, 'feed').mockName('feed');
    const parse = vi.spyOn(JSON, 'parse');
    try {
      const answer = await post(body);
      expect(answer.status).toBe(200);
      expect(answer.text.length).toBe(body.length);
      for (const call of feed.mock.calls) feeds.push(call[0].length);
      // Nothing on the path parsed anything near the payload's size.
      expect(parse.mock.calls.filter(([text]) => text.length > 1000)).toEqual([]);
    } finally {
      feed.mockRestore();
      parse.mockRestore();
    }
    // Fed as it arrived: many chunks, each far smaller than the body, adding up to all of it.
    expect(feeds.length).toBeGreaterThan(10);
    expect(Math.max(...feeds)).toBeLessThan(body.length / 10);
    expect(feeds.reduce((sum, n) => sum + n, 0)).toBe(body.length);
    // The same shape, unbalanced, is refused.
    body[depth + 5] = 0x7d;
    const refused = await post(body);
    expect(refused.status).toBe(400);
    expect(refused.text).toContain("Unexpected character ('}' (code 125)) at byte offset 3000005");
  });

  it('answers 400 to a body that stops being JSON before the client has sent the rest', async () => {
    const url = new URL(endpoint);
    const socket = connect(Number(url.port), url.hostname);
    const answer = new Promise<string>((resolve) => {
      let text = '';
      socket.on('data', (d: Buffer) => {
        text += d.toString('latin1');
        if (text.includes('\r\n\r\n') && text.endsWith('}')) resolve(text);
      });
    });
    // 1 MB announced, 20 bytes sent: the answer must not wait for the other 999,980.
    socket.write('POST /2015-03-31/functions/fn/invocations HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n{"a": 1, "b": nope, ');
    const text = await answer;
    socket.destroy();
    expect(text).toMatch(/^HTTP\/1\.1 400/);
    expect(text).toContain('x-amzn-ErrorType: InvalidRequestContentException');
    expect(text).toContain("Unexpected character ('o' (code 111)) at byte offset 15: expected true, false or null");
  });

  it('keeps an empty or whitespace-only body as the event {} (trim() whitespace included)', async () => {
    port.next = new FakePort().next;
    for (const body of ['', '  \n', '\u00a0\u2028 ']) {
      const answer = await post(Buffer.from(body));
      expect(answer).toEqual({ status: 200, text: '{}' });
    }
    expect((await post(Buffer.from('\u00a0{}'))).status).toBe(400);
  });
});
