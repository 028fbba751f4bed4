/**
 * Parse a Runtime API request line into a typed action (docs/runtime-api.md). The server hands
 * the action to the environment; nothing here knows about environments.
 */

import { parseExtensionApiRequest, type ExtensionApiAction } from './extension-routes.js';

export const RUNTIME_API_PREFIX = '/2018-06-01';

/** Largest buffered response a runtime may post: 6 MB plus Lambda's 100 bytes of slack. */
export const MAX_BUFFERED_RESPONSE_BYTES = 6_291_556;

export type RuntimeApiAction =
  | { readonly kind: 'next' }
  | { readonly kind: 'response'; readonly requestId: string }
  | { readonly kind: 'error'; readonly requestId: string }
  | { readonly kind: 'init-error' }
  | ExtensionApiAction
  | { readonly kind: 'method-not-allowed'; readonly allowed: string }
  | { readonly kind: 'not-found' };

const NEXT_PATH = `${RUNTIME_API_PREFIX}/runtime/invocation/next`;
const INIT_ERROR_PATH = `${RUNTIME_API_PREFIX}/runtime/init/error`;
const INVOCATION_PREFIX = `${RUNTIME_API_PREFIX}/runtime/invocation/`;
/** The actions without parameters, made once: `/next` is parsed once per invocation. */
const NEXT: RuntimeApiAction = Object.freeze({ kind: 'next' });
const NOT_FOUND: RuntimeApiAction = Object.freeze({ kind: 'not-found' });

/**
 * @example
 * parseRuntimeApiRequest('GET', '/2018-06-01/runtime/invocation/next') // { kind: 'next' }
 * parseRuntimeApiRequest('POST', '/2018-06-01/runtime/invocation/abc/response') // { kind: 'response', requestId: 'abc' }
 */
export function parseRuntimeApiRequest(method: string, rawUrl: string): RuntimeApiAction {
  const query = rawUrl.indexOf('?');
  const path = query < 0 ? rawUrl : rawUrl.slice(0, query);
  if (path === NEXT_PATH) {
    return method === 'GET' ? NEXT : { kind: 'method-not-allowed', allowed: 'GET' };
  }
  if (path === INIT_ERROR_PATH) {
    return method === 'POST' ? { kind: 'init-error' } : { kind: 'method-not-allowed', allowed: 'POST' };
  }
  const extension = parseExtensionApiRequest(method, path);
  if (extension !== undefined) return 'kind' in extension ? extension : { kind: 'method-not-allowed', allowed: extension.allowed };
  if (path.startsWith(INVOCATION_PREFIX)) {
    const rest = path.slice(INVOCATION_PREFIX.length);
    const slash = rest.indexOf('/');
    if (slash > 0 && rest.indexOf('/', slash + 1) < 0) {
      const verb = rest.slice(slash + 1);
      if (verb === 'response' || verb === 'error') {
        if (method !== 'POST') return { kind: 'method-not-allowed', allowed: 'POST' };
        let requestId: string;
        try {
          requestId = decodeURIComponent(rest.slice(0, slash));
        } catch {
          return NOT_FOUND;
        }
        return { kind: verb, requestId };
      }
    }
  }
  return NOT_FOUND;
}
