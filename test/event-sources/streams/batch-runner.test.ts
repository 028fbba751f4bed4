/**
 * The batch runner's rules (src/event-sources/streams/batch-runner.ts) with a scripted function:
 * which records each invoke gets, which are discarded and why.
 */
import { describe, expect, it } from 'vitest';
import { runBatch, type BatchAttempt, type BatchSettings } from '../../../src/event-sources/streams/batch-runner.js';
import type { DiscardCondition } from '../../../src/event-sources/streams/failure-record.js';
import type { StreamRecord } from '../../../src/event-sources/streams/stream-types.js';

const records = (count: number, arrivalMs = 1_000): StreamRecord[] =>
  Array.from({ length: count }, (_, i) => ({ sequenceNumber: String(100 + i), partitionKey: 'k', data: Buffer.from(String(i)), arrivalMs: arrivalMs + i }));

/** Runs with a function that decides from the batch; answers the invokes and discards made. */
async function run(batch: StreamRecord[], settings: Partial<BatchSettings>, decide: (seqs: string[]) => BatchAttempt, now = 2_000) {
  const invokes: string[][] = [];
  const discarded: Array<{ seqs: string[]; condition: DiscardCondition; invokes: number }> = [];
  const pauses: string[] = [];
  const report = await runBatch(batch, { bisect: false, maximumRetryAttempts: -1, maximumRecordAgeMs: -1, ...settings }, {
    invoke: async (rs) => {
      const seqs = rs.map((r) => r.sequenceNumber);
      invokes.push(seqs);
      if (invokes.length > 200) throw new Error('runaway');
      return decide(seqs);
    },
    discard: async (rs, condition, count) => { discarded.push({ seqs: rs.map((r) => r.sequenceNumber), condition, invokes: count }); },
    pause: async (kind) => { pauses.push(kind); },
    now: () => now,
    stopped: () => false,
  });
  return { invokes, discarded, pauses, report };
}

const poison = (seq: string) => (seqs: string[]): BatchAttempt => (seqs.includes(seq) ? { kind: 'failure', reason: 'poison' } : { kind: 'success' });

describe('runBatch', () => {
  it('invokes once and is done on success', async () => {
    const r = await run(records(3), {}, () => ({ kind: 'success' }));
    expect(r.invokes).toEqual([['100', '101', '102']]);
    expect(r.report).toEqual({ invokes: 1, processed: 3, discarded: 0, bisections: 0 });
  });

  it('retries the whole batch MaximumRetryAttempts times, then discards it', async () => {
    const r = await run(records(3), { maximumRetryAttempts: 2 }, poison('101'));
    expect(r.invokes).toHaveLength(3);
    expect(r.discarded).toEqual([{ seqs: ['100', '101', '102'], condition: 'RetryAttemptsExhausted', invokes: 3 }]);
    expect(r.pauses).toEqual(['retry', 'retry']);
  });

  it('MaximumRetryAttempts 0 discards after the first failure', async () => {
    const r = await run(records(2), { maximumRetryAttempts: 0 }, poison('100'));
    expect(r.invokes).toHaveLength(1);
    expect(r.discarded[0]?.invokes).toBe(1);
  });

  it('bisects without spending retries until the poison record is alone', async () => {
    const r = await run(records(8), { bisect: true, maximumRetryAttempts: 1 }, poison('105'));
    expect(r.invokes.map((s) => s.map((x) => Number(x) - 100))).toEqual([[0, 1, 2, 3, 4, 5, 6, 7], [0, 1, 2, 3], [4, 5, 6, 7], [4, 5], [4], [5], [5], [6, 7]]);
    expect(r.discarded).toEqual([{ seqs: ['105'], condition: 'RetryAttemptsExhausted', invokes: 2 }]);
    expect(r.report).toMatchObject({ processed: 7, discarded: 1, bisections: 3 });
  });

  it('isolates two poison records by bisecting, each discarded after its one invoke alone (no retries)', async () => {
    const r = await run(records(4), { bisect: true, maximumRetryAttempts: 0 }, (seqs) => (seqs.includes('100') || seqs.includes('103') ? { kind: 'failure', reason: 'x' } : { kind: 'success' }));
    expect(r.discarded.map((d) => d.seqs)).toEqual([['100'], ['103']]);
    expect(r.invokes.map((s) => s.join(','))).toEqual(['100,101,102,103', '100,101', '100', '101', '102,103', '102', '103']);
  });

  it('checkpoints before the lowest failed sequence number and retries from it', async () => {
    let first = true;
    const r = await run(records(6), { maximumRetryAttempts: 5 }, (seqs) => {
      if (!first) return { kind: 'success' };
      first = false;
      return { kind: 'partial', failed: new Set(['104', '102']) };
    });
    expect(r.invokes).toEqual([['100', '101', '102', '103', '104', '105'], ['102', '103', '104', '105']]);
    expect(r.report.processed).toBe(6);
  });

  it('a partial failure spends a retry; exhausted, the rest from the failed record is discarded', async () => {
    const r = await run(records(4), { maximumRetryAttempts: 1 }, () => ({ kind: 'partial', failed: new Set(['102']) }));
    expect(r.invokes).toEqual([['100', '101', '102', '103'], ['102', '103']]);
    expect(r.discarded).toEqual([{ seqs: ['102', '103'], condition: 'RetryAttemptsExhausted', invokes: 2 }]);
    expect(r.report.processed).toBe(2);
  });

  it('discards records older than the maximum age before invoking, the young ones go on', async () => {
    const old = records(2, 0);
    const young = records(2, 5_000).map((r, i) => ({ ...r, sequenceNumber: String(200 + i) }));
    const r = await run([...old, ...young], { maximumRecordAgeMs: 60_000 }, () => ({ kind: 'success' }), 61_000);
    expect(r.discarded).toEqual([{ seqs: ['100', '101'], condition: 'RecordAgeExceeded', invokes: 0 }]);
    expect(r.invokes).toEqual([['200', '201']]);
  });

  it('a refused invoke pauses and retries without spending a retry', async () => {
    let calls = 0;
    const r = await run(records(1), { maximumRetryAttempts: 0 }, () => (calls++ < 3 ? { kind: 'refused', reason: 'throttled' } : { kind: 'success' }));
    expect(r.pauses).toEqual(['refused', 'refused', 'refused']);
    expect(r.discarded).toEqual([]);
    expect(r.report).toMatchObject({ invokes: 1, processed: 1 });
  });

  it('with no retry limit, keeps retrying (here until the function recovers)', async () => {
    let calls = 0;
    const r = await run(records(2), {}, () => (calls++ < 30 ? { kind: 'failure', reason: 'x' } : { kind: 'success' }));
    expect(r.invokes).toHaveLength(31);
    expect(r.discarded).toEqual([]);
  });

  it('an empty batch invokes nothing', async () => {
    const r = await run([], {}, () => ({ kind: 'success' }));
    expect(r.invokes).toEqual([]);
  });
});
