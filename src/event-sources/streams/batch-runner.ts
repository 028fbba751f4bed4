/**
 * What a stream mapping does with one batch until it is done with it (docs/event-sources-kinesis.md,
 * "Errors"): the records of a shard (or of one key group of it) wait behind the batch, so it ends
 * only when every record was processed or discarded.
 *
 * - success: done;
 * - `batchItemFailures` (ReportBatchItemFailures): the records before the lowest failed sequence
 *   number are done (the checkpoint); the rest, the failed record first, is retried;
 * - function error (or an answer Lambda cannot read): with `BisectBatchOnFunctionError` a batch
 *   of two or more records is split in two halves, retried one after the other, without spending
 *   a retry; a single record, or a batch without bisecting, spends one;
 * - once a part has spent more than `MaximumRetryAttempts`, or its first records are older than
 *   `MaximumRecordAgeInSeconds`, they are discarded (described to the OnFailure destination);
 * - an invoke refused before the function ran (throttled) is retried after a pause, spending
 *   nothing, until the records age out.
 */
import type { StreamRecord } from './stream-types.js';
import type { DiscardCondition } from './failure-record.js';

/** What one invoke of a batch gave. */
export type BatchAttempt =
  | { readonly kind: 'success' }
  /** Sequence numbers the function reported (all in the batch). */
  | { readonly kind: 'partial'; readonly failed: ReadonlySet<string> }
  | { readonly kind: 'failure'; readonly reason: string }
  /** The function did not run (throttled, gone): no retry is spent. */
  | { readonly kind: 'refused'; readonly reason: string };

export interface BatchSettings {
  readonly bisect: boolean;
  /** -1: no limit. */
  readonly maximumRetryAttempts: number;
  /** -1: no limit. */
  readonly maximumRecordAgeMs: number;
}

export interface BatchDeps {
  invoke(records: readonly StreamRecord[]): Promise<BatchAttempt>;
  /** Hand discarded records over (to the OnFailure destination); `invokes` made with them. */
  discard(records: readonly StreamRecord[], condition: DiscardCondition, invokes: number): Promise<void>;
  /** Pause before retrying (after a refusal, or between retries of a record that keeps failing). */
  pause(kind: 'refused' | 'retry', attempts: number): Promise<void>;
  now(): number;
  /** The mapping stops: give up the batch where it is (its records stay unprocessed). */
  stopped(): boolean;
}

export interface BatchReport {
  invokes: number;
  /** Records the function processed (successes and the records before a partial checkpoint). */
  processed: number;
  discarded: number;
  bisections: number;
}

interface Part {
  records: readonly StreamRecord[];
  /** Retries spent. */
  attempts: number;
  /** Invokes made with these records. */
  invokes: number;
}

/**
 * Runs a batch to its end.
 *
 * @example
 * const report = await runBatch(records, { bisect: true, maximumRetryAttempts: 2, maximumRecordAgeMs: -1 }, deps);
 */
export async function runBatch(records: readonly StreamRecord[], settings: BatchSettings, deps: BatchDeps): Promise<BatchReport> {
  const report: BatchReport = { invokes: 0, processed: 0, discarded: 0, bisections: 0 };
  const parts: Part[] = records.length === 0 ? [] : [{ records, attempts: 0, invokes: 0 }];
  while (parts.length > 0 && !deps.stopped()) {
    const part = parts[0] as Part;
    const expired = expiredPrefix(part.records, settings.maximumRecordAgeMs, deps.now());
    if (expired > 0) {
      await deps.discard(part.records.slice(0, expired), 'RecordAgeExceeded', part.invokes);
      report.discarded += expired;
      part.records = part.records.slice(expired);
      if (part.records.length === 0) parts.shift();
      continue;
    }
    const attempt = await deps.invoke(part.records);
    if (attempt.kind === 'refused') {
      await deps.pause('refused', part.attempts);
      continue;
    }
    report.invokes += 1;
    part.invokes += 1;
    if (attempt.kind === 'success') {
      report.processed += part.records.length;
      parts.shift();
      continue;
    }
    if (attempt.kind === 'partial') {
      const from = part.records.findIndex((r) => attempt.failed.has(r.sequenceNumber));
      report.processed += Math.max(0, from);
      part.records = part.records.slice(Math.max(0, from));
    } else if (settings.bisect && part.records.length > 1) {
      // Halves keep the retries already spent: splitting spends none.
      const half = Math.ceil(part.records.length / 2);
      parts.splice(0, 1, { records: part.records.slice(0, half), attempts: part.attempts, invokes: 0 }, { records: part.records.slice(half), attempts: part.attempts, invokes: 0 });
      report.bisections += 1;
      continue;
    }
    part.attempts += 1;
    if (settings.maximumRetryAttempts !== -1 && part.attempts > settings.maximumRetryAttempts) {
      await deps.discard(part.records, 'RetryAttemptsExhausted', part.invokes);
      report.discarded += part.records.length;
      parts.shift();
      continue;
    }
    await deps.pause('retry', part.attempts);
  }
  return report;
}

/** How many records at the front are older than the maximum age (records arrive in order). */
function expiredPrefix(records: readonly StreamRecord[], maximumAgeMs: number, now: number): number {
  if (maximumAgeMs < 0) return 0;
  let count = 0;
  while (count < records.length && now - (records[count]?.arrivalMs ?? now) > maximumAgeMs) count += 1;
  return count;
}
