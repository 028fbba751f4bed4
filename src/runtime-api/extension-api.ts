/**
 * The Extensions API's HTTP side (docs/extensions.md): headers and bodies are checked here, in the
 * order Lambda checks them; what a call means is the environment's phase machine's to decide
 * (`ExtensionApiTarget`). Served by the environment's Runtime API listener.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RUNTIME_API_ERRORS, runtimeApiErrorBody, type RuntimeApiErrorCode } from '../errors.js';
import type { ExtensionApiAction } from './extension-routes.js';
import {
  EXTENSION_EVENT_TYPES,
  type ExtensionApiTarget,
  type ExtensionEvent,
  type ExtensionEventType,
  type ExtensionEventWaiter,
  type ExtensionRefusal,
} from './extension-api-target.js';
import { readBody } from './read-body.js';

const NAME_HEADER = 'lambda-extension-name';
const IDENTIFIER_HEADER = 'lambda-extension-identifier';
const ERROR_TYPE_HEADER = 'lambda-extension-function-error-type';
const ACCEPT_FEATURE_HEADER = 'lambda-extension-accept-feature';
/** A register body is a short list of event names; an error report as large as a runtime's. */
const MAX_REGISTER_BYTES = 64 * 1024;
const MAX_ERROR_BYTES = 6_291_556;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...headers, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function refuse(res: ServerResponse, refusal: ExtensionRefusal): void {
  send(res, RUNTIME_API_ERRORS[refusal.code].status, runtimeApiErrorBody(refusal.code, refusal.message));
}

function refusal(code: RuntimeApiErrorCode, message: string): ExtensionRefusal {
  return { code, message };
}

function header(req: IncomingMessage, name: string): string {
  const value = req.headers[name];
  return (Array.isArray(value) ? value[0] : value) ?? '';
}

/**
 * The events of a register body, or why it is refused.
 *
 * @example
 * parseRegisterBody(Buffer.from('{"events":["INVOKE"]}')) // ['INVOKE']
 * parseRegisterBody(Buffer.from('{"events":["BOOT"]}')) // { code: 'LAMINA_ERR_EXTENSION_INVALID_EVENT_TYPE', ... }
 */
export function parseRegisterBody(body: Buffer): ExtensionEventType[] | ExtensionRefusal {
  let parsed: unknown;
  try {
    parsed = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
  } catch {
    return refusal('LAMINA_ERR_EXTENSION_INVALID_REQUEST', 'The body is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return refusal('LAMINA_ERR_EXTENSION_INVALID_REQUEST', 'The body must be a JSON object with an events array');
  }
  const { events = [], configurationKeys } = parsed as { events?: unknown; configurationKeys?: unknown };
  if (Array.isArray(configurationKeys) && configurationKeys.length > 0) {
    return refusal('LAMINA_ERR_EXTENSION_INVALID_REQUEST', 'configurationKeys are deprecated; use environment variables instead');
  }
  if (!Array.isArray(events) || !events.every((event): event is string => typeof event === 'string')) {
    return refusal('LAMINA_ERR_EXTENSION_INVALID_REQUEST', 'The body must be a JSON object with an events array');
  }
  const unknown = events.find((event) => !(EXTENSION_EVENT_TYPES as readonly string[]).includes(event));
  if (unknown !== undefined) return refusal('LAMINA_ERR_EXTENSION_INVALID_EVENT_TYPE', `${unknown}: unknown event type`);
  return [...new Set(events as ExtensionEventType[])];
}

/** The caller's identifier, or why it cannot be one (checked before anything else, as Lambda does). */
function identifier(req: IncomingMessage): string | ExtensionRefusal {
  const id = header(req, IDENTIFIER_HEADER);
  if (id === '') return refusal('LAMINA_ERR_EXTENSION_MISSING_IDENTIFIER', 'Missing Lambda-Extension-Identifier header');
  if (!UUID.test(id)) return refusal('LAMINA_ERR_EXTENSION_INVALID_IDENTIFIER', 'Invalid Lambda-Extension-Identifier');
  return id.toLowerCase();
}

function parkedEvent(res: ServerResponse): ExtensionEventWaiter {
  return {
    deliver: (event: ExtensionEvent) => {
      send(res, 200, JSON.stringify(event), { 'Lambda-Extension-Event-Identifier': crypto.randomUUID() });
    },
    get closed() {
      return res.destroyed || res.writableEnded || res.socket === null || !res.socket.writable;
    },
  };
}

async function register(target: ExtensionApiTarget, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readBody(req, MAX_REGISTER_BYTES);
  if (body === 'aborted') return;
  const name = header(req, NAME_HEADER);
  if (name === '') return refuse(res, refusal('LAMINA_ERR_EXTENSION_INVALID_NAME', 'Empty extension name'));
  if (body === 'too-large') return refuse(res, refusal('LAMINA_ERR_EXTENSION_INVALID_REQUEST', 'The register body is too large'));
  const events = parseRegisterBody(body);
  if (!Array.isArray(events)) return refuse(res, events);
  const registered = target.register(name, events);
  if ('code' in registered) return refuse(res, registered);
  const { id, functionName, functionVersion, handler, accountId } = registered;
  // The account id only for extensions that say they understand it (Lambda-Extension-Accept-Feature).
  const features = header(req, ACCEPT_FEATURE_HEADER).split(',').map((feature) => feature.trim());
  const answer = features.includes('accountId') ? { functionName, functionVersion, handler, accountId } : { functionName, functionVersion, handler };
  send(res, 200, JSON.stringify(answer), { 'Lambda-Extension-Identifier': id });
}

async function reportError(target: ExtensionApiTarget, req: IncomingMessage, res: ServerResponse, phase: 'init' | 'exit'): Promise<void> {
  const body = await readBody(req, MAX_ERROR_BYTES);
  if (body === 'aborted') return;
  const id = identifier(req);
  if (typeof id !== 'string') return refuse(res, id);
  const errorType = header(req, ERROR_TYPE_HEADER);
  if (errorType === '') return refuse(res, refusal('LAMINA_ERR_EXTENSION_MISSING_HEADER', 'Lambda-Extension-Function-Error-Type not found'));
  if (body === 'too-large') return refuse(res, refusal('LAMINA_ERR_RUNTIME_PAYLOAD_TOO_LARGE', 'Error report too large'));
  const refused = target.reportError(id, phase, errorType, body);
  if (refused !== undefined) return refuse(res, refused);
  send(res, 202, '{"status":"OK"}');
}

/**
 * Answer one Extensions API call.
 *
 * @example
 * handleExtensionApi(environment.extensions, { kind: 'extension-next' }, req, res);
 */
export function handleExtensionApi(target: ExtensionApiTarget, action: ExtensionApiAction, req: IncomingMessage, res: ServerResponse): void {
  switch (action.kind) {
    case 'extension-register':
      register(target, req, res).catch(() => res.destroy());
      return;
    case 'extension-next': {
      // Drained for the same reason as the runtime's /next: an unread body hides a hang-up.
      req.resume();
      const id = identifier(req);
      if (typeof id !== 'string') return refuse(res, id);
      const refused = target.next(id, parkedEvent(res));
      if (refused !== undefined) refuse(res, refused);
      return;
    }
    case 'extension-init-error':
    case 'extension-exit-error':
      reportError(target, req, res, action.kind === 'extension-init-error' ? 'init' : 'exit').catch(() => res.destroy());
      return;
  }
}
