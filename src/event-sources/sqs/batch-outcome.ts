/**
 * What an SQS mapping does with a batch after the invoke (docs/event-sources.md): delete all of it,
 * delete all but the items the function reported as failed, or delete nothing.
 *
 * Lambda's rules for `ReportBatchItemFailures`: an empty, null or missing `batchItemFailures` (or an
 * empty or null answer) is a complete success; an answer that is not valid JSON, an item without
 * an `itemIdentifier` (a null or empty one, or a bad key name) or an identifier that names no
 * message of the batch makes the whole batch fail.
 */
import type { InvocationResult } from '../../platform/invoke-types.js';

export type BatchOutcome =
  /** Delete every message of the batch. */
  | { readonly kind: 'success' }
  /** Delete every message but these (message ids, all in the batch). */
  | { readonly kind: 'partial'; readonly failed: ReadonlySet<string> }
  /** Delete nothing: the messages come back after the visibility timeout. */
  | { readonly kind: 'failure'; readonly reason: string };

/**
 * Reads a `{"batchItemFailures":[{"itemIdentifier":...}]}` answer for a batch of `messageIds`.
 *
 * @example
 * parseBatchItemFailures(Buffer.from('{"batchItemFailures":[{"itemIdentifier":"m2"}]}'), ['m1', 'm2']);
 * // { kind: 'partial', failed: Set { 'm2' } }
 */
export function parseBatchItemFailures(payload: Buffer, messageIds: readonly string[]): BatchOutcome {
  const text = payload.toString('utf8').trim();
  if (text === '') return { kind: 'success' };
  let answer: unknown;
  try {
    answer = JSON.parse(text);
  } catch {
    return { kind: 'failure', reason: 'the batchItemFailures answer is not valid JSON' };
  }
  if (answer === null) return { kind: 'success' };
  // An answer of another JSON type cannot be read as the response object at all.
  if (typeof answer !== 'object' || Array.isArray(answer)) return { kind: 'failure', reason: 'the batchItemFailures answer is not a JSON object' };
  const items = (answer as Record<string, unknown>)['batchItemFailures'];
  if (items === undefined || items === null) return { kind: 'success' };
  if (!Array.isArray(items)) return { kind: 'failure', reason: 'batchItemFailures is not a list' };
  const known = new Set(messageIds);
  const failed = new Set<string>();
  for (const item of items as unknown[]) {
    const id = typeof item === 'object' && item !== null ? (item as Record<string, unknown>)['itemIdentifier'] : undefined;
    if (typeof id !== 'string' || id === '') return { kind: 'failure', reason: 'a batchItemFailures item has no itemIdentifier' };
    if (!known.has(id)) return { kind: 'failure', reason: `itemIdentifier ${JSON.stringify(id).slice(0, 80)} names no message of the batch` };
    failed.add(id);
  }
  return failed.size === 0 ? { kind: 'success' } : { kind: 'partial', failed };
}

/**
 * The outcome of one invoke's result for a batch.
 *
 * @example
 * const outcome = await batchOutcome(invokeOutcome.result, true, ids);
 */
export async function batchOutcome(result: InvocationResult, reportBatchItemFailures: boolean, messageIds: readonly string[]): Promise<BatchOutcome> {
  switch (result.kind) {
    case 'function-error':
      return { kind: 'failure', reason: `function error ${result.error.errorType}` };
    case 'response':
      return reportBatchItemFailures ? parseBatchItemFailures(result.payload, messageIds) : { kind: 'success' };
    case 'stream': {
      // Mappings never ask for a stream; should one come, its end decides, and its bytes are the answer.
      const chunks: Buffer[] = [];
      for await (const chunk of result.stream.body) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
      const error = await result.stream.completion;
      if (error !== undefined) return { kind: 'failure', reason: `function error ${error.errorType}` };
      return reportBatchItemFailures ? parseBatchItemFailures(Buffer.concat(chunks), messageIds) : { kind: 'success' };
    }
  }
}
