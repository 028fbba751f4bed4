import * as sdk from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import * as lamina from '../../../src/errors.js';
import { SQS_ERRORS, SqsError, renderSqsError } from '../../../src/services/sqs/sqs-errors.js';

/** The SDK's schema of an error shape: [kind, namespace, name, traits, ...]. */
function sdkSchema(shape: string): { awsQueryError?: [string, number]; httpError?: number } | undefined {
  const schema = (sdk as unknown as Record<string, unknown>)[`${shape}$`];
  return Array.isArray(schema) ? (schema[3] as { awsQueryError?: [string, number]; httpError?: number }) : undefined;
}

describe('the SQS error catalogue', () => {
  it('has LAMINA_ERR_SQS_* codes matching their keys, unique across the project', () => {
    const projectCodes = Object.values(lamina).flatMap((v) => (typeof v === 'object' && v !== null && !Array.isArray(v) ? Object.keys(v) : []));
    for (const [key, spec] of Object.entries(SQS_ERRORS)) {
      expect(spec.code).toBe(key);
      expect(key).toMatch(/^LAMINA_ERR_SQS_[A-Z_]+$/);
      expect(projectCodes).not.toContain(key);
    }
  });

  it('agrees with the SDK model: Query code in x-amzn-query-error and status, for every modelled shape', () => {
    let modelled = 0;
    for (const spec of Object.values(SQS_ERRORS)) {
      const traits = sdkSchema(spec.shape);
      if (traits === undefined) continue;
      modelled++;
      expect(typeof (sdk as unknown as Record<string, unknown>)[spec.shape]).toBe('function');
      expect(traits.awsQueryError?.[0] ?? spec.shape).toBe(spec.queryCode);
      if (traits.httpError !== undefined) expect(spec.status).toBe(traits.httpError);
    }
    expect(modelled).toBeGreaterThanOrEqual(14);
  });

  it('renders the JSON 1.0 error shape', () => {
    const { status, headers, body } = renderSqsError(new SqsError('LAMINA_ERR_SQS_QUEUE_DOES_NOT_EXIST', 'The specified queue does not exist.'));
    expect(status).toBe(400);
    expect(headers['x-amzn-query-error']).toBe('AWS.SimpleQueueService.NonExistentQueue;Sender');
    expect(JSON.parse(body)).toEqual({ __type: 'com.amazonaws.sqs#QueueDoesNotExist', message: 'The specified queue does not exist.' });
  });
});
