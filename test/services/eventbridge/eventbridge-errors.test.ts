import * as sdk from '@aws-sdk/client-eventbridge';
import { describe, expect, it } from 'vitest';
import * as lamina from '../../../src/errors.js';
import { EVENTBRIDGE_ERRORS, EventBridgeError, renderEventBridgeError } from '../../../src/services/eventbridge/eventbridge-errors.js';

describe('the EventBridge error catalogue', () => {
  it('has LAMINA_ERR_EVENTS_* codes matching their keys, unique across the project', () => {
    const projectCodes = Object.values(lamina).flatMap((v) => (typeof v === 'object' && v !== null && !Array.isArray(v) ? Object.keys(v) : []));
    for (const [key, spec] of Object.entries(EVENTBRIDGE_ERRORS)) {
      expect(spec.code).toBe(key);
      expect(key).toMatch(/^LAMINA_ERR_EVENTS_[A-Z_]+$/);
      expect(projectCodes).not.toContain(key);
    }
  });

  it('names the SDK\'s own exception classes where the service model has them', () => {
    const classes = sdk as unknown as Record<string, unknown>;
    for (const shape of ['ResourceNotFoundException', 'InternalException']) {
      expect(Object.values(EVENTBRIDGE_ERRORS).some((s) => s.shape === shape)).toBe(true);
      expect(typeof classes[shape]).toBe('function');
    }
  });

  it('renders the JSON 1.1 error shape', () => {
    const { status, headers, body } = renderEventBridgeError(new EventBridgeError('LAMINA_ERR_EVENTS_RESOURCE_NOT_FOUND', 'Event bus x does not exist.'));
    expect(status).toBe(400);
    expect(headers['x-amzn-errortype']).toBe('ResourceNotFoundException');
    expect(JSON.parse(body)).toEqual({ __type: 'ResourceNotFoundException', message: 'Event bus x does not exist.' });
  });
});
