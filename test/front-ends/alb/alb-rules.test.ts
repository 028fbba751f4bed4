import { describe, expect, it } from 'vitest';
import type { AlbAction, AlbListener } from '../../../src/config/alb-targets.js';
import { AlbRules, describeAlb } from '../../../src/front-ends/alb/alb-rules.js';
import type { FrontRequest } from '../../../src/front-ends/http-request.js';

const forward = (functionName: string): AlbAction => ({ kind: 'forward', targetGroup: { id: `${functionName}Tg`, arn: 'arn', functionName, multiValueHeaders: false } });
const listener: AlbListener = {
  id: 'L',
  port: 80,
  defaultAction: forward('Default'),
  rules: [
    { priority: 1, conditions: [{ field: 'path-pattern', values: ['/api/v?/*', '/exact'] }, { field: 'http-request-method', values: ['GET', 'HEAD'] }], action: forward('Api') },
    { priority: 2, conditions: [{ field: 'http-header', name: 'x-env', values: ['STAG*'] }], action: forward('Staging') },
    { priority: 3, conditions: [{ field: 'path-pattern', values: ['/teapot'] }], action: { kind: 'fixed-response', status: 418, contentType: 'text/plain', body: 'short and stout' } },
  ],
};

const req = (method: string, rawPath: string, headers: Array<readonly [string, string]> = []): FrontRequest => ({ method, rawPath, rawQueryString: '', headers, body: Buffer.alloc(0), sourceIp: '127.0.0.1', protocol: 'HTTP/1.1', receivedAt: 0 });
const target = (action: AlbAction): string => (action.kind === 'forward' ? action.targetGroup.functionName : `fixed ${action.status}`);

describe('AlbRules', () => {
  const rules = new AlbRules(listener);

  it('takes the first rule by priority whose conditions all hold, else the default action', () => {
    expect(target(rules.actionFor(req('GET', '/api/v1/users')))).toBe('Api');
    expect(target(rules.actionFor(req('GET', '/exact')))).toBe('Api');
    // Every condition must hold: POST is not a listed method.
    expect(target(rules.actionFor(req('POST', '/api/v1/users')))).toBe('Default');
    // `?` is one character: /api/v10/ does not match /api/v?/*.
    expect(target(rules.actionFor(req('GET', '/api/v10/x')))).toBe('Default');
    // Path patterns are case-sensitive.
    expect(target(rules.actionFor(req('GET', '/API/v1/x')))).toBe('Default');
    expect(target(rules.actionFor(req('GET', '/teapot')))).toBe('fixed 418');
    expect(target(rules.actionFor(req('GET', '/elsewhere')))).toBe('Default');
  });

  it('matches header values case-insensitively with wildcards', () => {
    expect(target(rules.actionFor(req('POST', '/x', [['x-env', 'staging-2']])))).toBe('Staging');
    expect(target(rules.actionFor(req('POST', '/x', [['x-env', 'prod']])))).toBe('Default');
    // Priority 1 wins over 2 when both hold.
    expect(target(rules.actionFor(req('GET', '/api/v2/x', [['x-env', 'staging']])))).toBe('Api');
  });

  it('treats regular-expression characters in patterns literally', () => {
    const dotted = new AlbRules({ ...listener, rules: [{ priority: 1, conditions: [{ field: 'path-pattern', values: ['/a.b(c)'] }], action: forward('Dot') }] });
    expect(target(dotted.actionFor(req('GET', '/a.b(c)')))).toBe('Dot');
    expect(target(dotted.actionFor(req('GET', '/aXb(c)')))).toBe('Default');
  });

  it('describes the listener for the banner', () => {
    expect(describeAlb(listener)).toEqual([
      'priority 1: path-pattern /api/v?/* | /exact and http-request-method GET | HEAD -> Api',
      'priority 2: http-header x-env: STAG* -> Staging',
      'priority 3: path-pattern /teapot -> fixed-response 418',
      'default -> Default',
    ]);
  });
});
