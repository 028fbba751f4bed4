/**
 * The answers the lean Runtime API listener writes, byte for byte what `node:http` wrote for the
 * same calls before (docs/runtime-api-listener.md): the same status lines, headers in the same
 * order, `Date` (cached for its second, as node:http does) and `Connection: keep-alive`, bodies
 * with `Content-Length`. The head is one latin1 string, the body its own buffer, both in one
 * `writev`.
 */
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { RUNTIME_API_ERRORS, runtimeApiErrorBody, type RuntimeApiErrorCode } from '../../errors.js';
import type { RuntimeEvent } from '../runtime-api-target.js';

let dateSecond = -1;
let dateLine = '';

/** `Date: ...\r\n` for the current second. */
function date(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateLine = `Date: ${new Date(now).toUTCString()}\r\n`;
  }
  return dateLine;
}

/** Characters node:http refuses in a header value (`ERR_INVALID_CHAR`). */
const INVALID_HEADER_CHAR = /[^\t\x20-\x7e\x80-\xff]/;

function checked(name: string, value: string): string {
  if (INVALID_HEADER_CHAR.test(value)) {
    throw Object.assign(new TypeError(`Invalid character in header content ["${name}"]`), { code: 'ERR_INVALID_CHAR' });
  }
  return value;
}

function send(socket: Socket, head: string, body: Buffer | string): void {
  if (!socket.writable) return;
  socket.cork();
  socket.write(head, 'latin1');
  if (body.length > 0) socket.write(body);
  socket.uncork();
}

/**
 * An invocation for a `GET /next`; the headers of docs/runtime-api.md, an empty optional one left out.
 *
 * @example
 * writeEvent(socket, { requestId, deadlineMs, invokedFunctionArn, traceId, payload });
 */
export function writeEvent(socket: Socket, event: RuntimeEvent): void {
  let head =
    `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${event.payload.length}\r\n` +
    `Lambda-Runtime-Aws-Request-Id: ${checked('Lambda-Runtime-Aws-Request-Id', event.requestId)}\r\n` +
    `Lambda-Runtime-Deadline-Ms: ${event.deadlineMs}\r\n` +
    `Lambda-Runtime-Invoked-Function-Arn: ${checked('Lambda-Runtime-Invoked-Function-Arn', event.invokedFunctionArn)}\r\n` +
    `Lambda-Runtime-Trace-Id: ${checked('Lambda-Runtime-Trace-Id', event.traceId)}\r\n`;
  if (event.clientContext) head += `Lambda-Runtime-Client-Context: ${checked('Lambda-Runtime-Client-Context', event.clientContext)}\r\n`;
  if (event.tenantId) head += `Lambda-Runtime-Aws-Tenant-Id: ${checked('Lambda-Runtime-Aws-Tenant-Id', event.tenantId)}\r\n`;
  send(socket, `${head}${date()}Connection: keep-alive\r\n\r\n`, event.payload);
}

const ACCEPTED_BODY = '{"status":"OK"}';
const ACCEPTED_HEAD = `HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nContent-Length: ${ACCEPTED_BODY.length}\r\n`;

/** `202 {"status":"OK"}`: a response, error report or init error taken. */
export function writeAccepted(socket: Socket): void {
  if (!socket.writable) return;
  socket.write(`${ACCEPTED_HEAD}${date()}Connection: keep-alive\r\n\r\n${ACCEPTED_BODY}`, 'latin1');
}

/**
 * An error of the Runtime API catalogue; with `close`, `Connection: close` and the connection ends
 * once it is written.
 *
 * @example
 * writeError(socket, 'LAMINA_ERR_RUNTIME_INVALID_REQUEST_ID', 'Invalid request ID: "x"');
 */
export function writeError(socket: Socket, code: RuntimeApiErrorCode, message: string, close = false): void {
  const body = Buffer.from(runtimeApiErrorBody(code, message));
  const status = RUNTIME_API_ERRORS[code].status;
  const head =
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'unknown'}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n` +
    (close ? `Connection: close\r\n${date()}\r\n` : `${date()}Connection: keep-alive\r\n\r\n`);
  send(socket, head, body);
  if (close) socket.end();
}
