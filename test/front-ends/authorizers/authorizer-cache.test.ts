import { describe, expect, it } from 'vitest';
import { AuthorizerCache } from '../../../src/front-ends/authorizers/authorizer-cache.js';

describe('AuthorizerCache', () => {
  it('keeps an answer for its TTL, by authorizer and identity values', () => {
    let now = 1_000_000;
    const cache = new AuthorizerCache<string>(() => now);
    const key = AuthorizerCache.key('Tok', ['Bearer a'], 300);
    cache.set(key, 'answer', 300);
    expect(cache.get(key)).toBe('answer');
    expect(cache.get(AuthorizerCache.key('Tok', ['Bearer b'], 300))).toBeUndefined();
    expect(cache.get(AuthorizerCache.key('Other', ['Bearer a'], 300))).toBeUndefined();
    now += 299_999;
    expect(cache.get(key)).toBe('answer');
    now += 1;
    expect(cache.get(key)).toBeUndefined();
  });

  it('caches nothing with a TTL of 0 or without identity sources', () => {
    expect(AuthorizerCache.key('Tok', ['x'], 0)).toBeUndefined();
    expect(AuthorizerCache.key('Req', [], 300)).toBeUndefined();
    const cache = new AuthorizerCache<string>();
    cache.set(undefined, 'answer', 300);
    expect(cache.get(undefined)).toBeUndefined();
  });

  it('does not confuse identity values that join to the same text', () => {
    expect(AuthorizerCache.key('A', ['x,y'], 1)).not.toBe(AuthorizerCache.key('A', ['x', 'y'], 1));
    expect(AuthorizerCache.key('A', ['b', 'c'], 1)).not.toBe(AuthorizerCache.key('A\u0000b', ['c'], 1));
  });
});
