/**
 * The CloudWatch Logs operations Lamina answers over its log store (docs/cloudwatch-logs.md):
 * `FilterLogEvents` (what `aws logs tail` calls, `--follow` too), `GetLogEvents`,
 * `DescribeLogStreams` and `DescribeLogGroups`. Every call reads the store's files: nothing is
 * cached, so what another process's writer appended is seen at once.
 */
import { createHash } from 'node:crypto';
import { compileFilter } from './filter-pattern.js';
import { listLogGroups, listSegments, type LogEvent } from './log-store-layout.js';
import { LogTail } from './log-store-reader.js';
import { LogsApiError } from './logs-api-errors.js';
import { ConfigError } from '../../errors.js';

type Input = Readonly<Record<string, unknown>>;

export const LOGS_OPERATIONS = ['FilterLogEvents', 'GetLogEvents', 'DescribeLogStreams', 'DescribeLogGroups'] as const;
export type LogsOperation = (typeof LOGS_OPERATIONS)[number];

/** The most events one answer holds, as CloudWatch's own limit. */
const MAX_EVENTS = 10_000;

function str(input: Input, name: string): string | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new LogsApiError('LAMINA_ERR_LOGS_SERIALIZATION', `${name} must be a string.`);
  return value;
}

function num(input: Input, name: string): number | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new LogsApiError('LAMINA_ERR_LOGS_SERIALIZATION', `${name} must be a number.`);
  return value;
}

function limitOf(input: Input, max: number): number {
  const limit = num(input, 'limit') ?? max;
  if (!Number.isInteger(limit) || limit < 1 || limit > max) throw new LogsApiError('LAMINA_ERR_LOGS_INVALID_PARAMETER', `limit must be between 1 and ${max}.`);
  return limit;
}

/** A token is the index of the next event in the same query's answer. */
function offsetOf(token: string | undefined): number {
  if (token === undefined) return 0;
  const text = Buffer.from(token, 'base64url').toString('utf8');
  const offset = /^\d{1,15}$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(offset)) throw new LogsApiError('LAMINA_ERR_LOGS_INVALID_PARAMETER', 'The next token is not valid.');
  return offset;
}

const tokenOf = (offset: number): string => Buffer.from(String(offset)).toString('base64url');

/** A group name from `logGroupName`, or the name at the end of a `logGroupIdentifier` ARN. */
function groupOf(input: Input): string {
  const name = str(input, 'logGroupName') ?? str(input, 'logGroupIdentifier')?.replace(/^arn:[^:]*:logs:[^:]*:[^:]*:log-group:/, '').replace(/:\*$/, '');
  if (name === undefined) throw new LogsApiError('LAMINA_ERR_LOGS_INVALID_PARAMETER', 'logGroupName is required.');
  return name;
}

async function eventsOf(root: string, input: Input, group: string): Promise<LogEvent[]> {
  if (!(await listLogGroups(root)).includes(group)) throw new LogsApiError('LAMINA_ERR_LOGS_RESOURCE_NOT_FOUND', 'The specified log group does not exist.');
  let filter: ((message: string) => boolean) | undefined;
  try {
    const pattern = str(input, 'filterPattern');
    filter = pattern === undefined ? undefined : compileFilter(pattern);
  } catch (error) {
    if (error instanceof ConfigError) throw new LogsApiError('LAMINA_ERR_LOGS_INVALID_PARAMETER', `Invalid filter pattern: ${error.message}`);
    throw error;
  }
  const endTime = num(input, 'endTime');
  const events = await new LogTail(root, group, { since: num(input, 'startTime'), filter }).poll();
  return endTime === undefined ? events : events.filter((event) => event.timestamp <= endTime);
}

/**
 * An event's id: the same event gets the same id in every answer (what `aws logs tail --follow`
 * removes repeats by), from its stream, time, message and how many equal ones precede it.
 */
function withIds(events: readonly LogEvent[]): Array<LogEvent & { readonly eventId: string }> {
  const seen = new Map<string, number>();
  return events.map((event) => {
    const key = `${event.stream}\0${event.timestamp}\0${event.message}`;
    const nth = seen.get(key) ?? 0;
    seen.set(key, nth + 1);
    return { ...event, eventId: `${event.timestamp}${createHash('sha256').update(`${key}\0${nth}`).digest('hex').slice(0, 24)}` };
  });
}

async function filterLogEvents(root: string, input: Input): Promise<unknown> {
  const group = groupOf(input);
  const names = input.logStreamNames;
  if (names !== undefined && (!Array.isArray(names) || !names.every((name) => typeof name === 'string'))) throw new LogsApiError('LAMINA_ERR_LOGS_SERIALIZATION', 'logStreamNames must be a list of strings.');
  const prefix = str(input, 'logStreamNamePrefix');
  const all = (await eventsOf(root, input, group)).filter((event) => (names === undefined || (names as string[]).includes(event.stream)) && (prefix === undefined || event.stream.startsWith(prefix)));
  const offset = offsetOf(str(input, 'nextToken'));
  const page = withIds(all).slice(offset, offset + limitOf(input, MAX_EVENTS));
  const next = offset + page.length;
  return {
    events: page.map((event) => ({ logStreamName: event.stream, timestamp: event.timestamp, message: event.message, ingestionTime: event.timestamp, eventId: event.eventId })),
    searchedLogStreams: [],
    ...(next < all.length ? { nextToken: tokenOf(next) } : {}),
  };
}

async function getLogEvents(root: string, input: Input): Promise<unknown> {
  const group = groupOf(input);
  const stream = str(input, 'logStreamName');
  if (stream === undefined) throw new LogsApiError('LAMINA_ERR_LOGS_INVALID_PARAMETER', 'logStreamName is required.');
  const events = (await eventsOf(root, { ...input, filterPattern: undefined }, group)).filter((event) => event.stream === stream);
  const limit = limitOf(input, MAX_EVENTS);
  // Without startFromHead (CloudWatch's default), the newest events come.
  const head = input.startFromHead === true;
  const token = str(input, 'nextToken');
  const start = token === undefined ? (head ? 0 : Math.max(0, events.length - limit)) : Math.min(offsetOf(token.slice(2)), events.length);
  const page = events.slice(start, start + limit);
  return {
    events: page.map((event) => ({ timestamp: event.timestamp, message: event.message, ingestionTime: event.timestamp })),
    nextForwardToken: `f/${tokenOf(start + page.length)}`,
    nextBackwardToken: `b/${tokenOf(Math.max(0, start - limit))}`,
  };
}

async function describeLogStreams(root: string, input: Input, arn: (group: string) => string): Promise<unknown> {
  const group = groupOf(input);
  if (!(await listLogGroups(root)).includes(group)) throw new LogsApiError('LAMINA_ERR_LOGS_RESOURCE_NOT_FOUND', 'The specified log group does not exist.');
  const prefix = str(input, 'logStreamNamePrefix') ?? '';
  const events = await new LogTail(root, group).poll();
  const streams = new Map<string, { first: number; last: number; bytes: number }>();
  for (const segment of await listSegments(root, group)) {
    if (!segment.stream.startsWith(prefix)) continue;
    const known = streams.get(segment.stream) ?? { first: Number.POSITIVE_INFINITY, last: 0, bytes: 0 };
    known.bytes += segment.bytes;
    streams.set(segment.stream, known);
  }
  for (const event of events) {
    const known = streams.get(event.stream);
    if (known === undefined) continue;
    known.first = Math.min(known.first, event.timestamp);
    known.last = Math.max(known.last, event.timestamp);
  }
  const rows = [...streams].map(([name, s]) => ({ name, ...s, first: Number.isFinite(s.first) ? s.first : 0 }));
  if (str(input, 'orderBy') === 'LastEventTime') rows.sort((a, b) => a.last - b.last);
  if (input.descending === true) rows.reverse();
  const offset = offsetOf(str(input, 'nextToken'));
  const page = rows.slice(offset, offset + limitOf(input, 50));
  return {
    logStreams: page.map((row) => ({
      logStreamName: row.name,
      creationTime: row.first,
      firstEventTimestamp: row.first,
      lastEventTimestamp: row.last,
      lastIngestionTime: row.last,
      uploadSequenceToken: '1',
      arn: `${arn(group)}:log-stream:${row.name}`,
      storedBytes: row.bytes,
    })),
    ...(offset + page.length < rows.length ? { nextToken: tokenOf(offset + page.length) } : {}),
  };
}

async function describeLogGroups(root: string, input: Input, arn: (group: string) => string): Promise<unknown> {
  const prefix = str(input, 'logGroupNamePrefix') ?? '';
  const segments = await listSegments(root);
  const groups = (await listLogGroups(root)).filter((group) => group.startsWith(prefix));
  const offset = offsetOf(str(input, 'nextToken'));
  const page = groups.slice(offset, offset + limitOf(input, 50));
  return {
    logGroups: page.map((group) => {
      const own = segments.filter((segment) => segment.group === group);
      return { logGroupName: group, creationTime: Math.min(...own.map((s) => s.lastWrite), Date.now()), storedBytes: own.reduce((sum, s) => sum + s.bytes, 0), arn: `${arn(group)}:*`, logGroupArn: arn(group) };
    }),
    ...(offset + page.length < groups.length ? { nextToken: tokenOf(offset + page.length) } : {}),
  };
}

/**
 * Answer one operation over the store at `root`.
 *
 * @throws LogsApiError for what CloudWatch Logs would refuse.
 * @example await executeLogsOperation(root, 'FilterLogEvents', { logGroupName: '/aws/lambda/Hello' }, account)
 */
export async function executeLogsOperation(root: string, operation: LogsOperation, input: Input, account: { readonly region: string; readonly accountId: string }): Promise<unknown> {
  const arn = (group: string): string => `arn:aws:logs:${account.region}:${account.accountId}:log-group:${group}`;
  if (operation === 'FilterLogEvents') return filterLogEvents(root, input);
  if (operation === 'GetLogEvents') return getLogEvents(root, input);
  if (operation === 'DescribeLogStreams') return describeLogStreams(root, input, arn);
  return describeLogGroups(root, input, arn);
}
