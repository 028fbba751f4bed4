/**
 * The HTTP request behind the front-end kinds of `lamina event generate` (API Gateway, ALB,
 * function URLs): the `FrontRequest` a listener would read from the wire, made from the options
 * they share, so the front end's own event builder turns it into the event.
 */
import { ConfigError } from '../../errors.js';
import type { FrontRequest } from '../../front-ends/http-request.js';
import type { GeneratorOption, OptionValues } from './generator-types.js';
import { optionalText, pairs, text } from './option-values.js';

/** The options every HTTP kind takes, with a default path suited to the kind. */
export function requestOptions(defaultPath: string): GeneratorOption[] {
  return [
    { name: 'method', description: 'The HTTP method', default: 'GET' },
    { name: 'path', description: 'The request path, percent-encoded as sent', default: defaultPath },
    { name: 'query', description: "The query string, without '?' (e.g. 'a=1&b=2')", default: '' },
    { name: 'body', description: 'The request body (none by default)' },
    { name: 'content-type', description: 'The Content-Type header of the body', default: 'application/json' },
    { name: 'header', description: 'A request header NAME=VALUE (repeatable)', multiple: true },
  ];
}

const METHOD = /^[A-Z]{1,16}$/;
/** RFC 9110's token: what a header name may hold. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * The request, as the listener reads it: header names lower case, the host header first.
 *
 * @example sampleRequest({ method: 'GET', path: '/x' }, 'abc.execute-api.us-east-1.amazonaws.com', new Date())
 */
export function sampleRequest(values: OptionValues, host: string, now: Date): FrontRequest {
  const method = text(values, 'method').toUpperCase();
  if (!METHOD.test(method)) throw new ConfigError(`--method must be an HTTP method such as GET or POST, got ${JSON.stringify(text(values, 'method'))}`);
  const path = text(values, 'path');
  if (!path.startsWith('/') || /[\s?#]/.test(path)) throw new ConfigError(`--path must start with '/' and hold no spaces, '?' or '#', got ${JSON.stringify(path)}`);
  const query = text(values, 'query').replace(/^\?/, '');
  const body = optionalText(values, 'body');
  const given = pairs(values, 'header').map(([name, value]) => {
    // What no HTTP request can carry, no front end can see: refused rather than put in the event.
    if (!TOKEN.test(name)) throw new ConfigError(`--header name ${JSON.stringify(name)} is not an HTTP header name`);
    if (/[\r\n\0]/.test(value)) throw new ConfigError(`--header ${name}: a value may not hold CR, LF or NUL`);
    return [name.toLowerCase(), value] as const;
  });
  const headers: Array<readonly [string, string]> = [['host', host], ['user-agent', 'lamina-event-generate'], ['accept', '*/*']];
  if (body !== undefined) headers.push(['content-type', text(values, 'content-type')], ['content-length', String(Buffer.byteLength(body))]);
  // A header the user gives replaces the sample's own of that name.
  const merged = [...headers.filter(([name]) => !given.some(([g]) => g === name)), ...given];
  const rawNames = new Map<string, string>();
  for (const [name] of pairs(values, 'header')) if (!rawNames.has(name.toLowerCase())) rawNames.set(name.toLowerCase(), name);
  return {
    method,
    rawPath: path,
    rawQueryString: query,
    headers: merged,
    rawNames,
    body: Buffer.from(body ?? ''),
    sourceIp: '127.0.0.1',
    protocol: 'HTTP/1.1',
    receivedAt: now.getTime(),
  };
}
