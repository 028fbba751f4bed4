/**
 * The Telemetry API (`PUT /2022-07-01/telemetry`) and the older Logs API (`PUT /2020-08-15/logs`)
 * on an environment's Runtime API listener (docs/telemetry.md). This module reads and validates
 * the request; the target (the environment) decides whether the subscription is taken.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RuntimeApiErrorCode } from '../errors.js';
import { readBody } from './read-body.js';
import { LOGS_API_PATH, parseTelemetrySubscription, TELEMETRY_API_PATH, type TelemetrySubscription } from './telemetry-subscription.js';

export const EXTENSION_IDENTIFIER_HEADER = 'lambda-extension-identifier';
/** A subscribe body is small; anything larger is refused unread. */
const MAX_SUBSCRIBE_BYTES = 64 * 1024;

export type TelemetryRoute =
  | { readonly kind: 'subscribe'; readonly api: 'telemetry' | 'logs' }
  | { readonly kind: 'method-not-allowed'; readonly allowed: string };

/** What the Runtime API asks of an environment for a subscribe request. */
export interface TelemetryTarget {
  subscribeTelemetry(identifier: string, subscription: TelemetrySubscription): RuntimeApiErrorCode | undefined;
}

/**
 * @example
 * parseTelemetryRoute('PUT', '/2022-07-01/telemetry') // { kind: 'subscribe', api: 'telemetry' }
 * parseTelemetryRoute('GET', '/2018-06-01/runtime/invocation/next') // undefined
 */
export function parseTelemetryRoute(method: string, path: string): TelemetryRoute | undefined {
  // Lambda's own documentation writes the path with a trailing slash.
  const bare = path.endsWith('/') ? path.slice(0, -1) : path;
  if (bare !== TELEMETRY_API_PATH && bare !== LOGS_API_PATH) return undefined;
  if (method !== 'PUT') return { kind: 'method-not-allowed', allowed: 'PUT' };
  return { kind: 'subscribe', api: bare === TELEMETRY_API_PATH ? 'telemetry' : 'logs' };
}

export type SubscribeAnswer = { readonly ok: true } | { readonly ok: false; readonly code: RuntimeApiErrorCode; readonly message: string };

const MESSAGES: Partial<Record<RuntimeApiErrorCode, string>> = {
  LAMINA_ERR_EXTENSION_UNKNOWN: 'Unknown extension identifier',
  LAMINA_ERR_TELEMETRY_SUBSCRIPTION_CLOSED: 'Telemetry API subscription is closed already',
  LAMINA_ERR_TELEMETRY_UNREACHABLE: 'Telemetry delivery into this environment is not supported yet',
};

/**
 * Read, validate and hand over one subscribe request.
 *
 * @example
 * const answer = await subscribe(environment, req, 'telemetry'); // { ok: true } -> 200 "OK"
 */
export async function subscribe(target: TelemetryTarget, req: IncomingMessage, api: 'telemetry' | 'logs'): Promise<SubscribeAnswer> {
  const header = req.headers[EXTENSION_IDENTIFIER_HEADER];
  const identifier = Array.isArray(header) ? header[0] : header;
  const body = await readBody(req, MAX_SUBSCRIBE_BYTES);
  if (identifier === undefined || identifier === '') {
    return { ok: false, code: 'LAMINA_ERR_EXTENSION_MISSING_IDENTIFIER', message: 'Missing Lambda-Extension-Identifier header' };
  }
  if (body === 'aborted' || body === 'too-large') {
    return { ok: false, code: 'LAMINA_ERR_TELEMETRY_VALIDATION', message: `The request body must be at most ${MAX_SUBSCRIBE_BYTES} bytes of JSON` };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return { ok: false, code: 'LAMINA_ERR_TELEMETRY_VALIDATION', message: 'The request body is not valid JSON' };
  }
  const subscription = parseTelemetrySubscription(parsed, api);
  if (typeof subscription === 'string') return { ok: false, code: 'LAMINA_ERR_TELEMETRY_VALIDATION', message: subscription };
  const refused = target.subscribeTelemetry(identifier, subscription);
  if (refused === undefined) return { ok: true };
  const message = MESSAGES[refused] ?? 'Subscription refused';
  return { ok: false, code: refused, message: refused === 'LAMINA_ERR_EXTENSION_UNKNOWN' ? `${message}: ${identifier}` : message };
}

/** Lambda answers a subscription with 200 and the text `OK`. */
export function sendSubscribed(res: ServerResponse): void {
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': 2 });
  res.end('OK');
}
