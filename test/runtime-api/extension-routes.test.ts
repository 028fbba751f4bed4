import { describe, expect, it } from 'vitest';
import { parseRegisterBody } from '../../src/runtime-api/extension-api.js';
import { parseRuntimeApiRequest } from '../../src/runtime-api/routes.js';

describe('Extensions API routes', () => {
  it('parses the four paths into typed actions', () => {
    expect(parseRuntimeApiRequest('POST', '/2020-01-01/extension/register')).toEqual({ kind: 'extension-register' });
    expect(parseRuntimeApiRequest('GET', '/2020-01-01/extension/event/next')).toEqual({ kind: 'extension-next' });
    expect(parseRuntimeApiRequest('POST', '/2020-01-01/extension/init/error')).toEqual({ kind: 'extension-init-error' });
    expect(parseRuntimeApiRequest('POST', '/2020-01-01/extension/exit/error?x=1')).toEqual({ kind: 'extension-exit-error' });
  });

  it('refuses a wrong method with the one allowed', () => {
    expect(parseRuntimeApiRequest('GET', '/2020-01-01/extension/register')).toEqual({ kind: 'method-not-allowed', allowed: 'POST' });
    expect(parseRuntimeApiRequest('POST', '/2020-01-01/extension/event/next')).toEqual({ kind: 'method-not-allowed', allowed: 'GET' });
  });

  it('leaves other paths unknown, including near misses and prototype names', () => {
    for (const path of ['/2020-01-01/extension', '/2020-01-01/extension/', '/2020-01-01/extension/event/next/', '/2020-01-01/extension/constructor', '/2020-01-01/extension/__proto__', '/2022-07-01/telemetry']) {
      expect(parseRuntimeApiRequest('GET', path)).toEqual({ kind: 'not-found' });
    }
  });
});

describe('register body', () => {
  it('accepts INVOKE and SHUTDOWN, an empty list and an empty body, and drops repeats', () => {
    expect(parseRegisterBody(Buffer.from('{"events":["INVOKE","SHUTDOWN","INVOKE"]}'))).toEqual(['INVOKE', 'SHUTDOWN']);
    expect(parseRegisterBody(Buffer.from('{"events":[]}'))).toEqual([]);
    expect(parseRegisterBody(Buffer.alloc(0))).toEqual([]);
  });

  it('refuses unknown event types with Extension.InvalidEventType', () => {
    expect(parseRegisterBody(Buffer.from('{"events":["INVOKE","invoke"]}'))).toMatchObject({ code: 'LAMINA_ERR_EXTENSION_INVALID_EVENT_TYPE' });
  });

  it('refuses what is not {"events":[strings]} and configurationKeys with InvalidRequestFormat', () => {
    for (const body of ['nope', '[]', 'null', '"x"', '{"events":"INVOKE"}', '{"events":[1]}', '{"events":[],"configurationKeys":["a"]}']) {
      expect(parseRegisterBody(Buffer.from(body))).toMatchObject({ code: 'LAMINA_ERR_EXTENSION_INVALID_REQUEST' });
    }
  });
});
