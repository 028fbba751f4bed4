/**
 * The log store's reading side (src/observability/log-store-reader.ts): events in time order
 * across streams, `since` and a filter, each later poll giving only what was written since, and
 * a line still being written left for the next poll.
 */
import { appendFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { compileFilter } from '../../../src/observability/logs/filter-pattern.js';
import { encodedName } from '../../../src/observability/logs/log-store-layout.js';
import { formatEvent, LogTail } from '../../../src/observability/logs/log-store-reader.js';
import { LogStoreWriter } from '../../../src/observability/logs/log-store-writer.js';

const S1 = '2026/11/30/[$LATEST]11111111111111111111111111111111';
const S2 = '2026/11/30/[1]22222222222222222222222222222222';
const dirs: string[] = [];

function root(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lamina-log-read-'));
  dirs.push(dir);
  return join(dir, 'logs');
}

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('LogTail', () => {
  it('merges the streams of a group by time, and only that group', async () => {
    const dir = root();
    const store = await LogStoreWriter.open({ root: dir, flushMs: 60_000 });
    store.append('Fn', S1, 'one', 10);
    store.append('Fn', S2, 'two', 20);
    store.append('Fn', S1, 'three', 30);
    store.append('Fn', S2, 'four', 40);
    store.append('Other', S1, 'not mine', 25);
    await store.close();
    const events = await new LogTail(dir, '/aws/lambda/Fn').poll();
    expect(events.map((event) => `${event.timestamp} ${event.stream.slice(11, 14)} ${event.message}`)).toEqual(['10 [$L one', '20 [1] two', '30 [$L three', '40 [1] four']);
  });

  it('keeps events at or after since, and those the filter matches', async () => {
    const dir = root();
    const store = await LogStoreWriter.open({ root: dir, flushMs: 60_000 });
    for (const [t, message] of [[100, 'ERROR early'], [200, 'INFO fine'], [300, 'ERROR late'], [400, 'ERROR retry']] as const) store.append('Fn', S1, message, t);
    await store.close();
    const events = await new LogTail(dir, '/aws/lambda/Fn', { since: 200, filter: compileFilter('ERROR -retry') }).poll();
    expect(events.map((event) => event.message)).toEqual(['ERROR late']);
  });

  it('gives each poll only what was written since the last one, across new streams', async () => {
    const dir = root();
    const store = await LogStoreWriter.open({ root: dir, flushMs: 60_000 });
    store.append('Fn', S1, 'first', 1);
    await store.flush();
    const tail = new LogTail(dir, '/aws/lambda/Fn');
    expect((await tail.poll()).map((event) => event.message)).toEqual(['first']);
    expect(await tail.poll()).toEqual([]);
    store.append('Fn', S1, 'second', 2);
    store.append('Fn', S2, 'in a new stream', 3);
    await store.flush();
    expect((await tail.poll()).map((event) => event.message)).toEqual(['second', 'in a new stream']);
    await store.close();
  });

  it('leaves a line without its newline for the next poll', async () => {
    const dir = root();
    const streamDir = join(dir, encodedName('/aws/lambda/Fn'), encodedName(S1));
    mkdirSync(streamDir, { recursive: true });
    const file = join(streamDir, '000001.log');
    appendFileSync(file, '5\twhole\n6\thalf a li');
    const tail = new LogTail(dir, '/aws/lambda/Fn');
    expect((await tail.poll()).map((event) => event.message)).toEqual(['whole']);
    appendFileSync(file, 'ne\nnot an event\n7\tlast\n');
    // A line that is not `<ms>\t<message>` (cut by a crash) is skipped.
    expect((await tail.poll()).map((event) => event.message)).toEqual(['half a line', 'last']);
  });

  it('formats an event as aws logs tail prints it', () => {
    expect(formatEvent({ timestamp: Date.UTC(2026, 10, 30, 13, 5, 1, 234), stream: S1, message: 'hi\tthere' })).toBe(`2026-11-30T13:05:01.234000+00:00 ${S1} hi\tthere`);
  });
});

describe('encodedName (hostile names from Logs API callers)', () => {
  it('never names the store\'s folder or one above it, and reads back', () => {
    for (const name of ['.', '..', '../..', '/aws/lambda/../../etc']) {
      const folder = encodedName(name);
      expect(folder).not.toMatch(/^\.{1,2}$/);
      expect(folder).not.toContain('/');
      expect(decodeURIComponent(folder)).toBe(name);
    }
    expect(encodedName('/aws/lambda/Fn')).toBe('%2Faws%2Flambda%2FFn');
  });
});
