/**
 * Per-runtime behaviour of Lamina's client (runtime-interface/runtime/node-runtime.ts,
 * docs/node-runtimes-behaviour.md): nodejs24.x and later play the official 4.x client, nodejs20.x
 * and nodejs22.x the 3.x line. The pure pieces first, then the client against a fake Runtime API
 * with AWS_EXECUTION_ENV set (on the host's node), then once on a real Node 24 when one is found.
 */
import { describe, expect, it } from 'vitest';
import type { Invocation } from '../../runtime-interface/api-client/runtime-api-client.js';
import { buildContext, buildPromiseOnlyContext } from '../../runtime-interface/runtime/context.js';
import { readEnvironment, runtimeNodeMajor } from '../../runtime-interface/runtime/environment.js';
import { HandlerNotFoundError, JsonStringifyError } from '../../runtime-interface/runtime/errors.js';
import { isPromiseOnlyRuntime, refuseCallbackHandler, withOwnName } from '../../runtime-interface/runtime/node-runtime.js';
import { installTestNodes, nodeBinaryFor, nodeBinaryMissing } from '../helpers/node-binaries.js';
import { FakeRuntimeApi, handlersDir, spawnRic, useRicHarness } from './harness.js';

// The official 4.x client's text, copied from aws-lambda-ric@4.0.2 (index.mjs, CALLBACK_ERROR_NODEJS24_ABOVE).
const NODE24_CALLBACK_MESSAGE =
  'ERROR: AWS Lambda has removed support for callback-based function handlers starting with Node.js 24. You need to modify this function to use a supported handler signature to use Node.js 24 or later. For more information see https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html.';

const V4_CONTEXT_KEYS = ['clientContext', 'identity', 'invokedFunctionArn', 'awsRequestId', 'tenantId', 'xRayTraceId', 'getRemainingTimeInMillis', 'functionName', 'functionVersion', 'memoryLimitInMB', 'logGroupName', 'logStreamName'];
const V3_CONTEXT_KEYS = ['callbackWaitsForEmptyEventLoop', 'succeed', 'fail', 'done', 'functionVersion', 'functionName', 'memoryLimitInMB', 'logGroupName', 'logStreamName', 'clientContext', 'identity', 'invokedFunctionArn', 'awsRequestId', 'tenantId', 'getRemainingTimeInMillis'];

const envOf = (executionEnv: string | undefined, extra: Record<string, string> = {}) =>
  readEnvironment({ ...(executionEnv === undefined ? {} : { AWS_EXECUTION_ENV: executionEnv }), ...extra }, '/var/task', '20.19.0');

describe('the runtime major', () => {
  it('comes from AWS_EXECUTION_ENV, else from the running node', () => {
    expect(runtimeNodeMajor('AWS_Lambda_nodejs24.x', '20.1.0')).toBe(24);
    expect(runtimeNodeMajor('AWS_Lambda_nodejs26.x', '20.1.0')).toBe(26);
    expect(runtimeNodeMajor('AWS_Lambda_nodejs22.x', '24.1.0')).toBe(22);
    expect(runtimeNodeMajor(undefined, '24.11.0')).toBe(24);
    expect(runtimeNodeMajor('AWS_Lambda_provided.al2023', '22.3.0')).toBe(22);
    expect(runtimeNodeMajor('AWS_Lambda_nodejs24.xx', '20.3.0')).toBe(20);
    expect(envOf('AWS_Lambda_nodejs24.x').nodeMajor).toBe(24);
    expect(envOf(undefined).nodeMajor).toBe(20);
  });

  it('picks the 4.x behaviour from Node 24 on', () => {
    expect(isPromiseOnlyRuntime(envOf('AWS_Lambda_nodejs20.x'))).toBe(false);
    expect(isPromiseOnlyRuntime(envOf('AWS_Lambda_nodejs22.x'))).toBe(false);
    expect(isPromiseOnlyRuntime(envOf('AWS_Lambda_nodejs24.x'))).toBe(true);
    expect(isPromiseOnlyRuntime(envOf('AWS_Lambda_nodejs26.x'))).toBe(true);
  });
});

describe('refuseCallbackHandler', () => {
  const three = (a: never, b: never, c: never): unknown => [a, b, c];
  const asyncThree = async (a: never, b: never, c: never): Promise<unknown> => [a, b, c];
  const defaulted = (a: never, b: never, c: unknown = undefined): unknown => [a, b, c];
  const rest = (a: never, b: never, ...more: never[]): unknown => [a, b, more];

  it('refuses handler.length >= 3 on nodejs24.x, async or not, with the official message', () => {
    const env = envOf('AWS_Lambda_nodejs24.x');
    for (const handler of [three, asyncThree]) {
      let thrown: unknown;
      try {
        refuseCallbackHandler(handler, false, env);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(Error);
      expect((thrown as Error).name).toBe('Runtime.CallbackHandlerDeprecated');
      expect((thrown as Error).message).toBe(NODE24_CALLBACK_MESSAGE);
    }
  });

  it('accepts defaulted or rest third parameters, streaming handlers, and everything on nodejs20.x/22.x', () => {
    const node24 = envOf('AWS_Lambda_nodejs24.x');
    expect(() => refuseCallbackHandler(defaulted, false, node24)).not.toThrow();
    expect(() => refuseCallbackHandler(rest, false, node24)).not.toThrow();
    expect(() => refuseCallbackHandler(three, true, node24)).not.toThrow();
    expect(() => refuseCallbackHandler(three, false, envOf('AWS_Lambda_nodejs22.x'))).not.toThrow();
    expect(() => refuseCallbackHandler(three, false, envOf('AWS_Lambda_nodejs20.x'))).not.toThrow();
  });

  it('refuses them in managed mode on nodejs22.x too, with that runtime\'s message', () => {
    const env = envOf('AWS_Lambda_nodejs22.x', { AWS_LAMBDA_MAX_CONCURRENCY: '2' });
    expect(() => refuseCallbackHandler(three, false, env)).toThrow(/when using Node\.js 22 with Managed Instances/);
  });
});

describe('withOwnName', () => {
  it("gives the client's Runtime.* errors an own enumerable name, and leaves everything else alone", () => {
    const notFound = withOwnName(new HandlerNotFoundError('x'));
    expect(Object.keys(notFound)).toEqual(['name']);
    expect(notFound.name).toBe('Runtime.HandlerNotFound');
    expect(JSON.stringify(withOwnName(new JsonStringifyError()))).toBe('{"name":"Runtime.JSONStringifyError"}');
    const plain = new TypeError('t');
    expect(Object.keys(withOwnName(plain))).toEqual([]);
    const custom = Object.assign(new Error('c'), { name: 'Runtime.Mine' });
    expect(Object.getOwnPropertyDescriptor(withOwnName(custom), 'name')?.value).toBe('Runtime.Mine');
    expect(withOwnName(null)).toBeNull();
    expect(withOwnName('text')).toBe('text');
  });
});

describe('the context object', () => {
  const invocation: Invocation = {
    requestId: 'req-1',
    deadlineMs: Date.now() + 10_000,
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:f',
    traceId: 'Root=1-5759e988-bd862e3fe1be46a994272793',
    clientContext: undefined,
    cognitoIdentity: undefined,
    tenantId: undefined,
    body: Buffer.from('{}'),
  } as Invocation;

  it('has the 4.x shape on Node 24: no callback members, xRayTraceId added', () => {
    const context = buildPromiseOnlyContext(invocation, envOf('AWS_Lambda_nodejs24.x')) as unknown as Record<string, unknown>;
    expect(Object.keys(context)).toEqual(V4_CONTEXT_KEYS);
    expect(context['xRayTraceId']).toBe(invocation.traceId);
    expect('callbackWaitsForEmptyEventLoop' in context || 'succeed' in context || 'done' in context || 'fail' in context).toBe(false);
  });

  it('keeps the 3.x shape for Node 20/22', () => {
    const noop = (): void => undefined;
    const context = buildContext(invocation, envOf('AWS_Lambda_nodejs22.x'), { done: noop, succeed: noop, fail: noop });
    expect(Object.keys(context)).toEqual(V3_CONTEXT_KEYS);
  });
});

const track = useRicHarness();
const taskRoot = `${handlersDir}/per-runtime`;

async function start(handler: string, runtime: string | undefined, node?: string) {
  const api = await FakeRuntimeApi.start();
  const ric = spawnRic({ api, taskRoot, handler, env: runtime === undefined ? {} : { AWS_EXECUTION_ENV: `AWS_Lambda_${runtime}` }, ...(node === undefined ? {} : { node }) });
  track({ api, ric });
  return { api, ric };
}

async function invokeOnce(handler: string, runtime: string | undefined, body = '{"n":1}', node?: string) {
  const { api, ric } = await start(handler, runtime, node);
  api.enqueue({ requestId: 'req-1', body, traceId: 'Root=1-5759e988-bd862e3fe1be46a994272793' });
  const post = await api.nextPost();
  return { post, api, ric };
}

describe('the client on nodejs24.x', () => {
  it('fails init on a callback handler with Runtime.CallbackHandlerDeprecated, logged as Init Error', async () => {
    const { api, ric } = await start('index.callback', 'nodejs24.x');
    const post = await api.nextPost();
    expect(post.kind).toBe('init-error');
    expect(post.headers['lambda-runtime-function-error-type']).toBe('Runtime.CallbackHandlerDeprecated');
    expect(JSON.parse(post.body)).toMatchObject({ errorType: 'Runtime.CallbackHandlerDeprecated', errorMessage: NODE24_CALLBACK_MESSAGE });
    expect((await ric.exited).code).toBe(1);
    expect(ric.stdout()).toMatch(/\t-\tERROR\tInit Error \t\{"errorType":"Runtime.CallbackHandlerDeprecated"/);
    // The 4.x client's errors carry `name` as an own property: it shows in the logged JSON.
    expect(ric.stdout()).toContain(`"errorMessage":${JSON.stringify(NODE24_CALLBACK_MESSAGE)},"name":"Runtime.CallbackHandlerDeprecated","stack":[`);
  });

  it('refuses an async handler declaring three parameters, accepts a defaulted third one', async () => {
    const refused = await start('index.asyncThree', 'nodejs24.x');
    expect((await refused.api.nextPost()).kind).toBe('init-error');
    const { post } = await invokeOnce('index.defaulted', 'nodejs24.x');
    expect(JSON.parse(post.body)).toEqual({ via: 'defaulted', callback: 'undefined' });
  });

  it("answers a non-async handler's value, and the value of the promise it returns", async () => {
    expect(JSON.parse((await invokeOnce('index.syncValue', 'nodejs24.x')).post.body)).toEqual({ sync: { n: 1 } });
    expect(JSON.parse((await invokeOnce('index.syncPromise', 'nodejs24.x')).post.body)).toEqual({ later: { n: 1 } });
  });

  it('answers a non-async handler that returns nothing at once, not when the event loop is empty', async () => {
    const { post, ric } = await invokeOnce('index.syncNothing', 'nodejs24.x');
    expect(post.kind).toBe('response');
    expect(post.body).toBe('null');
    expect(ric.stdout()).not.toContain('timer fired');
  });

  it('reports a rejection with null as the 4.x client does', async () => {
    const { post } = await invokeOnce('index.rejectNull', 'nodejs24.x');
    expect(post.kind).toBe('error');
    expect(JSON.parse(post.body)).toEqual({ errorType: 'object', errorMessage: 'null', trace: [] });
  });

  it('hands the handler the 4.x context', async () => {
    const { post } = await invokeOnce('index.context', 'nodejs26.x');
    expect(JSON.parse(post.body)).toMatchObject({ keys: V4_CONTEXT_KEYS, callbackWaits: 'undefined', xRayTraceId: 'Root=1-5759e988-bd862e3fe1be46a994272793' });
  });
});

describe('the client on nodejs20.x/22.x (and with no AWS_EXECUTION_ENV on Node 20)', () => {
  it('logs a failed init as Uncaught Exception, request id undefined, no own name field', async () => {
    const { api, ric } = await start('index.nowhere', 'nodejs22.x');
    expect(JSON.parse((await api.nextPost()).body)).toMatchObject({ errorType: 'Runtime.HandlerNotFound' });
    await ric.exited;
    expect(ric.stdout()).toMatch(/\tundefined\tERROR\tUncaught Exception \t\{"errorType":"Runtime.HandlerNotFound","errorMessage":"index.nowhere is undefined or not exported","stack":\[/);
  });

  it('runs callback handlers', async () => {
    expect(JSON.parse((await invokeOnce('index.callback', 'nodejs22.x')).post.body)).toEqual({ via: 'callback' });
    expect(JSON.parse((await invokeOnce('index.asyncThree', 'nodejs20.x')).post.body)).toEqual({ via: 'asyncThree' });
  });

  it("ignores a non-async handler's value and answers null once the event loop is empty", async () => {
    expect((await invokeOnce('index.syncValue', 'nodejs22.x')).post.body).toBe('null');
    const { post, ric } = await invokeOnce('index.syncNothing', 'nodejs20.x');
    expect(post.body).toBe('null');
    expect(ric.stdout()).toContain('timer fired');
  });

  it('hands the handler the 3.x context', async () => {
    const { post } = await invokeOnce('index.context', 'nodejs22.x');
    expect(JSON.parse(post.body)).toMatchObject({ keys: V3_CONTEXT_KEYS, callbackWaits: 'function', xRayTraceId: null });
  });

  it.skipIf(Number.parseInt(process.versions.node, 10) >= 24)('follows the running node when AWS_EXECUTION_ENV is unset', async () => {
    expect(JSON.parse((await invokeOnce('index.callback', undefined)).post.body)).toEqual({ via: 'callback' });
  });
});

await installTestNodes([24]);
const node24 = nodeBinaryFor(24);
if (node24 === undefined) console.warn(`[node-runtime] real Node 24 case skipped: ${nodeBinaryMissing(24)}`);

describe.skipIf(node24 === undefined)('on a real Node 24 without AWS_EXECUTION_ENV', () => {
  it('refuses a callback handler and gives the 4.x context', async () => {
    const refused = await start('index.callback', undefined, node24);
    expect(JSON.parse((await refused.api.nextPost()).body)).toMatchObject({ errorMessage: NODE24_CALLBACK_MESSAGE });
    const { post } = await invokeOnce('index.context', undefined, '{}', node24);
    expect(JSON.parse(post.body)).toMatchObject({ keys: V4_CONTEXT_KEYS, node: '24' });
  });
});
