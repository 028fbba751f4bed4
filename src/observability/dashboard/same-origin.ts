/**
 * Who may open the dashboard's WebSocket (docs/dashboard.md, "Security"). A browser lets any web
 * page open a WebSocket to any address, with the user's network position, and the server is the
 * only one who can say no: without this check a hostile page the user visits could read the
 * functions' logs from `ws://127.0.0.1:9000/_lamina/live`. Browsers always send `Origin` on a
 * WebSocket handshake and a page cannot forge it, so the socket is accepted only when the page
 * came from this very server: `Origin` names the same host and port as `Host`.
 *
 * That alone does not stop DNS rebinding (a hostile name that resolves to 127.0.0.1 makes its
 * page "same-origin" with the server), so on a loopback address the `Host` must also be a
 * loopback name: `localhost`, `127.x.x.x` or `[::1]`.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { isIP } from 'node:net';

export type OriginVerdict = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** `localhost`, `*.localhost`, `127.0.0.0/8` and `::1`: names that can only mean this machine. */
export function isLoopbackName(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  if (isIP(name) === 4) return name.startsWith('127.');
  return name === '::1' || name === '0:0:0:0:0:0:0:1';
}

function hostOf(text: string, scheme: string): string | undefined {
  try {
    const url = new URL(`${scheme}//${text}`);
    // A Host header is host[:port] and nothing else.
    if (url.username !== '' || url.password !== '' || url.pathname !== '/' || url.search !== '' || url.hash !== '') return undefined;
    return url.host;
  } catch {
    return undefined;
  }
}

/**
 * Whether a WebSocket handshake comes from a page this server served. `boundHost` is the address
 * the server binds (`--host`).
 *
 * @example
 * checkOrigin({ host: '127.0.0.1:9000', origin: 'http://127.0.0.1:9000' }, '127.0.0.1') // { ok: true }
 * checkOrigin({ host: '127.0.0.1:9000', origin: 'http://evil.example' }, '127.0.0.1') // { ok: false, ... }
 */
export function checkOrigin(headers: IncomingHttpHeaders, boundHost: string): OriginVerdict {
  const origin = headers.origin;
  const host = headers.host;
  if (origin === undefined || origin === '' || origin === 'null') return { ok: false, reason: 'no Origin header: only the dashboard page may connect' };
  if (host === undefined || host === '') return { ok: false, reason: 'no Host header' };
  let originUrl: URL;
  try {
    originUrl = new URL(origin);
  } catch {
    return { ok: false, reason: `Origin ${JSON.stringify(origin)} is not a URL` };
  }
  if (originUrl.protocol !== 'http:' && originUrl.protocol !== 'https:') return { ok: false, reason: `Origin ${origin} is not an http page` };
  const expected = hostOf(host, originUrl.protocol);
  if (expected === undefined || originUrl.host !== expected) return { ok: false, reason: `Origin ${origin} is not this server (${host})` };
  if (isLoopbackName(boundHost) && !isLoopbackName(originUrl.hostname)) return { ok: false, reason: `Host ${host} is not a loopback name (DNS rebinding?)` };
  return { ok: true };
}
