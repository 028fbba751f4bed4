/** Build InvokeRequest values for tests that call the platform core directly. */
import type { InvokeRequest } from '../../src/platform/invoke-types.js';

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
