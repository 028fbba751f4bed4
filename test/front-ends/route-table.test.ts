import { describe, expect, it } from 'vitest';
import type { ApiRoute } from '../../src/config/api-events.js';
import { RouteTable } from '../../src/front-ends/route-table.js';

const route = (method: string, path: string, functionName = `${method} ${path}`): ApiRoute => ({ method, path, functionName, payloadFormatVersion: '2.0', timeoutMs: 30_000, source: 'test' });

describe('RouteTable', () => {
  const table = new RouteTable([
    route('ANY', '/{proxy+}'),
    route('GET', '/users/{id}'),
    route('GET', '/users/me'),
    route('ANY', '/users/{id}'),
    route('POST', '/users'),
    route('GET', '/'),
    route('GET', '/files/{path+}'),
  ]);

  it('prefers a literal segment over a parameter, and a parameter over a greedy one', () => {
    expect(table.match('GET', '/users/me')?.route.functionName).toBe('GET /users/me');
    expect(table.match('GET', '/users/42')).toEqual({ route: route('GET', '/users/{id}'), pathParameters: { id: '42' } });
    expect(table.match('GET', '/somewhere/else')?.route.functionName).toBe('ANY /{proxy+}');
    expect(table.match('GET', '/somewhere/else')?.pathParameters).toEqual({ proxy: 'somewhere/else' });
  });

  it('prefers an explicit method over ANY for the same path, and falls back to ANY', () => {
    expect(table.match('get', '/users/7')?.route.functionName).toBe('GET /users/{id}');
    expect(table.match('DELETE', '/users/7')?.route.functionName).toBe('ANY /users/{id}');
  });

  it('matches the root, decodes parameters, and needs a greedy parameter to have a segment', () => {
    expect(table.match('GET', '/')?.route.functionName).toBe('GET /');
    expect(table.match('GET', '/users/a%20b')?.pathParameters).toEqual({ id: 'a b' });
    expect(table.match('GET', '/files/a/b%2Fc.txt')?.pathParameters).toEqual({ path: 'a/b/c.txt' });
    expect(new RouteTable([route('GET', '/files/{path+}')]).match('GET', '/files/')).toBeUndefined();
    expect(new RouteTable([route('GET', '/files/{path+}')]).match('GET', '/files')).toBeUndefined();
  });

  it('answers undefined with no match and no $default, and the $default route otherwise', () => {
    const strict = new RouteTable([route('POST', '/users')]);
    expect(strict.match('GET', '/users')).toBeUndefined();
    expect(strict.match('POST', '/users/')).toBeUndefined();
    const withDefault = new RouteTable([route('POST', '/users'), route('ANY', '$default', 'fallback')]);
    expect(withDefault.match('GET', '/anything')).toEqual({ route: route('ANY', '$default', 'fallback'), pathParameters: {} });
    expect(withDefault.routes.at(-1)?.path).toBe('$default');
  });
});
