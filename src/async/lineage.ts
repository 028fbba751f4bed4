/**
 * Recursive loop detection (docs/async-invocation.md). Lambda counts, inside the X-Ray trace
 * header that travels with a chain of invocations (`X-Amzn-Trace-Id`, which the AWS SDK copies
 * from `_X_AMZN_TRACE_ID` onto every call a function makes, and SQS keeps as `AWSTraceHeader`), how
 * many times each function was reached, in a `Lineage=` field. Lamina writes the same field:
 * `Lineage=1:<8 hex digits of the function ARN's hash>:<count>`, entries joined by `|`. An invocation
 * that would be a function's 17th in one chain is stopped.
 */
import { createHash } from 'node:crypto';

/** Rounds of one function in one chain before Lambda stops it. */
export const RECURSION_LIMIT = 16;

/** A hard bound on the lineage field, so a hostile header cannot grow it without end. */
const MAX_ENTRIES = 32;

/** The 8-hex-digit key of a function in a lineage. */
export function lineageKey(functionArn: string): string {
  return createHash('sha256').update(functionArn).digest('hex').slice(0, 8);
}

/** The counts of a trace header's lineage, by function key (empty when there is none). */
export function parseLineage(traceHeader: string | undefined | null): Map<string, number> {
  const counts = new Map<string, number>();
  if (traceHeader === undefined || traceHeader === null) return counts;
  const field = traceHeader.split(';').find((part) => part.trim().startsWith('Lineage='));
  if (field === undefined) return counts;
  for (const entry of field.trim().slice('Lineage='.length).split('|').slice(0, MAX_ENTRIES)) {
    const parts = entry.split(':');
    // `1:key:count` (versioned) or the older `key:count`.
    const [key, count] = parts.length === 3 ? [parts[1], parts[2]] : [parts[0], parts[1]];
    const n = Number(count);
    if (key !== undefined && /^[0-9a-f]{8}$/.test(key) && Number.isInteger(n) && n >= 0) counts.set(key, Math.max(n, counts.get(key) ?? 0));
  }
  return counts;
}

/** What a new invocation of a function does with the chain it arrives in. */
export type LineageStep =
  | { readonly stop: false; readonly traceHeader: string; readonly round: number }
  | { readonly stop: true; readonly round: number };

/**
 * Count one more round of `functionArn` in the chain of `traceHeader` (a fresh chain when the header
 * is absent), and say whether the invocation goes ahead (always, when `allow`: `RecursiveLoop: Allow`).
 *
 * @example
 * const step = stepLineage('Root=1-...;Lineage=1:0a1b2c3d:15', fnArn);
 * if (step.stop) sendToFailureDestination();
 */
export function stepLineage(traceHeader: string | undefined | null, functionArn: string, newRoot: () => string, allow = false): LineageStep {
  const counts = parseLineage(traceHeader);
  const key = lineageKey(functionArn);
  const round = (counts.get(key) ?? 0) + 1;
  if (round > RECURSION_LIMIT && !allow) return { stop: true, round };
  // This function's entry goes first: the field is cut to MAX_ENTRIES when read, and a loop's own
  // count must survive the cut whatever else the chain (or a hostile caller) put in it. With
  // `RecursiveLoop: Allow` the count stays at the limit: the header does not grow without end.
  counts.delete(key);
  const entries: Array<[string, number]> = [[key, Math.min(round, RECURSION_LIMIT)], ...counts];
  const lineage = `Lineage=${entries.slice(0, MAX_ENTRIES).map(([k, n]) => `1:${k}:${n}`).join('|')}`;
  const base = traceHeader === undefined || traceHeader === null || traceHeader.trim() === '' ? newRoot() : traceHeader;
  const others = base.split(';').map((part) => part.trim()).filter((part) => part !== '' && !part.startsWith('Lineage='));
  return { stop: false, traceHeader: [...others, lineage].join(';'), round };
}
