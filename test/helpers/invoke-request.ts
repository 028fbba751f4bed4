/** Build InvokeRequest values for tests that call the platform core directly. */
import type { InvokeOutcome, InvokeRequest } from '../../src/platform/invoke-types.js';

export function invokeRequest(functionName: string, event: unknown, overrides: Partial<InvokeRequest> = {}): InvokeRequest {
  return {
    functionName,
    qualifier: undefined,
    invocationType: 'RequestResponse',
    payload: Buffer.from(JSON.stringify(event)),
    clientContext: undefined,
    tailLogs: true,
    traceId: undefined,
    tenantId: undefined,
    streaming: false,
    ...overrides,
  };
}

/** The process environment the echo fixture runtime answers to `{ env: true }`. */
export function envOf(outcome: InvokeOutcome): Record<string, string> {
  if (outcome.result.kind !== 'response') throw new Error(`expected a response, got ${outcome.result.kind}`);
  return (JSON.parse(outcome.result.payload.toString()) as { env: Record<string, string> }).env;
}
