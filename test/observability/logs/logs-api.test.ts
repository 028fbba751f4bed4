/**
 * The CloudWatch Logs operations over the log store (src/observability/logs-api.ts): pages and
 * tokens, time ranges, filter patterns, event ids that stay the same between calls, streams and
 * groups described, and CloudWatch's errors.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executeLogsOperation } from '../../../src/observability/logs/logs-api.js';
import { LogsApiError } from '../../../src/observability/logs/logs-api-errors.js';
import { LogStoreWriter } from '../../../src/observability/logs/log-store-writer.js';

const S1 = '2026/11/30/[$LATEST]aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const S2 = '2026/11/30/[$LATEST]bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';
const ACCOUNT = { region: 'eu-west-1', accountId: '123456789012' };
const GROUP = '/aws/lambda/Fn';
const dir = mkdtempSync(join(tmpdir(), 'lamina-logs-api-'));
const root = join(dir, 'logs');

interface Events {
  readonly events: Array<{ logStreamName: string; timestamp: number; message: string; eventId: string }>;
  readonly nextToken?: string;
}

const call = (operation: Parameters<typeof executeLogsOperation>[1], input: Record<string, unknown>): Promise<unknown> => executeLogsOperation(root, operation, input, ACCOUNT);

beforeAll(async () => {
  const store = await LogStoreWriter.open({ root, flushMs: 60_000 });
  for (let i = 0; i < 10; i += 1) store.append('Fn', i % 2 === 0 ? S1 : S2, i === 4 ? '{"level":"ERROR"}' : `line ${i}`, 1000 + i);
  // Two equal events at the same time in one stream: two ids.
  store.append('Fn', S1, 'twin', 2000);
  store.append('Fn', S1, 'twin', 2000);
  store.append('Other', S1, 'elsewhere', 1500);
  await store.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('FilterLogEvents', () => {
  it('answers the group in time order, paged with nextToken, ids stable across calls', async () => {
    const first = (await call('FilterLogEvents', { logGroupName: GROUP, limit: 5 })) as Events;
    expect(first.events.map((e) => e.timestamp)).toEqual([1000, 1001, 1002, 1003, 1004]);
    expect(first.events[1]?.logStreamName).toBe(S2);
    const second = (await call('FilterLogEvents', { logGroupName: GROUP, limit: 5, nextToken: first.nextToken })) as Events;
    const third = (await call('FilterLogEvents', { logGroupName: GROUP, limit: 5, nextToken: second.nextToken })) as Events;
    expect(third.nextToken).toBeUndefined();
    const all = [...first.events, ...second.events, ...third.events];
    expect(all.map((e) => e.message).slice(-2)).toEqual(['twin', 'twin']);
    expect(new Set(all.map((e) => e.eventId)).size).toBe(12);
    const again = (await call('FilterLogEvents', { logGroupIdentifier: `arn:aws:logs:eu-west-1:123456789012:log-group:${GROUP}`, startTime: 1004 })) as Events;
    expect(again.events.map((e) => e.eventId)).toEqual(all.slice(4).map((e) => e.eventId));
  });

  it('keeps startTime..endTime, the streams named and the filter pattern', async () => {
    const ranged = (await call('FilterLogEvents', { logGroupName: GROUP, startTime: 1002, endTime: 1005, logStreamNames: [S1] })) as Events;
    expect(ranged.events.map((e) => e.message)).toEqual(['line 2', '{"level":"ERROR"}']);
    const json = (await call('FilterLogEvents', { logGroupName: GROUP, filterPattern: '{ $.level = "ERROR" }' })) as Events;
    expect(json.events.map((e) => e.timestamp)).toEqual([1004]);
    const prefixed = (await call('FilterLogEvents', { logGroupName: GROUP, logStreamNamePrefix: '2026/11/30/[$LATEST]b' })) as Events;
    expect(prefixed.events.every((e) => e.logStreamName === S2)).toBe(true);
  });

  it('refuses as CloudWatch does', async () => {
    const refusal = async (input: Record<string, unknown>): Promise<string> => {
      try {
        await call('FilterLogEvents', input);
      } catch (error) {
        expect(error).toBeInstanceOf(LogsApiError);
        return (error as LogsApiError).spec.shape;
      }
      throw new Error('expected a refusal');
    };
    expect(await refusal({ logGroupName: '/aws/lambda/Nope' })).toBe('ResourceNotFoundException');
    expect(await refusal({})).toBe('InvalidParameterException');
    expect(await refusal({ logGroupName: GROUP, limit: 0 })).toBe('InvalidParameterException');
    expect(await refusal({ logGroupName: GROUP, limit: 10_001 })).toBe('InvalidParameterException');
    expect(await refusal({ logGroupName: GROUP, filterPattern: '{ $.a = ' })).toBe('InvalidParameterException');
    expect(await refusal({ logGroupName: GROUP, nextToken: '!!' })).toBe('InvalidParameterException');
    expect(await refusal({ logGroupName: 7 })).toBe('SerializationException');
  });
});

describe('GetLogEvents, DescribeLogStreams, DescribeLogGroups', () => {
  it('GetLogEvents gives one stream, the newest by default or from the head', async () => {
    const newest = (await call('GetLogEvents', { logGroupName: GROUP, logStreamName: S1, limit: 2 })) as { events: Array<{ message: string }>; nextForwardToken: string };
    expect(newest.events.map((e) => e.message)).toEqual(['twin', 'twin']);
    const head = (await call('GetLogEvents', { logGroupName: GROUP, logStreamName: S1, limit: 2, startFromHead: true })) as { events: Array<{ message: string }>; nextForwardToken: string };
    expect(head.events.map((e) => e.message)).toEqual(['line 0', 'line 2']);
    const next = (await call('GetLogEvents', { logGroupName: GROUP, logStreamName: S1, limit: 2, startFromHead: true, nextToken: head.nextForwardToken })) as { events: Array<{ message: string }> };
    expect(next.events.map((e) => e.message)).toEqual(['{"level":"ERROR"}', 'line 6']);
  });

  it('DescribeLogStreams and DescribeLogGroups', async () => {
    const streams = (await call('DescribeLogStreams', { logGroupName: GROUP, orderBy: 'LastEventTime', descending: true })) as { logStreams: Array<{ logStreamName: string; firstEventTimestamp: number; lastEventTimestamp: number; storedBytes: number; arn: string }> };
    expect(streams.logStreams.map((s) => [s.logStreamName, s.firstEventTimestamp, s.lastEventTimestamp])).toEqual([[S1, 1000, 2000], [S2, 1001, 1009]]);
    expect(streams.logStreams[0]?.storedBytes).toBeGreaterThan(0);
    expect(streams.logStreams[0]?.arn).toBe(`arn:aws:logs:eu-west-1:123456789012:log-group:${GROUP}:log-stream:${S1}`);
    const groups = (await call('DescribeLogGroups', { logGroupNamePrefix: '/aws/lambda/' })) as { logGroups: Array<{ logGroupName: string }> };
    expect(groups.logGroups.map((g) => g.logGroupName)).toEqual(['/aws/lambda/Fn', '/aws/lambda/Other']);
  });
});
