/**
 * Parse an Extensions API request line into a typed action (docs/extensions.md). Beside
 * `routes.ts` (the Runtime API proper): one module per API area, answered by the same listener.
 */

export const EXTENSION_API_PREFIX = '/2020-01-01/extension';

export type ExtensionApiAction =
  | { readonly kind: 'extension-register' }
  | { readonly kind: 'extension-next' }
  | { readonly kind: 'extension-init-error' }
  | { readonly kind: 'extension-exit-error' };

const PATHS: Readonly<Record<string, { readonly method: string; readonly action: ExtensionApiAction }>> = {
  [`${EXTENSION_API_PREFIX}/register`]: { method: 'POST', action: { kind: 'extension-register' } },
  [`${EXTENSION_API_PREFIX}/event/next`]: { method: 'GET', action: { kind: 'extension-next' } },
  [`${EXTENSION_API_PREFIX}/init/error`]: { method: 'POST', action: { kind: 'extension-init-error' } },
  [`${EXTENSION_API_PREFIX}/exit/error`]: { method: 'POST', action: { kind: 'extension-exit-error' } },
};

/**
 * The action for an Extensions API path, `{ allowed }` when the method is wrong, or undefined when
 * the path is not one of this API's.
 *
 * @example
 * parseExtensionApiRequest('GET', '/2020-01-01/extension/event/next') // { kind: 'extension-next' }
 * parseExtensionApiRequest('GET', '/2020-01-01/extension/register') // { allowed: 'POST' }
 */
export function parseExtensionApiRequest(method: string, path: string): ExtensionApiAction | { readonly allowed: string } | undefined {
  const known = Object.hasOwn(PATHS, path) ? PATHS[path] : undefined;
  if (known === undefined) return undefined;
  return method === known.method ? known.action : { allowed: known.method };
}
