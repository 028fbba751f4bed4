/**
 * The seeded corpus: request shapes real callers send. Invoke API shapes follow what the AWS SDK
 * for JavaScript v3, the AWS CLI (botocore) and curl put on the wire; Runtime API shapes follow
 * the Node RIC, the sh-and-curl custom runtimes, aws-lambda-go and the Rust runtime. Mutations
 * start from these, so most fuzz cases are near-misses of something real.
 */
import { framed, type CorpusContext, type HeaderList, type RawRequest } from './http-request.js';

export type CorpusEntry = (ctx: CorpusContext) => RawRequest;

const SDK_UA = 'aws-sdk-js/3.900.0 ua/2.1 os/linux#6.8.0 lang/js md/nodejs#20.18.0 api/lambda#3.900.0';
const CLI_UA = 'aws-cli/2.17.0 md/awscrt#0.20.11 ua/2.0 os/linux#6.8.0 md/arch#x86_64 lang/python#3.11.8 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe sid/1 md/prompt#off md/command#lambda.invoke';
const CLIENT_CONTEXT = Buffer.from(JSON.stringify({ client: { installation_id: 'i-1', app_title: 'fuzz' }, custom: { k: 'v' }, env: { locale: 'en_US' } })).toString('base64');
const TRACE = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';

function sdkHeaders(ctx: CorpusContext, extra: HeaderList = []): HeaderList {
  return [
    ['host', ctx.host],
    ...extra,
    ['content-type', 'application/octet-stream'],
    ['x-amz-user-agent', 'aws-sdk-js/3.900.0'],
    ['user-agent', SDK_UA],
    ['amz-sdk-invocation-id', 'b4ac5c31-3d7c-4d4a-9e5b-8a2d36fb1f0e'],
    ['amz-sdk-request', 'attempt=1; max=3'],
    ['x-amz-date', '20251127T120000Z'],
    ['x-amz-content-sha256', 'UNSIGNED-PAYLOAD'],
    ['authorization', 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20251127/us-east-1/lambda/aws4_request, SignedHeaders=host;x-amz-date, Signature=00'],
    ['Connection', 'keep-alive'],
  ];
}

function cliHeaders(ctx: CorpusContext, extra: HeaderList = []): HeaderList {
  return [['Host', ctx.host], ['Accept-Encoding', 'identity'], ...extra, ['User-Agent', CLI_UA], ['X-Amz-Date', '20251127T120000Z'], ['Authorization', 'AWS4-HMAC-SHA256 Credential=x']];
}

const path = (name: string, query = ''): string => `/2015-03-31/functions/${name}/invocations${query}`;
const streamPath = (name: string): string => `/2021-11-15/functions/${name}/response-streaming-invocations`;
const fn = (ctx: CorpusContext, i = 0): string => ctx.functions[i % ctx.functions.length] ?? 'function';

/** Invoke API calls (front door and `lamina rie`). */
export const INVOKE_CORPUS: readonly CorpusEntry[] = [
  (c) => framed('POST', path(fn(c)), sdkHeaders(c, [['x-amz-invocation-type', 'RequestResponse'], ['x-amz-log-type', 'None']]), '{"echo":"hi"}'),
  (c) => framed('POST', path(fn(c, 1)), sdkHeaders(c, [['x-amz-log-type', 'Tail']]), '{"key1":"value1","key2":[1,2,3]}'),
  (c) => framed('POST', path(fn(c)), sdkHeaders(c, [['x-amz-invocation-type', 'Event']]), '{"log":"async"}'),
  (c) => framed('POST', path(fn(c)), sdkHeaders(c, [['x-amz-invocation-type', 'DryRun']]), ''),
  (c) => framed('POST', path(fn(c), '?Qualifier=%24LATEST'), cliHeaders(c, [['X-Amz-Invocation-Type', 'RequestResponse'], ['X-Amz-Log-Type', 'Tail']]), '{"echo":1}'),
  (c) => framed('POST', path(`arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3A${fn(c)}`), sdkHeaders(c), '{"echo":"arn"}'),
  (c) => framed('POST', path(`000000000000%3Afunction%3A${fn(c)}%3A%24LATEST`), sdkHeaders(c), '[1,2,{"a":null}]'),
  (c) => framed('POST', path(`${fn(c)}:$LATEST`), cliHeaders(c, [['X-Amz-Client-Context', CLIENT_CONTEXT]]), '{"echo":{"nested":{"deep":[true,false]}}}'),
  (c) => framed('POST', path(fn(c)), cliHeaders(c, [['X-Amz-Invocation-Type', 'Event'], ['X-Amzn-Trace-Id', TRACE]]), '"just a string"'),
  (c) => framed('POST', path(fn(c, 1)), [['Host', c.host], ['User-Agent', 'curl/8.5.0'], ['Accept', '*/*'], ['Content-Type', 'application/x-www-form-urlencoded']], '{}'),
  (c) => framed('POST', path(fn(c)), [['Host', c.host], ['User-Agent', 'curl/8.5.0'], ['Accept', '*/*']], ''),
  (c) => framed('POST', path(fn(c)), [['Host', c.host], ['User-Agent', 'curl/8.5.0'], ['Expect', '100-continue']], '{"echo":"expect"}'),
  (c) => ({ ...framed('POST', path(fn(c)), [['Host', c.host]], '  \n\t '), version: 'HTTP/1.0' }),
  (c) => framed('POST', path(fn(c)), sdkHeaders(c), [Buffer.from('{"echo":'), Buffer.from('"chunked"}')]),
  (c) => framed('POST', path(fn(c)), sdkHeaders(c, [['x-amz-tenant-id', 'tenant-1']]), '{"echo":"tenant"}'),
  (c) => framed('POST', streamPath(fn(c)), sdkHeaders(c, [['x-amz-invocation-type', 'RequestResponse'], ['x-amz-log-type', 'Tail']]), '{"stream":["one ","two"]}'),
  (c) => framed('POST', streamPath(fn(c, 1)), sdkHeaders(c), '{"echo":"buffered answer, streamed invoke"}'),
  (c) => framed('POST', streamPath(fn(c)), sdkHeaders(c, [['x-amz-invocation-type', 'DryRun']]), ''),
  (c) => framed('POST', path('no-such-function'), sdkHeaders(c), '{}'),
  (c) => framed('GET', path(fn(c)), [['Host', c.host]], ''),
  (c) => framed('POST', path(fn(c)), sdkHeaders(c), '{"echo": "caf\u00e9 \u2603 \ud83d\ude00"}'),
];

const RT = '/2018-06-01/runtime';
const RIC_UA: HeaderList = [['User-Agent', 'aws-lambda-nodejs/20.18.0-lamina-ric']];
const ERROR_JSON = JSON.stringify({ errorType: 'Error', errorMessage: 'boom', trace: ['Error: boom', '    at handler (/var/task/index.js:1:1)'] });
const b64 = (text: string): string => Buffer.from(text).toString('base64');

/** Runtime API calls, as the runtime of the current invocation sends them (`requestId`). */
export const RUNTIME_CORPUS: readonly CorpusEntry[] = [
  (c) => framed('GET', `${RT}/invocation/next`, [['Host', c.host], ...RIC_UA], ''),
  (c) => framed('GET', `${RT}/invocation/next`, [['Host', c.host], ['User-Agent', 'Go-http-client/1.1'], ['Accept-Encoding', 'gzip']], ''),
  (c) => framed('POST', `${RT}/invocation/${c.requestId}/response`, [['Host', c.host], ...RIC_UA, ['Content-Type', 'application/json']], '{"statusCode":200,"body":"ok"}'),
  (c) => framed('POST', `${RT}/invocation/${c.requestId}/response`, [['Host', c.host], ['User-Agent', 'curl/8.5.0'], ['Content-Type', 'application/x-www-form-urlencoded']], '"from sh"'),
  (c) => framed('POST', `${RT}/invocation/${c.requestId}/response`, [['Host', c.host], ['user-agent', 'lambda-runtime/0.13']], [Buffer.from('{"rust":'), Buffer.from('true}')]),
  (c) => framed('POST', `${RT}/invocation/${c.requestId}/error`, [['Host', c.host], ...RIC_UA, ['Content-Type', 'application/json'], ['Lambda-Runtime-Function-Error-Type', 'Runtime.HandlerNotFound']], ERROR_JSON),
  (c) => framed('POST', `${RT}/invocation/${c.requestId}/error`, [['Host', c.host], ['Lambda-Runtime-Function-XRay-Error-Cause', '{"working_directory":"/var/task","exceptions":[]}']], ERROR_JSON),
  (c) => framed('POST', `${RT}/invocation/${c.requestId}/error`, [['Host', c.host], ['Content-Type', 'text/plain']], 'not json at all'),
  (c) =>
    framed(
      'POST',
      `${RT}/invocation/${c.requestId}/response`,
      [['Host', c.host], ...RIC_UA, ['Lambda-Runtime-Function-Response-Mode', 'streaming'], ['Content-Type', 'text/plain'], ['Trailer', 'Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body']],
      [Buffer.from('first '), Buffer.from('second')],
      [['Lambda-Runtime-Function-Error-Type', 'Runtime.StreamError'], ['Lambda-Runtime-Function-Error-Body', b64(ERROR_JSON)]],
    ),
  (c) =>
    framed(
      'POST',
      `${RT}/invocation/${c.requestId}/response`,
      [['Host', c.host], ['Lambda-Runtime-Function-Response-Mode', 'streaming'], ['Content-Type', 'application/vnd.awslambda.http-integration-response']],
      [Buffer.from('{"statusCode":201,"headers":{"x":"y"}}'), Buffer.alloc(8), Buffer.from('body after the prelude')],
    ),
  (c) => framed('POST', `${RT}/invocation/${c.requestId}/response`, [['Host', c.host], ['Lambda-Runtime-Function-Response-Mode', 'buffered']], '1'),
  (c) => framed('POST', `${RT}/init/error`, [['Host', c.host], ['Lambda-Runtime-Function-Error-Type', 'Runtime.ImportModuleError']], ERROR_JSON),
  (c) => framed('POST', `${RT}/invocation/8f507cfc-d6d3-4c5b-b2b5-0d6e4f0e1a2b/response`, [['Host', c.host]], '{}'),
  (c) => framed('POST', `${RT}/invocation//response`, [['Host', c.host]], '{}'),
  (c) => framed('POST', `${RT}/invocation/${encodeURIComponent(c.requestId)}/error?x=1`, [['Host', c.host]], '{}'),
  (c) => framed('PUT', `${RT}/invocation/next`, [['Host', c.host]], ''),
  (c) => framed('GET', `${RT}/invocation/${c.requestId}/response`, [['Host', c.host]], ''),
  (c) => framed('GET', '/2018-06-01/runtime/extension/register', [['Host', c.host]], ''),
];
