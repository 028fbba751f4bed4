/**
 * The X-Ray trace header of an invocation, decided as Lambda decides it (docs/xray.md): a caller's
 * sampling decision is kept (`Sampled=1` is traced whatever the function's mode, `Sampled=0` never
 * is); without one, a function with `Tracing: Active` samples (every request, locally) and one in
 * `PassThrough` does not. A traced invocation's `Parent` becomes the id of the platform's
 * `AWS::Lambda::Function` segment, so what the function's X-Ray SDK sends hangs under it.
 *
 * Hot path: one `indexOf` for a header that is not traced; a traced one is split once.
 */
import type { FunctionConfig } from '../../config/function-config.js';
import { newSegmentId, newTraceId } from '../../platform/ids.js';

/** A trace header's fields; `rest` keeps the others (`Lineage=...`, a caller's own) in order. */
export interface TraceHeader {
  readonly root: string;
  readonly parent: string | undefined;
  readonly sampled: '0' | '1' | '?' | undefined;
  readonly rest: readonly string[];
}

/** `1-` + 8 hex digits of epoch seconds + `-` + 24 hex digits. */
const ROOT = /^1-[0-9a-f]{8}-[0-9a-f]{24}$/;
/** A segment id: 16 hex digits. */
export const SEGMENT_ID = /^[0-9a-f]{16}$/;

/**
 * @example
 * parseTraceHeader('Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1');
 * // { root: '1-5759e988-bd862e3fe1be46a994272793', parent: '53995c3f42cd8ad8', sampled: '1', rest: [] }
 */
export function parseTraceHeader(header: string): TraceHeader | undefined {
  let root: string | undefined;
  let parent: string | undefined;
  let sampled: TraceHeader['sampled'];
  const rest: string[] = [];
  // A header is at most a few hundred bytes; a hostile one is cut rather than split without end.
  for (const raw of header.slice(0, 2048).split(';', 64)) {
    const part = raw.trim();
    if (part.startsWith('Root=')) root = part.slice(5);
    else if (part.startsWith('Parent=')) parent = part.slice(7);
    else if (part.startsWith('Sampled=')) {
      const value = part.slice(8);
      sampled = value === '1' || value === '0' || value === '?' ? value : undefined;
    } else if (part !== '') rest.push(part);
  }
  if (root === undefined || !ROOT.test(root)) return undefined;
  return { root, parent: parent !== undefined && SEGMENT_ID.test(parent) ? parent : undefined, sampled, rest };
}

/** @example formatTraceHeader({ root: '1-...', parent: 'abc...', sampled: '1', rest: [] }) // 'Root=1-...;Parent=abc...;Sampled=1' */
export function formatTraceHeader(header: TraceHeader): string {
  const parts = [`Root=${header.root}`];
  if (header.parent !== undefined) parts.push(`Parent=${header.parent}`);
  if (header.sampled !== undefined) parts.push(`Sampled=${header.sampled}`);
  return [...parts, ...header.rest].join(';');
}

/** `Tracing: Active` in the template, or `TracingConfig.Mode: Active` through the management API. */
export function tracingActive(fn: FunctionConfig): boolean {
  return fn.tracing === 'Active' || fn.management?.tracingMode === 'Active';
}

/** A traced invocation's header says so at its end or before another field. */
export function isSampled(header: string): boolean {
  const at = header.indexOf('Sampled=1');
  return at > 0 && (at + 9 === header.length || header.charCodeAt(at + 9) === 59 /* ; */);
}

/**
 * The header an invocation runs with, when X-Ray is on. A header that is not traced is left as
 * the caller sent it (only an undecided `Sampled=?` becomes `Sampled=0`); a traced one gets a
 * new `Parent` (the function segment's id) and `Sampled=1`; an unreadable one is replaced.
 *
 * @example
 * invocationTraceHeader(undefined, activeFn, Date.now()) // 'Root=1-...;Parent=<16 hex>;Sampled=1'
 */
export function invocationTraceHeader(caller: string | undefined, fn: FunctionConfig, nowMs: number): string {
  const active = tracingActive(fn);
  if (caller === undefined) return active ? newTraceId(nowMs, '1') : newTraceId(nowMs);
  const parsed = parseTraceHeader(caller);
  if (parsed === undefined) return active ? newTraceId(nowMs, '1') : newTraceId(nowMs);
  const sampled = parsed.sampled === '1' || (active && parsed.sampled !== '0');
  if (!sampled) return parsed.sampled === '0' ? caller : formatTraceHeader({ ...parsed, sampled: '0' });
  return formatTraceHeader({ ...parsed, parent: newSegmentId(), sampled: '1' });
}
