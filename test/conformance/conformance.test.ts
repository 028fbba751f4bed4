/**
 * Differential conformance (issue 3): every fixture in test/fixtures/conformance runs under the
 * official `aws-lambda-ric@4` AND under Lamina's RIC, both through the real Lamina platform, with
 * the same events. Status, payload bytes, error JSON (trace: only "an array of strings") and the
 * order and content of the function's own log lines (timestamps, request ids, stack frames and
 * install paths normalised) must match, unless the case names an intentional difference: then
 * both sides' actual behaviour is asserted, and the sides must really differ.
 *
 * Adding a fixture is one line in CASES. Intentional differences are listed, with their reasons,
 * in test/conformance/DIFFERENCES.md (a test below keeps that file in sync with the table).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/platform/paths.js';
import { startLamina, type RunningLamina } from '../helpers/lamina-server.js';
import { officialRicUnavailable } from '../helpers/official-ric.js';
import { installTestNodes, nodeBinaryFor, nodeBinaryMissing } from '../helpers/node-binaries.js';
import { ensureOfficialRic3, OFFICIAL_RIC_3_ENTRY } from '../helpers/official-ric-3.js';
import {
  CONFORMANCE_FIXTURES,
  differencesFor,
  mapBounded,
  officialLine,
  runSide,
  sideFunction,
  type ConformanceCase,
  type ExpectedDifference,
  type InvokeRecord,
  type MajorSetup,
  type SideResult,
} from './harness.js';

const unavailable = officialRicUnavailable();
if (unavailable !== undefined) console.warn(`[conformance] skipped: ${unavailable}`);

const CONCURRENCY = 4;
const TRACE_ID = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';
const CLIENT_CONTEXT = JSON.stringify({ client: { installation_id: 'i-1', app_title: 'conformance' }, custom: { k: 'v' }, env: { platform: 'test' } });

const kinds = (...names: string[]): Array<{ kind: string }> => names.map((kind) => ({ kind }));

// ---- intentional differences -------------------------------------------------------------------
// Each `reason` is a line of DIFFERENCES.md. `align` maps the official result onto Lamina's
// convention so that everything else in the case is still compared exactly.

const allLogs = (result: SideResult): string[] => result.invokes.flatMap((invoke) => invoke.logs);
const mapLogs = (result: SideResult, map: (line: string) => string): SideResult => ({
  ...result,
  invokes: result.invokes.map((invoke) => ({ ...invoke, logs: invoke.logs.map(map) })),
});

const expectError = (invoke: InvokeRecord | undefined, errorType: string, errorMessage?: string | RegExp): void => {
  expect(invoke?.status).toBe('200 Unhandled');
  expect(invoke?.error?.errorType).toBe(errorType);
  if (typeof errorMessage === 'string') expect(invoke?.error?.errorMessage).toBe(errorMessage);
  else if (errorMessage !== undefined) expect(invoke?.error?.errorMessage).toMatch(errorMessage);
};
const expectPayload = (invoke: InvokeRecord | undefined, payload: unknown): void => {
  expect(invoke?.status).toBe('200');
  expect(JSON.parse(invoke?.payload ?? 'undefined')).toEqual(payload);
};

// ---- per-runtime behaviour (docs/node-runtimes-behaviour.md) ----------------------------------
// Both clients of a line agree here; these checks also pin what that behaviour is on each line.

const callbackRefused = (result: SideResult): void => {
  for (const invoke of result.invokes) expectError(invoke, 'Runtime.CallbackHandlerDeprecated', /removed support for callback-based function handlers starting with Node\.js 24/);
};

const syncValueAnswered = (events: readonly unknown[]) => (result: SideResult): void =>
  result.invokes.forEach((invoke, i) => expectPayload(invoke, { sync: events[i] }));
const syncValueIgnored = (result: SideResult): void => result.invokes.forEach((invoke) => expectPayload(invoke, null));

const contextMethodsMissing = (result: SideResult): void => {
  for (const invoke of result.invokes) expectError(invoke, 'TypeError', /^context\.(succeed|fail|done) is not a function$/);
};
const contextMethodsWork = (result: SideResult): void => {
  const [succeed, fail, failNull, doneOk, doneError] = result.invokes;
  expectPayload(succeed, { via: 'succeed' });
  expectError(fail, 'Error', 'context.fail called');
  expectError(failNull, 'string', 'handled');
  expectPayload(doneOk, 'done result');
  expectError(doneError, 'TypeError', 'context.done error');
};

const contextShapeV4 = (result: SideResult): void =>
  expectPayload(result.invokes[0], {
    keys: ['clientContext', 'identity', 'invokedFunctionArn', 'awsRequestId', 'tenantId', 'xRayTraceId', 'getRemainingTimeInMillis', 'functionName', 'functionVersion', 'memoryLimitInMB', 'logGroupName', 'logStreamName'],
    callbackWaitsIsAccessor: false,
    completionMethods: ['undefined', 'undefined', 'undefined'],
  });
const contextShapeV3 = (result: SideResult): void =>
  expectPayload(result.invokes[0], {
    keys: ['callbackWaitsForEmptyEventLoop', 'succeed', 'fail', 'done', 'functionVersion', 'functionName', 'memoryLimitInMB', 'logGroupName', 'logStreamName', 'clientContext', 'identity', 'invokedFunctionArn', 'awsRequestId', 'tenantId', 'getRemainingTimeInMillis'],
    callbackWaitsForEmptyEventLoop: true,
    callbackWaitsIsAccessor: true,
    completionMethods: ['function', 'function', 'function'],
  });

const invokeLogs = (result: SideResult, index: number): string => (result.invokes[index]?.logs ?? []).join('\n');

const callbackWorksCjs = (result: SideResult): void => {
  const [ok, error, stringError, waits, noWait, twice] = result.invokes;
  expectPayload(ok, { cb: 'ok' });
  expectError(error, 'Error', 'callback failed');
  expectError(stringError, 'string', 'plain string failure');
  // callbackWaitsForEmptyEventLoop (default true): the answer waited for the pending timer.
  expectPayload(waits, 'waited');
  expect(invokeLogs(result, 3)).toContain('timer fired (waits)');
  // Set to false: answered at once; the timer's line comes later, outside that invoke.
  expectPayload(noWait, 'did not wait');
  expect(invokeLogs(result, 4)).not.toContain('timer fired (no-wait)');
  expect([invokeLogs(result, 5), ...result.after].join('\n')).toContain('timer fired (no-wait)');
  // Only the first completion counts.
  expectPayload(twice, 'first');
};

const callbackWorksEsm = (result: SideResult): void => {
  expectPayload(result.invokes[0], { cb: 'ok' });
  expectError(result.invokes[1], 'Error', 'esm callback failed');
};

// ---- differences from the official 3.3.0 (nodejs20.x/22.x) --------------------------------------
// aws-lambda-ric@3.3.0 is the last 3.x on npm; in most of these points Lamina behaves as the 4.x client does.

const V3_NEVER_SETTLES: ExpectedDifference = {
  reason:
    'an async handler whose promise never settles while the event loop empties: the official 3.3.0 answers null; Lamina reports Runtime.NodeJsExit and keeps the environment, on every major (the 4.x client has no such check either: its process just ends)',
  official: (result) => result.invokes.forEach((invoke) => expectPayload(invoke, null)),
  lamina: (result) => result.invokes.forEach((invoke) => expectError(invoke, 'Runtime.NodeJsExit', /Promise that was never settled/)),
};

const V3_STRINGIFY = /"errorType":"Error","errorMessage":"Unable to stringify response body","stack":\["Error: /g;
const V3_STRINGIFY_ALIGNED = '"errorType":"Runtime.JSONStringifyError","errorMessage":"Unable to stringify response body","stack":["Runtime.JSONStringifyError: ';
const V3_JSON_STRINGIFY_ERROR: ExpectedDifference = {
  reason:
    'a result JSON cannot express (BigInt, a cycle): the official 3.3.0 reports and logs a plain Error "Unable to stringify response body"; Lamina names it Runtime.JSONStringifyError, as the 4.x client does',
  official: (result) => expectError(result.invokes[0], 'Error', 'Unable to stringify response body'),
  lamina: (result) => expectError(result.invokes[0], 'Runtime.JSONStringifyError', 'Unable to stringify response body'),
  align: (official) => {
    const logs = mapLogs(official, (line) => line.replace(V3_STRINGIFY, V3_STRINGIFY_ALIGNED));
    const named = (invoke: InvokeRecord): InvokeRecord =>
      invoke.error?.errorType === 'Error' && invoke.error.errorMessage === 'Unable to stringify response body' ? { ...invoke, error: { ...invoke.error, errorType: 'Runtime.JSONStringifyError' } } : invoke;
    return { ...logs, invokes: logs.invokes.map(named) };
  },
};

/** A NODE_PATH folder with an ES-module-only package no node_modules above the fixtures has. */
const NODE_PATH_FOLDER = join(CONFORMANCE_FIXTURES, 'node-path', 'node_modules');

const ESM_NODE_PATH: ExpectedDifference = {
  reason:
    "an ES module importing a package that only a NODE_PATH folder has: the official client's import() ignores NODE_PATH and fails with Node's `Cannot find package`; Lamina finds it, as Lambda's Node.js 18+ runtimes do (docs/node-handler.md)",
  official: (result) => expectError(result.invokes[0], 'Error', /^Cannot find package '@aws-sdk\/lamina-conformance-fixture' imported from /),
  lamina: (result) => expectPayload(result.invokes[0], { where: 'a NODE_PATH folder' }),
};

const V3_PROMISE_FIELD: ExpectedDifference = {
  reason:
    'the logged Runtime.UnhandledPromiseRejection: the official 3.3.0 adds a `"promise":{}` field (the rejected promise); Lamina leaves it out (the 4.x client installs no unhandledRejection handler to compare with)',
  official: (result) => expect(allLogs(result).some((line) => line.includes(',"promise":{}'))).toBe(true),
  lamina: (result) => expect(allLogs(result).some((line) => line.includes('"promise"'))).toBe(false),
  align: (official) => mapLogs(official, (line) => line.replace(',"promise":{}', '')),
};

const V3_SYNTAX_STACK: ExpectedDifference = {
  reason:
    "the logged stack of Runtime.UserCodeSyntaxError: the official 3.3.0 logs the wrapper's own stack (`Runtime.UserCodeSyntaxError: SyntaxError: ...`); Lamina logs the SyntaxError's stack (for CommonJS with the offending source line), as the 4.x client does",
  official: (result) => expect(allLogs(result).some((line) => line.includes('"stack":["Runtime.UserCodeSyntaxError: SyntaxError'))).toBe(true),
  lamina: (result) => expect(allLogs(result).some((line) => line.includes('"stack":["Runtime.UserCodeSyntaxError'))).toBe(false),
};

const V3_JSON_INIT_ERROR_TYPE: ExpectedDifference = {
  reason:
    'JSON logs of a failed init: the official 3.3.0 logs errorType `HandlerNotFound`; Lamina logs the class name `HandlerNotFoundError`, as the 4.x client does',
  official: (result) => expect(allLogs(result).some((line) => line.includes('"errorType":"HandlerNotFound"'))).toBe(true),
  lamina: (result) => expect(allLogs(result).some((line) => line.includes('"errorType":"HandlerNotFoundError"'))).toBe(true),
  align: (official) => mapLogs(official, (line) => line.replaceAll('"errorType":"HandlerNotFound"', '"errorType":"HandlerNotFoundError"')),
};

const V3_DEFAULT_EXPORT: ExpectedDifference = {
  reason:
    "an ES module whose handler is only a property of its default export: the official 3.3.0 does not look there (Runtime.HandlerNotFound); Lamina finds it, as the 4.x client does",
  official: (result) => expectError(result.invokes[0], 'Runtime.HandlerNotFound'),
  lamina: (result) => expectPayload(result.invokes[0], { from: 'default export', event: { d: true } }),
};

const nullRejectionHandled = (result: SideResult): void => {
  expectError(result.invokes[0], 'string', 'handled');
  expect(invokeLogs(result, 0)).toContain('"errorMessage":"handled"');
};
const nullRejectionAsObject = (result: SideResult): void => {
  expectError(result.invokes[0], 'object', 'null');
  expect(invokeLogs(result, 0)).toContain('"errorMessage":"null"');
};

const pendingTimerAfterValue = (result: SideResult): void => {
  expectPayload(result.invokes[0], { sync: { t: 1 } });
  expect(invokeLogs(result, 0)).not.toContain('timer after the sync value');
};
const pendingTimerBeforeNull = (result: SideResult): void => {
  expectPayload(result.invokes[0], null);
  expect(invokeLogs(result, 0)).toContain('timer after the sync value');
};

const NEVER_SETTLES: ExpectedDifference = {
  reason:
    "an async handler whose promise never settles while the event loop empties: the official v4 process just ends (Runtime.ExitError, exit status 0); Lamina reports Runtime.NodeJsExit and keeps the environment, as the Node 20/22 runtimes do",
  official: (result) => {
    for (const invoke of result.invokes) expectError(invoke, 'Runtime.ExitError', 'RequestId: <req> Error: Runtime exited without providing a reason');
  },
  lamina: (result) => {
    for (const [index, invoke] of result.invokes.entries()) {
      expectError(invoke, 'Runtime.NodeJsExit', /Promise that was never settled/);
      expect(invokeLogs(result, index)).toContain('\tInvoke Error \t{"errorType":"Runtime.NodeJsExit"');
    }
  },
};

const UNCAUGHT_EXCEPTION: ExpectedDifference = {
  reason:
    'an exception thrown outside the handler (in a timer): the official v4 installs no uncaughtException handler, node prints the stack on stderr and exits 1 (Runtime.ExitError); Lamina logs `Uncaught Exception`, reports the error itself on /invocation/{id}/error and exits 129, as the Node 20/22 runtimes do',
  official: (result) => {
    expectError(result.invokes[0], 'Runtime.ExitError', 'RequestId: <req> Error: Runtime exited with error: exit status 1');
    expect(result.invokes[0]!.other).toContain('Error: uncaught, out of band');
  },
  lamina: (result) => {
    expectError(result.invokes[0], 'Error', 'uncaught, out of band');
    expect(invokeLogs(result, 0)).toContain('\tUncaught Exception \t{"errorType":"Error","errorMessage":"uncaught, out of band"');
  },
};

const UNHANDLED_REJECTION: ExpectedDifference = {
  reason:
    'an unhandled promise rejection: the official v4 installs no unhandledRejection handler, node prints it on stderr and exits 1 (Runtime.ExitError); Lamina logs `Unhandled Promise Rejection`, reports Runtime.UnhandledPromiseRejection ("Error: <message>") and exits 128, as the Node 20/22 runtimes do',
  official: (result) => {
    expectError(result.invokes[0], 'Runtime.ExitError', 'RequestId: <req> Error: Runtime exited with error: exit status 1');
    expect(result.invokes[0]!.other).toContain('Error: rejected, nobody listens');
  },
  lamina: (result) => {
    expectError(result.invokes[0], 'Runtime.UnhandledPromiseRejection', 'Error: rejected, nobody listens');
    expect(invokeLogs(result, 0)).toContain('\tUnhandled Promise Rejection \t{"errorType":"Runtime.UnhandledPromiseRejection"');
  },
};

const REQUIRE_STACK: ExpectedDifference = {
  reason:
    "a CommonJS module's missing dependency: Lamina loads CommonJS with require(), so the message's Require stack ends with the client's own file (as `- /var/runtime/index.mjs` does on Node 20/22); the official v4 loads every module with import() and lists only the user's file",
  official: (result) => expect(result.invokes[0]?.error?.errorMessage).toBe("Error: Cannot find module 'not-installed-anywhere'\nRequire stack:\n- <task>/missing-dep.js"),
  lamina: (result) =>
    expect(result.invokes[0]?.error?.errorMessage).toBe("Error: Cannot find module 'not-installed-anywhere'\nRequire stack:\n- <task>/missing-dep.js\n- <ric>"),
};

const FIRST_ARG_ERROR = /^(\w*Error): ([^\r]*)\r<frames>$/;
const JSON_FIRST_ARGUMENT_ERROR: ExpectedDifference = {
  reason:
    'JSON logs of console.error(err, ...more): the official v4 takes errorType/errorMessage/stackTrace only from an Error after the first argument; Lamina also uses the first argument, as the Node 20/22 client does',
  official: (result) => expect(allLogs(result).some((line) => line.includes('json:{"message":"RangeError: first argument\\r<frames>"}'))).toBe(true),
  lamina: (result) => expect(allLogs(result).some((line) => line.includes('"message":"RangeError: first argument\\r<frames>","errorType":"RangeError"'))).toBe(true),
  align: (official) =>
    mapLogs(official, (line) => {
      const [level, token, ...rest] = line.split('\t');
      const message = rest.join('\t');
      if (!message.startsWith('json:')) return line;
      const record = JSON.parse(message.slice(5)) as Record<string, unknown>;
      const match = typeof record['message'] === 'string' && record['errorType'] === undefined ? FIRST_ARG_ERROR.exec(record['message']) : null;
      if (match === null) return line;
      const fields = { errorType: match[1], errorMessage: match[2], stackTrace: [`${match[1]}: ${match[2]}`, '<frames>'] };
      return [level, token, `json:${JSON.stringify({ ...record, ...fields })}`].join('\t');
    }),
};

const CASES: ConformanceCase[] = [
  // Handler styles (CommonJS).
  { name: 'cjs-async', dir: 'cjs', handler: 'handlers.asyncEcho', events: [{ a: 1 }, 'two', null, [1, 2, 3], { deep: { ü: '✓' } }] },
  { name: 'cjs-promise', dir: 'cjs', handler: 'handlers.promise', events: [{ p: 1 }, 2] },
  { name: 'cjs-sync-value', dir: 'cjs', handler: 'handlers.syncValue', events: [{ s: 1 }, 'two'], check: { v3: syncValueIgnored, v4: syncValueAnswered([{ s: 1 }, 'two']) } },
  // The handler's timer is 500 ms: on a loaded machine (2 cores, parallel files) the answer to a 50 ms one came late enough for the line to land inside the invoke on Node 26.
  { name: 'cjs-sync-pending-timer', dir: 'cjs', handler: 'handlers.syncValuePendingTimer', events: [{ t: 1 }], settleMs: 800, check: { v3: pendingTimerBeforeNull, v4: pendingTimerAfterValue } },
  { name: 'cjs-async-three-params', dir: 'cjs', handler: 'handlers.asyncThreeParams', events: [{ a: 3 }], check: { v3: (result) => expectPayload(result.invokes[0], { three: { a: 3 } }), v4: callbackRefused } },
  { name: 'cjs-defaulted-callback', dir: 'cjs', handler: 'handlers.defaultedCallback', events: [{ d: 2 }], check: { v3: (result) => expectPayload(result.invokes[0], { defaulted: { d: 2 }, callback: 'function' }), v4: (result) => expectPayload(result.invokes[0], { defaulted: { d: 2 }, callback: 'undefined' }) } },
  { name: 'cjs-sync-throw', dir: 'cjs', handler: 'handlers.syncThrow', events: kinds('first', 'second') },
  { name: 'cjs-sync-no-result', dir: 'cjs', handler: 'handlers.syncNoResult', events: kinds('one', 'two') },
  { name: 'cjs-never-settles', dir: 'cjs', handler: 'handlers.neverSettles', events: [{}, {}], expectDifference: { v3: V3_NEVER_SETTLES, v4: NEVER_SETTLES } },
  { name: 'cjs-callback', dir: 'cjs', handler: 'handlers.callback', events: kinds('ok', 'error', 'string-error', 'waits', 'no-wait', 'twice'), settleMs: 300, check: { v3: callbackWorksCjs, v4: callbackRefused } },
  { name: 'cjs-context-methods', dir: 'cjs', handler: 'handlers.contextMethods', events: kinds('succeed', 'fail', 'fail-null', 'done-ok', 'done-error'), check: { v3: contextMethodsWork, v4: contextMethodsMissing } },
  { name: 'cjs-throws', dir: 'cjs', handler: 'handlers.throws', events: kinds('Error', 'TypeError', 'custom', 'string', 'object', 'number', 'no-message', 'none') },
  { name: 'cjs-throw-null', dir: 'cjs', handler: 'handlers.throws', events: kinds('null'), check: { v3: nullRejectionHandled, v4: nullRejectionAsObject } },
  { name: 'cjs-results', dir: 'cjs', handler: 'handlers.results', events: kinds('undefined', 'null', 'string', 'number', 'boolean', 'unicode', 'toJSON', 'date', 'other') },
  { name: 'cjs-results-unserialisable', dir: 'cjs', handler: 'handlers.results', events: kinds('bigint', 'circular', 'other'), expectDifference: { v3: V3_JSON_STRINGIFY_ERROR } },
  { name: 'cjs-results-function', dir: 'cjs', handler: 'handlers.results', events: kinds('function', 'other') },
  { name: 'cjs-dotted', dir: 'cjs', handler: 'handlers.nested.deeper.handler', events: [{ d: 1 }] },
  { name: 'cjs-context', dir: 'cjs', handler: 'handlers.context', events: [{}], request: { traceId: TRACE_ID, clientContext: CLIENT_CONTEXT } },
  { name: 'cjs-context-plain', dir: 'cjs', handler: 'handlers.context', events: [{}, {}] },
  { name: 'cjs-context-shape', dir: 'cjs', handler: 'handlers.contextShape', events: [{}], check: { v3: contextShapeV3, v4: contextShapeV4 } },
  { name: 'cjs-uncaught', dir: 'cjs', handler: 'handlers.uncaught', events: kinds('crash'), expectDifference: { v4: UNCAUGHT_EXCEPTION } },
  { name: 'cjs-unhandled', dir: 'cjs', handler: 'handlers.unhandled', events: kinds('reject'), expectDifference: { v3: V3_PROMISE_FIELD, v4: UNHANDLED_REJECTION } },
  // Module lookup (CommonJS folder).
  { name: 'cjs-extensionless', dir: 'cjs', handler: 'extensionless.handler', events: [{ x: 1 }] },
  { name: 'cjs-dot-cjs', dir: 'cjs', handler: 'other.handler', events: [{ x: 1 }] },
  { name: 'cjs-nested-dir', dir: 'cjs', handler: 'dir/sub/file.handler', events: [{ x: 1 }] },
  { name: 'cjs-module-exports', dir: 'cjs', handler: 'module-exports.handler', events: [{ x: 1 }] },
  // Load failures (CommonJS folder).
  { name: 'cjs-not-function', dir: 'cjs', handler: 'handlers.notAFunction', events: [{}] },
  { name: 'cjs-missing-export', dir: 'cjs', handler: 'handlers.nothere', events: [{}] },
  { name: 'cjs-syntax', dir: 'cjs', handler: 'syntax-error.handler', events: [{}], expectDifference: { v3: V3_SYNTAX_STACK } },
  { name: 'cjs-top-throw', dir: 'cjs', handler: 'top-level-throw.handler', events: [{}, {}] },
  { name: 'cjs-missing-module', dir: 'cjs', handler: 'nowhere.handler', events: [{}] },
  { name: 'cjs-missing-dep', dir: 'cjs', handler: 'missing-dep.handler', events: [{}], expectDifference: { v4: REQUIRE_STACK } },
  { name: 'cjs-dotdot', dir: 'cjs', handler: '../cjs/handlers.asyncEcho', events: [{}] },
  { name: 'cjs-no-dot', dir: 'cjs', handler: 'handlers', events: [{}] },
  { name: 'cjs-nested-missing', dir: 'cjs', handler: 'dir/sub/nowhere.handler', events: [{}] },
  { name: 'cjs-init-logs', dir: 'cjs', handler: 'init-logs.handler', events: kinds('one', 'two') },
  { name: 'cjs-init-logs-json', dir: 'cjs', handler: 'init-logs.handler', events: kinds('one'), config: { logFormat: 'JSON' } },
  // Logging.
  { name: 'cjs-logs-text', dir: 'cjs', handler: 'handlers.logs', events: kinds('first', 'second') },
  { name: 'cjs-logs-json', dir: 'cjs', handler: 'handlers.logs', events: kinds('json'), config: { logFormat: 'JSON' }, expectDifference: { v4: JSON_FIRST_ARGUMENT_ERROR } },
  { name: 'cjs-logs-json-warn', dir: 'cjs', handler: 'handlers.logs', events: kinds('warn'), config: { logFormat: 'JSON', logLevel: 'WARN' }, expectDifference: { v4: JSON_FIRST_ARGUMENT_ERROR } },
  { name: 'cjs-logs-json-debug', dir: 'cjs', handler: 'handlers.logs', events: kinds('debug'), config: { logFormat: 'JSON', logLevel: 'debug' }, expectDifference: { v4: JSON_FIRST_ARGUMENT_ERROR } },
  { name: 'cjs-errors-json', dir: 'cjs', handler: 'handlers.throws', events: kinds('custom', 'string', 'TypeError'), config: { logFormat: 'JSON' } },
  { name: 'cjs-init-error-json', dir: 'cjs', handler: 'handlers.nothere', events: [{}], config: { logFormat: 'JSON' }, expectDifference: { v3: V3_JSON_INIT_ERROR_TYPE } },

  // Handler styles (ES modules).
  { name: 'esm-async', dir: 'esm', handler: 'handlers.asyncEcho', events: [{ a: 1 }, 'two'] },
  { name: 'esm-promise', dir: 'esm', handler: 'handlers.promise', events: [{ p: 1 }] },
  { name: 'esm-sync-value', dir: 'esm', handler: 'handlers.syncValue', events: [{ e: 1 }], check: { v3: syncValueIgnored, v4: syncValueAnswered([{ e: 1 }]) } },
  { name: 'esm-callback', dir: 'esm', handler: 'handlers.callback', events: kinds('ok', 'error'), check: { v3: callbackWorksEsm, v4: callbackRefused } },
  { name: 'esm-throws', dir: 'esm', handler: 'handlers.throws', events: kinds('TypeError', 'string', 'Error') },
  { name: 'esm-dotted', dir: 'esm', handler: 'handlers.nested.deeper.handler', events: [{}] },
  { name: 'esm-default', dir: 'esm', handler: 'handlers.viaDefault', events: [{ d: true }], expectDifference: { v3: V3_DEFAULT_EXPORT } },
  { name: 'esm-not-function', dir: 'esm', handler: 'handlers.notAFunction', events: [{}] },
  { name: 'esm-missing-export', dir: 'esm', handler: 'handlers.nothere', events: [{}] },
  // Module lookup (ES module folder).
  { name: 'esm-mjs', dir: 'esm', handler: 'plain.handler', events: [{ m: 1 }] },
  { name: 'esm-tla', dir: 'esm', handler: 'tla.handler', events: [{ t: 1 }] },
  { name: 'esm-nested-dir', dir: 'esm', handler: 'dir/sub/file.handler', events: [{ n: 1 }] },
  { name: 'esm-dot-cjs', dir: 'esm', handler: 'legacy.handler', events: [{ l: 1 }] },
  { name: 'esm-extensionless', dir: 'esm', handler: 'extensionless.handler', events: [{ e: 1 }] },
  { name: 'esm-init-logs', dir: 'esm', handler: 'init-logs.handler', events: kinds('one') },
  // Load failures (ES module folder).
  { name: 'esm-syntax', dir: 'esm', handler: 'syntax-error.handler', events: [{}], expectDifference: { v3: V3_SYNTAX_STACK } },
  { name: 'esm-top-throw', dir: 'esm', handler: 'top-level-throw.handler', events: [{}] },
  { name: 'esm-tla-reject', dir: 'esm', handler: 'tla-reject.handler', events: [{}] },
  { name: 'esm-missing-import', dir: 'esm', handler: 'missing-import.handler', events: [{}] },
  { name: 'esm-node-path', dir: 'esm', handler: 'node-path.handler', events: [{}], config: { environment: { NODE_PATH: NODE_PATH_FOLDER } }, expectDifference: { v3: ESM_NODE_PATH, v4: ESM_NODE_PATH } },
];

const dump: Record<string, Record<string, SideResult>> = {};

/** `CONFORMANCE_MAJORS=22,24` runs only those majors. */
const onlyMajors = process.env.CONFORMANCE_MAJORS?.split(',').map((major) => Number.parseInt(major, 10));

const ALL_MAJORS = [20, 22, 24, 26];
// Real binaries of every major compared here, installed once into the runtimes cache (skipped with the reason when offline).
await installTestNodes(ALL_MAJORS.filter((major) => onlyMajors === undefined || onlyMajors.includes(major)));

/** Each Node major Lambda runs, with its node binary and official client, or why it is skipped. */
const MAJORS = ALL_MAJORS.map((major) => {
  const line = officialLine(major);
  const node = nodeBinaryFor(major);
  const skip =
    (onlyMajors !== undefined && !onlyMajors.includes(major) ? 'not in CONFORMANCE_MAJORS' : undefined) ??
    unavailable ??
    nodeBinaryMissing(major) ??
    (line === 'v3' ? ensureOfficialRic3() : undefined);
  if (skip !== undefined) console.warn(`[conformance] Node ${major} skipped: ${skip}`);
  const setup: MajorSetup = { major, node: node ?? '', line, ...(line === 'v3' ? { ric3Entry: OFFICIAL_RIC_3_ENTRY } : {}) };
  return { setup, skip };
});

describe.each(MAJORS.map(({ setup, skip }) => [setup.major, setup, skip] as const))(
  'differential conformance on Node %i: its official client vs Lamina RIC',
  (major, setup, skip) => {
    let lamina: RunningLamina;
    const results = new Map<string, { official: SideResult; lamina: SideResult }>();

    beforeAll(async () => {
      if (skip !== undefined) return;
      lamina = await startLamina(CASES.flatMap((c) => [sideFunction(c, 'official', setup), sideFunction(c, 'lamina', setup)]));
      await mapBounded(CASES, CONCURRENCY, async (c) => {
        const [official, ours] = await Promise.all([runSide(lamina, c, 'official', major), runSide(lamina, c, 'lamina', major)]);
        results.set(c.name, { official, lamina: ours });
        dump[`${major}/${c.name}`] = { official, lamina: ours };
      });
    }, 240_000);

    afterAll(async () => {
      await lamina?.stop();
      if (process.env.CONFORMANCE_DUMP) writeFileSync(process.env.CONFORMANCE_DUMP, JSON.stringify(dump, null, 2));
    });

    it.skipIf(skip !== undefined).each(CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
      const result = results.get(c.name);
      expect(result, 'case did not run').toBeDefined();
      const { official, lamina: ours } = result!;
      expect(ours.invokes).toHaveLength(c.events.length);
      c.check?.[setup.line]?.(ours);
      const differences = differencesFor(c, setup.line);
      if (differences.length === 0) {
        expect(ours).toEqual(official);
        return;
      }
      for (const difference of differences) {
        difference.official(official);
        difference.lamina(ours);
      }
      // A difference that disappeared must be noticed (and removed from the table and DIFFERENCES.md).
      expect(ours).not.toEqual(official);
      // When every difference says how to align the official result, the rest must match exactly.
      if (differences.every((difference) => difference.align !== undefined)) {
        const aligned = differences.reduce((result, difference) => difference.align!(result), official);
        expect(ours).toEqual(aligned);
      }
    });
  },
);

describe('DIFFERENCES.md', () => {
  it('lists every intentional difference', () => {
    const listed = readFileSync(join(PROJECT_ROOT, 'test', 'conformance', 'DIFFERENCES.md'), 'utf8');
    for (const c of CASES) {
      for (const line of ['v3', 'v4'] as const) {
        for (const difference of differencesFor(c, line)) expect(listed, `${c.name} (${line})`).toContain(difference.reason);
      }
    }
  });
});
