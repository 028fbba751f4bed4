/**
 * `lamina event generate destination ...` against the durable queue: the samples have the shape of
 * the records a real asynchronous invoke sends its OnSuccess / OnFailure function destination
 * (real runtime processes, the recorder fixture printing what it receives).
 */
import { afterEach, expect, it } from 'vitest';
import type { AsyncInvokeConfig, AsyncTarget } from '../../../src/async/async-types.js';
import { generateEvent } from '../../../src/cli/event-command.js';
import { Platform } from '../../../src/platform/platform.js';
import { bootstrapFunction } from '../../helpers/function-config.js';
import { invokeRequest } from '../../helpers/invoke-request.js';
import { shapeOf } from './event-shape.js';

const output: string[] = [];
let platform: Platform | undefined;
afterEach(async () => {
  await platform?.stop();
  platform = undefined;
  output.length = 0;
});

function fnTarget(name: string): AsyncTarget {
  return { kind: 'function', arn: `arn:aws:lambda:us-east-1:000000000000:function:${name}`, functionName: name };
}

function recorder(name: string, config?: Partial<AsyncInvokeConfig>): ReturnType<typeof bootstrapFunction> {
  const async = config === undefined ? undefined : { byQualifier: { $LATEST: { maximumRetryAttempts: 0, maximumEventAgeSeconds: 21_600, ...config } } };
  return bootstrapFunction(name, async === undefined ? {} : { async }, 'recorder');
}

/** The bodies `fn` received, parsed. */
function received(fn: string): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  for (const line of output.join('').split('\n')) {
    const m = new RegExp(`^\\[${fn}\\] RECEIVED (\\S+) (\\S+) (.*)$`).exec(line);
    if (m !== null) out.push(JSON.parse(m[3] as string) as Record<string, unknown>);
  }
  return out;
}

it('on-success and on-failure samples have the shape of the records the destinations receive', async () => {
  platform = new Platform({
    functions: [recorder('work', { onSuccess: fnTarget('wins'), onFailure: fnTarget('losses') }), recorder('wins'), recorder('losses')],
    logOutput: (text) => output.push(text),
    events: { store: undefined, timeScale: 0.001 },
  });
  await platform.accept(invokeRequest('work', { key: 'value' }, { invocationType: 'Event' }));
  await platform.accept(invokeRequest('work', { fail: 'always' }, { invocationType: 'Event' }));
  await expect.poll(() => received('wins').length + received('losses').length, { timeout: 15_000 }).toBe(2);
  const success = received('wins')[0];
  const failure = received('losses')[0];
  const sampleSuccess = JSON.parse(await generateEvent('destination', 'on-success', ['--payload', '{"key":"value"}', '--response', '{"key":"value"}'])) as Record<string, unknown>;
  const sampleFailure = JSON.parse(await generateEvent('destination', 'on-failure', ['--payload', '{"fail":"always"}', '--error', '{"errorType":"Failed","errorMessage":"always"}'])) as Record<string, unknown>;
  expect(shapeOf(sampleSuccess)).toEqual(shapeOf(success));
  expect(shapeOf(sampleFailure)).toEqual(shapeOf(failure));
  expect(Object.keys(sampleSuccess)).toEqual(Object.keys(success ?? {}));
  expect(Object.keys(sampleFailure)).toEqual(Object.keys(failure ?? {}));
  expect(Object.keys(sampleFailure.requestContext as object)).toEqual(Object.keys(failure?.requestContext as object));
  expect(Object.keys(sampleFailure.responseContext as object)).toEqual(Object.keys(failure?.responseContext as object));
});
