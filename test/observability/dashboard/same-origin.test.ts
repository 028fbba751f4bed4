/**
 * Who may open the dashboard's WebSocket (src/observability/dashboard/same-origin.ts): the page
 * this server served, and nothing a hostile page or a rebound name can forge.
 */
import { describe, expect, it } from 'vitest';
import { checkOrigin, isLoopbackName } from '../../../src/observability/dashboard/same-origin.js';

const verdict = (host: string | undefined, origin: string | undefined, bound = '127.0.0.1'): boolean =>
  checkOrigin({ ...(host === undefined ? {} : { host }), ...(origin === undefined ? {} : { origin }) }, bound).ok;

describe('checkOrigin', () => {
  it('accepts the page of this very server, under each loopback name', () => {
    expect(verdict('127.0.0.1:9000', 'http://127.0.0.1:9000')).toBe(true);
    expect(verdict('localhost:9000', 'http://localhost:9000')).toBe(true);
    expect(verdict('LOCALHOST:9000', 'http://localhost:9000')).toBe(true);
    expect(verdict('[::1]:9000', 'http://[::1]:9000', '::1')).toBe(true);
    expect(verdict('127.0.0.1', 'http://127.0.0.1:80')).toBe(true);
  });

  it('refuses other sites, other ports, other schemes, opaque and missing origins', () => {
    expect(verdict('127.0.0.1:9000', 'http://evil.example')).toBe(false);
    expect(verdict('127.0.0.1:9000', 'http://127.0.0.1:9001')).toBe(false);
    expect(verdict('127.0.0.1:9000', 'http://localhost:9000')).toBe(false);
    expect(verdict('127.0.0.1:9000', 'file:///tmp/x.html')).toBe(false);
    expect(verdict('127.0.0.1:9000', 'chrome-extension://abc')).toBe(false);
    expect(verdict('127.0.0.1:9000', 'null')).toBe(false);
    expect(verdict('127.0.0.1:9000', '')).toBe(false);
    expect(verdict('127.0.0.1:9000', undefined)).toBe(false);
    expect(verdict(undefined, 'http://127.0.0.1:9000')).toBe(false);
    expect(verdict('127.0.0.1:9000', 'not a url')).toBe(false);
  });

  it('refuses Host headers that are not a plain host and port', () => {
    expect(verdict('127.0.0.1:9000/x', 'http://127.0.0.1:9000')).toBe(false);
    expect(verdict('user@127.0.0.1:9000', 'http://127.0.0.1:9000')).toBe(false);
    expect(verdict('127.0.0.1:9000?q', 'http://127.0.0.1:9000')).toBe(false);
    expect(verdict('127.0.0.1:9000#f', 'http://127.0.0.1:9000')).toBe(false);
  });

  it('on a loopback address, refuses a name that only resolves there (DNS rebinding)', () => {
    expect(verdict('evil.example:9000', 'http://evil.example:9000')).toBe(false);
    expect(verdict('127.0.0.1.nip.io:9000', 'http://127.0.0.1.nip.io:9000')).toBe(false);
    // On an address the user chose to expose, the host name the page was reached by is fine.
    expect(verdict('devbox.lan:9000', 'http://devbox.lan:9000', '0.0.0.0')).toBe(true);
    expect(verdict('devbox.lan:9000', 'http://evil.example', '0.0.0.0')).toBe(false);
  });
});

describe('isLoopbackName', () => {
  it('knows the names that can only mean this machine', () => {
    expect(['localhost', 'app.localhost', '127.0.0.1', '127.1.2.3', '::1', '[::1]'].map(isLoopbackName)).toEqual([true, true, true, true, true, true]);
    expect(['0.0.0.0', '10.0.0.1', 'localhost.example', '128.0.0.1', '::', 'evil.example'].map(isLoopbackName)).toEqual([false, false, false, false, false, false]);
  });
});
