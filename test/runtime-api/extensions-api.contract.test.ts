/**
 * The Extensions API through a real platform and its Runtime API listener: the test plays the
 * runtime (a manual function) and an internal extension (registered from outside /opt/extensions).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { Platform } from '../../src/platform/platform.js';
import { manualFunction, runtimeCall, type RawAnswer } from '../helpers/manual-runtime.js';
import { invokeRequest } from '../helpers/invoke-request.js';

let platform: Platform | undefined;
afterEach(async () => {
  await platform?.stop();
  platform = undefined;
});

async function extensionCall(address: string, method: 'GET' | 'POST', path: string, headers: Record<string, string> = {}, body?: string): Promise<RawAnswer> {
  const answer = await request(`http://${address}/2020-01-01/extension${path}`, { method, headers, body });
  return { status: answer.statusCode, headers: answer.headers, body: await answer.body.text() };
}

const errorType = (answer: RawAnswer): unknown => (JSON.parse(answer.body) as { errorType: unknown }).errorType;

async function setUp() {
  const manual = manualFunction('manual');
  platform = new Platform({ functions: [manual.fn], shutdownGraceMs: 100 });
  const outcome = platform.invoke(invokeRequest('manual', { n: 1 }));
  const address = await manual.address();
  return { address, outcome, platform };
}

async function register(address: string, name: string, events: string[], headers: Record<string, string> = {}): Promise<RawAnswer> {
  return extensionCall(address, 'POST', '/register', { 'Lambda-Extension-Name': name, ...headers }, JSON.stringify({ events }));
}

describe('the Extensions API on an environment', () => {
  it('registers, holds init until the extension calls next, sends INVOKE and holds the environment until it is back', async () => {
    const { address, outcome, platform } = await setUp();
    const registered = await register(address, 'probe', ['INVOKE'], { 'Lambda-Extension-Accept-Feature': 'accountId' });
    expect(registered.status).toBe(200);
    expect(JSON.parse(registered.body)).toEqual({ functionName: 'manual', functionVersion: '$LATEST', handler: 'function.handler', accountId: '000000000000' });
    const id = registered.headers['lambda-extension-identifier'] as string;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);

    // The runtime is at /next, but init is not over: no invocation is delivered yet.
    const runtimeNext = runtimeCall(address, 'GET', '/runtime/invocation/next');
    const raced = await Promise.race([runtimeNext.then(() => 'delivered'), new Promise((r) => setTimeout(() => r('held'), 300))]);
    expect(raced).toBe('held');

    const invokeEvent = await extensionCall(address, 'GET', '/event/next', { 'Lambda-Extension-Identifier': id });
    expect(invokeEvent.status).toBe(200);
    expect(invokeEvent.headers['lambda-extension-event-identifier']).toMatch(/^[0-9a-f-]{36}$/);
    const next = await runtimeNext;
    const requestId = next.headers['lambda-runtime-aws-request-id'] as string;
    const event = JSON.parse(invokeEvent.body) as Record<string, unknown>;
    expect(event).toEqual({
      eventType: 'INVOKE',
      deadlineMs: Number(next.headers['lambda-runtime-deadline-ms']),
      requestId,
      invokedFunctionArn: next.headers['lambda-runtime-invoked-function-arn'],
      tracing: { type: 'X-Amzn-Trace-Id', value: next.headers['lambda-runtime-trace-id'] },
    });

    // The runtime answers: the caller has it at once, while the extension still works.
    await runtimeCall(address, 'POST', `/runtime/invocation/${requestId}/response`, '"first"');
    const done = await outcome;
    expect(done.result.kind === 'response' && done.result.payload.toString()).toBe('"first"');
    // Not free until the extension is back at next: the environment is not idle yet.
    expect(platform.pool('manual')?.size).toBe(1);
    expect(platform.pool('manual')?.idleCount).toBe(0);
    const extensionNext2 = extensionCall(address, 'GET', '/event/next', { 'Lambda-Extension-Identifier': id });
    await expect.poll(() => platform.pool('manual')?.idleCount).toBe(1);

    // The next invocation goes to this warm environment, to both participants.
    const second = platform.invoke(invokeRequest('manual', { n: 2 }));
    const next2 = await runtimeCall(address, 'GET', '/runtime/invocation/next');
    const event2 = JSON.parse((await extensionNext2).body) as { requestId: string };
    expect(event2.requestId).toBe(next2.headers['lambda-runtime-aws-request-id']);
    await runtimeCall(address, 'POST', `/runtime/invocation/${event2.requestId}/response`, '"second"');
    const done2 = await second;
    expect(done2.result.kind === 'response' && done2.result.payload.toString()).toBe('"second"');
    expect(done2.logs()).not.toContain('Init Duration');
  });

  it('answers register without the account id unless the extension accepts it', async () => {
    const { address } = await setUp();
    const registered = await register(address, 'plain', []);
    expect(JSON.parse(registered.body)).toEqual({ functionName: 'manual', functionVersion: '$LATEST', handler: 'function.handler' });
  });

  it('refuses as Lambda does: no name, bad events, SHUTDOWN for internal extensions, bad ids, late registration', async () => {
    const { address, outcome } = await setUp();
    const noName = await extensionCall(address, 'POST', '/register', {}, '{"events":[]}');
    expect([noName.status, errorType(noName)]).toEqual([403, 'Extension.InvalidExtensionName']);
    const badEvent = await register(address, 'x', ['BOOT']);
    expect([badEvent.status, errorType(badEvent)]).toEqual([403, 'Extension.InvalidEventType']);
    const shutdown = await register(address, 'x', ['INVOKE', 'SHUTDOWN']);
    expect([shutdown.status, errorType(shutdown)]).toEqual([403, 'Extension.InvalidEventType']);
    const badBody = await extensionCall(address, 'POST', '/register', { 'Lambda-Extension-Name': 'x' }, '{"events":');
    expect([badBody.status, errorType(badBody)]).toEqual([403, 'InvalidRequestFormat']);
    const missing = await extensionCall(address, 'GET', '/event/next');
    expect([missing.status, errorType(missing)]).toEqual([403, 'Extension.MissingExtensionIdentifier']);
    const invalid = await extensionCall(address, 'GET', '/event/next', { 'Lambda-Extension-Identifier': 'not-a-uuid' });
    expect([invalid.status, errorType(invalid)]).toEqual([403, 'Extension.InvalidExtensionIdentifier']);
    const unknown = await extensionCall(address, 'GET', '/event/next', { 'Lambda-Extension-Identifier': '0f0f0f0f-0000-4000-8000-000000000000' });
    expect([unknown.status, errorType(unknown)]).toEqual([403, 'Extension.UnknownExtensionIdentifier']);
    const noType = await extensionCall(address, 'POST', '/init/error', { 'Lambda-Extension-Identifier': '0f0f0f0f-0000-4000-8000-000000000000' }, '{}');
    expect([noType.status, errorType(noType)]).toEqual([403, 'Extension.MissingHeader']);
    const wrongMethod = await extensionCall(address, 'GET', '/register');
    expect([wrongMethod.status, wrongMethod.headers.allow]).toEqual([405, 'POST']);

    // Init ends with the runtime's /next (no extension registered); then registration is closed.
    const next = await runtimeCall(address, 'GET', '/runtime/invocation/next');
    const late = await register(address, 'late', ['INVOKE']);
    expect([late.status, errorType(late)]).toEqual([403, 'Extension.RegistrationClosed']);
    await runtimeCall(address, 'POST', `/runtime/invocation/${next.headers['lambda-runtime-aws-request-id'] as string}/response`, '1');
    await outcome;
  });

  it('withstands a hostile extension: an oversized register body, a path as its name, a flood of registrations', async () => {
    const { address, outcome } = await setUp();
    const huge = await extensionCall(address, 'POST', '/register', { 'Lambda-Extension-Name': 'big' }, `{"events":[${'"INVOKE",'.repeat(200_000)}"INVOKE"]}`);
    expect([huge.status, errorType(huge)]).toEqual([403, 'InvalidRequestFormat']);
    // A name is only a name: no file under /opt/extensions is looked up through it.
    const traversal = await register(address, '../../../etc/passwd', ['INVOKE']);
    expect(traversal.status).toBe(200);
    const flood = await Promise.all(Array.from({ length: 20 }, (_, i) => register(address, `flood-${i}`, [])));
    expect(flood.filter((a) => a.status === 200)).toHaveLength(9); // 10 in all, the traversal one included
    expect(new Set(flood.filter((a) => a.status !== 200).map(errorType))).toEqual(new Set(['Extension.TooManyExtensions']));
    // The environment still works for its runtime: the registered extensions only hold init until next.
    for (const answer of [traversal, ...flood.filter((a) => a.status === 200)]) {
      void extensionCall(address, 'GET', '/event/next', { 'Lambda-Extension-Identifier': answer.headers['lambda-extension-identifier'] as string }).catch(() => undefined);
    }
    const next = await runtimeCall(address, 'GET', '/runtime/invocation/next');
    await runtimeCall(address, 'POST', `/runtime/invocation/${next.headers['lambda-runtime-aws-request-id'] as string}/response`, '"ok"');
    const done = await outcome;
    expect(done.result.kind === 'response' && done.result.payload.toString()).toBe('"ok"');
  });

  it('fails init when an extension reports an init error', async () => {
    const output: string[] = [];
    const manual = manualFunction('manual');
    platform = new Platform({ functions: [manual.fn], shutdownGraceMs: 100, logOutput: (text) => output.push(text) });
    const outcome = platform.invoke(invokeRequest('manual', { n: 1 }));
    const address = await manual.address();
    const id = (await register(address, 'broken', [])).headers['lambda-extension-identifier'] as string;
    const reported = await extensionCall(address, 'POST', '/init/error', { 'Lambda-Extension-Identifier': id, 'Lambda-Extension-Function-Error-Type': 'Fatal.Boom' }, '{"errorMessage":"boom"}');
    expect(reported.status).toBe(202);
    await expect.poll(() => output.join('')).toMatch(/Extension broken reported an init error: Fatal\.Boom[\s\S]*INIT_REPORT Init Duration: [\d.]+ ms\tPhase: init\tStatus: error/);
    // The init is retried inside the invocation, in a new environment with no extension: it succeeds.
    const retry = await manual.address(address);
    const next = await runtimeCall(retry, 'GET', '/runtime/invocation/next');
    await runtimeCall(retry, 'POST', `/runtime/invocation/${next.headers['lambda-runtime-aws-request-id'] as string}/response`, '"ok"');
    expect((await outcome).result.kind).toBe('response');
  });

  it('ends the environment when an extension is still busy at the invocation\'s deadline', async () => {
    const output: string[] = [];
    const manual = manualFunction('manual', { timeout: 1 });
    platform = new Platform({ functions: [manual.fn], shutdownGraceMs: 100, logOutput: (text) => output.push(text) });
    const outcome = platform.invoke(invokeRequest('manual', { n: 1 }));
    const address = await manual.address();
    const id = (await register(address, 'slow', ['INVOKE'])).headers['lambda-extension-identifier'] as string;
    const runtimeNext = runtimeCall(address, 'GET', '/runtime/invocation/next');
    const event = extensionCall(address, 'GET', '/event/next', { 'Lambda-Extension-Identifier': id });
    const requestId = (await runtimeNext).headers['lambda-runtime-aws-request-id'] as string;
    await event;
    await runtimeCall(address, 'POST', `/runtime/invocation/${requestId}/response`, '"in time"');
    const done = await outcome;
    expect(done.result.kind === 'response' && done.result.payload.toString()).toBe('"in time"');
    // The extension never comes back: at the deadline the environment goes, with a timeout REPORT.
    await expect.poll(() => platform?.pool('manual')?.size, { timeout: 5000 }).toBe(0);
    expect(output.join('')).toMatch(new RegExp(`Task timed out after 1\\.00 seconds[\\s\\S]*REPORT RequestId: ${requestId}\\t[^\\n]*Status: timeout`));
  });

  it('ends a streamed answer for its caller while an extension is still busy', async () => {
    const { address, outcome, platform } = await setUp();
    const id = (await register(address, 'probe', ['INVOKE'])).headers['lambda-extension-identifier'] as string;
    const runtimeNext = runtimeCall(address, 'GET', '/runtime/invocation/next');
    const event = extensionCall(address, 'GET', '/event/next', { 'Lambda-Extension-Identifier': id });
    const requestId = (await runtimeNext).headers['lambda-runtime-aws-request-id'] as string;
    await event;
    const posted = await runtimeCall(address, 'POST', `/runtime/invocation/${requestId}/response`, 'streamed', { 'Lambda-Runtime-Function-Response-Mode': 'streaming' });
    expect(posted.status).toBe(202);
    const done = await outcome;
    if (done.result.kind !== 'stream') throw new Error(`expected a stream, got ${done.result.kind}`);
    const chunks: string[] = [];
    for await (const chunk of done.result.stream.body) chunks.push(String(chunk));
    expect(chunks.join('')).toBe('streamed');
    expect(await done.result.stream.completion).toBeUndefined();
    expect(platform.pool('manual')?.idleCount).toBe(0);
    // Parked until the platform stops, which closes it.
    extensionCall(address, 'GET', '/event/next', { 'Lambda-Extension-Identifier': id }).catch(() => undefined);
    await expect.poll(() => platform.pool('manual')?.idleCount).toBe(1);
  });
});
