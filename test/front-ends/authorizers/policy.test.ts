import { describe, expect, it } from 'vitest';
import { evaluatePolicy, executeApiArn, wildcardMatch } from '../../../src/front-ends/authorizers/policy.js';

const arn = executeApiArn({ region: 'us-east-1', accountId: '123456789012', apiId: 'abcdef1234', stage: 'Prod', method: 'GET', path: '/items/7' });
const policy = (...Statement: unknown[]) => ({ Version: '2012-10-17', Statement });

describe('executeApiArn', () => {
  it('builds API Gateway\'s method ARN without the path\'s leading slash', () => {
    expect(arn).toBe('arn:aws:execute-api:us-east-1:123456789012:abcdef1234/Prod/GET/items/7');
    expect(executeApiArn({ region: 'r', accountId: 'a', apiId: 'i', stage: '$default', method: 'POST', path: '/' })).toBe('arn:aws:execute-api:r:a:i/$default/POST/');
  });
});

describe('wildcardMatch', () => {
  it('treats * as any run (slashes too) and ? as one character, and nothing else as special', () => {
    expect(wildcardMatch('arn:aws:execute-api:*:*:abcdef1234/*/GET/*', arn)).toBe(true);
    expect(wildcardMatch('arn:aws:execute-api:us-east-1:123456789012:abcdef1234/Prod/GET/items/?', arn)).toBe(true);
    expect(wildcardMatch('arn:aws:execute-api:us-east-1:123456789012:abcdef1234/Prod/GET/items/??', arn)).toBe(false);
    expect(wildcardMatch('arn:aws:execute-api:*:*:abcdef1234/*/POST/*', arn)).toBe(false);
    // Regular-expression characters in a pattern are literal.
    expect(wildcardMatch('a.c', 'abc')).toBe(false);
    expect(wildcardMatch('(a|b)', 'a')).toBe(false);
    expect(wildcardMatch('EXECUTE-API:invoke', 'execute-api:Invoke', true)).toBe(true);
  });
});

describe('evaluatePolicy', () => {
  it('allows when an Allow statement covers execute-api:Invoke on the ARN', () => {
    expect(evaluatePolicy(policy({ Effect: 'Allow', Action: 'execute-api:Invoke', Resource: arn }), arn)).toBe('allow');
    expect(evaluatePolicy(policy({ Effect: 'Allow', Action: ['execute-api:*'], Resource: ['arn:aws:execute-api:*:*:*/Prod/*'] }), arn)).toBe('allow');
    expect(evaluatePolicy({ Statement: { Effect: 'Allow', Action: '*', Resource: '*' } }, arn)).toBe('allow');
  });

  it('lets an explicit Deny win over an Allow, in any order', () => {
    const allow = { Effect: 'Allow', Action: 'execute-api:Invoke', Resource: '*' };
    const deny = { Effect: 'Deny', Action: 'execute-api:Invoke', Resource: 'arn:aws:execute-api:*:*:*/*/GET/items/*' };
    expect(evaluatePolicy(policy(allow, deny), arn)).toBe('explicit-deny');
    expect(evaluatePolicy(policy(deny, allow), arn)).toBe('explicit-deny');
  });

  it('is an implicit deny when nothing matches: another method, another action, no statement', () => {
    expect(evaluatePolicy(policy({ Effect: 'Allow', Action: 'execute-api:Invoke', Resource: arn.replace('/GET/', '/POST/') }), arn)).toBe('implicit-deny');
    expect(evaluatePolicy(policy({ Effect: 'Allow', Action: 'execute-api:ManageConnections', Resource: '*' }), arn)).toBe('implicit-deny');
    expect(evaluatePolicy(policy(), arn)).toBe('implicit-deny');
    expect(evaluatePolicy(policy({ Effect: 'Deny', Action: 'execute-api:Invoke', Resource: 'arn:aws:execute-api:*:*:other/*' }), arn)).toBe('implicit-deny');
  });

  it('is undefined (an authorizer failure) for malformed documents', () => {
    expect(evaluatePolicy(undefined, arn)).toBeUndefined();
    expect(evaluatePolicy('Allow', arn)).toBeUndefined();
    expect(evaluatePolicy({ Version: '2012-10-17' }, arn)).toBeUndefined();
    expect(evaluatePolicy(policy({ Effect: 'allow', Action: '*', Resource: '*' }), arn)).toBeUndefined();
    expect(evaluatePolicy(policy({ Effect: 'Allow', Action: 7, Resource: '*' }), arn)).toBeUndefined();
    expect(evaluatePolicy(policy({ Effect: 'Allow', Action: '*' }), arn)).toBeUndefined();
    expect(evaluatePolicy(policy(null), arn)).toBeUndefined();
  });
});
