/** The rewrite of a timed-out invoke into AWS's RIE's plain-text answer, and nothing else. */
import { describe, expect, it } from 'vitest';
import { functionErrorBody } from '../../src/errors.js';
import { timedOut } from '../../src/platform/function-errors.js';
import type { InvocationResult, InvokeOutcome } from '../../src/platform/invoke-types.js';
import { asRieTimeout, rieConcurrentTimeoutBody, rieTimeoutText } from '../../src/rie/rie-invoke-port.js';

function outcome(result: InvocationResult): InvokeOutcome {
  return { requestId: 'req-1', executedVersion: '$LATEST', result, logs: () => 'log' };
}

describe('asRieTimeout', () => {
  it('answers a timeout with RIE\'s text and a plain-text content type, keeping the rest', () => {
    const original = outcome({ kind: 'function-error', error: timedOut('req-1', 3) });
    const rewritten = asRieTimeout(original, 3);
    expect(rewritten.requestId).toBe('req-1');
    expect(rewritten.logs()).toBe('log');
    if (rewritten.result.kind !== 'function-error') throw new Error('expected a function error');
    expect(rewritten.result.error.payload.toString()).toBe('Task timed out after 3.00 seconds');
    expect(rewritten.result.error.contentType).toBe('text/plain; charset=utf-8');
    expect(rewritten.result.error.errorType).toBe('Sandbox.Timedout');
  });

  it("answers in the emulator's concurrency mode with its error object: no RequestId prefix, the same text", () => {
    const rewritten = asRieTimeout(outcome({ kind: 'function-error', error: timedOut('req-1', 1) }), 1, 'concurrent');
    if (rewritten.result.kind !== 'function-error') throw new Error('expected a function error');
    expect(rewritten.result.error.payload.toString()).toBe('{"errorType":"Sandbox.Timedout","errorMessage":"Task timed out after 1.00 seconds"}');
    expect(rewritten.result.error.contentType).toBe('text/plain; charset=utf-8');
    expect(rieConcurrentTimeoutBody(2.5)).toBe('{"errorType":"Sandbox.Timedout","errorMessage":"Task timed out after 2.50 seconds"}');
  });

  it('formats the timeout with two decimals, as RIE prints its integer one', () => {
    expect(rieTimeoutText(1)).toBe('Task timed out after 1.00 seconds');
    expect(rieTimeoutText(900)).toBe('Task timed out after 900.00 seconds');
    expect(rieTimeoutText(1.5)).toBe('Task timed out after 1.50 seconds');
  });

  it('leaves responses and every other error as they are', () => {
    const response = outcome({ kind: 'response', payload: Buffer.from('"Task timed out"'), contentType: 'application/json' });
    expect(asRieTimeout(response, 1)).toBe(response);
    const exit = outcome({ kind: 'function-error', error: functionErrorBody('Runtime.ExitError', 'Task timed out after 1.00 seconds') });
    expect(asRieTimeout(exit, 1)).toBe(exit);
    // A runtime may not report Sandbox.* itself (docs/runtime-api.md), so only the platform's timeout matches.
    const reported = outcome({ kind: 'function-error', error: functionErrorBody('Function.Timedout', 'x') });
    expect(asRieTimeout(reported, 1)).toBe(reported);
  });
});
