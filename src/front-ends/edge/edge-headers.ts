/**
 * CloudFront's header rules for Lambda@Edge results (docs/http-front-ends.md, "Lambda@Edge"):
 * headers a function never sees and may not add, headers it may read but not change (per event
 * type), and the shape of the header map itself. A broken rule is CloudFront's 502
 * `LambdaValidationError`.
 */
import type { CloudFrontHeaders } from 'aws-lambda';
import type { EdgeEventType } from '../../config/edge-distributions.js';
import { isPlainObject } from '../../config/cfn-intrinsics.js';

/** Not exposed to functions, and refused when a function adds them. */
const DISALLOWED: ReadonlySet<string> = new Set([
  'connection', 'expect', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection', 'trailer', 'upgrade',
  'x-accel-buffering', 'x-accel-charset', 'x-accel-limit-rate', 'x-accel-redirect', 'x-amzn-auth', 'x-amzn-cf-billing', 'x-amzn-cf-id',
  'x-amzn-cf-xff', 'x-amzn-errortype', 'x-amzn-fle-profile', 'x-amzn-header-count', 'x-amzn-header-order', 'x-amzn-lambda-integration-tag',
  'x-amzn-requestid', 'x-cache', 'x-forwarded-proto', 'x-real-ip',
]);
const DISALLOWED_PREFIXES = ['x-amz-cf-', 'x-edge-'];

/** Readable, but a function may not add, change or remove them. */
export const READ_ONLY_HEADERS: Readonly<Record<EdgeEventType, readonly string[]>> = {
  'viewer-request': ['content-length', 'host', 'transfer-encoding', 'via'],
  'origin-request': ['accept-encoding', 'content-length', 'if-modified-since', 'if-none-match', 'if-range', 'if-unmodified-since', 'range', 'transfer-encoding', 'via'],
  'origin-response': ['transfer-encoding', 'via'],
  'viewer-response': ['content-encoding', 'content-length', 'transfer-encoding', 'warning', 'via'],
};

/** @example isDisallowedHeader('X-Edge-Location') // true */
export function isDisallowedHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return DISALLOWED.has(lower) || DISALLOWED_PREFIXES.some((p) => lower.startsWith(p));
}

/** A viewer's header pairs without the ones CloudFront hides from functions. */
export function exposedPairs(pairs: ReadonlyArray<readonly [string, string]>): Array<readonly [string, string]> {
  return pairs.filter(([name]) => !isDisallowedHeader(name));
}

/**
 * Check a function's header map: a map of lists of `{key?, value}` strings, keys lower case and
 * matching their entries' `key`, no disallowed header, read-only ones as they were (`before`;
 * undefined for a generated response, where only the disallowed rule applies).
 * Answers why it fails, or undefined.
 *
 * @example headerProblem({ host: [{ key: 'Host', value: 'x' }] }, 'viewer-request', { host: [{ key: 'Host', value: 'y' }] }) // 'The function tried to add, delete, or change a read-only header'
 */
export function headerProblem(raw: unknown, type: EdgeEventType, before: CloudFrontHeaders | undefined): string | undefined {
  if (!isPlainObject(raw)) return 'The headers are not a map of lists';
  for (const [name, list] of Object.entries(raw)) {
    if (name !== name.toLowerCase()) return `The header name ${name} is not lower case`;
    if (!Array.isArray(list)) return `The header ${name} is not a list`;
    for (const entry of list) {
      if (!isPlainObject(entry) || typeof entry.value !== 'string') return `The header ${name} has an entry without a string value`;
      if (entry.key !== undefined && (typeof entry.key !== 'string' || entry.key.toLowerCase() !== name)) return `The header ${name} has an entry whose key does not match`;
      if (/[\r\n]/.test(entry.value)) return `The header ${name} has a value with a line break`;
    }
    if (isDisallowedHeader(name)) return `The function tried to add a disallowed header (${name})`;
  }
  if (before === undefined) return undefined;
  const headers = raw as CloudFrontHeaders;
  for (const name of READ_ONLY_HEADERS[type]) {
    const was = (before[name] ?? []).map((e) => e.value);
    const now = (headers[name] ?? []).map((e) => e.value);
    if (was.length !== now.length || was.some((v, i) => v !== now[i])) return 'The function tried to add, delete, or change a read-only header';
  }
  return undefined;
}
