/**
 * The log store's writing side (src/observability/log-store-writer.ts): lines wait in memory until
 * a flush, land in per-stream segment files named after the group and stream, are read back in
 * order, and the store stays under its size cap however much a stream prints.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { encodedName, listLogGroups, listLogStreams, listSegments } from '../../../src/observability/logs/log-store-layout.js';
import { LogTail } from '../../../src/observability/logs/log-store-reader.js';
import { LogStoreWriter } from '../../../src/observability/logs/log-store-writer.js';

const STREAM = '2026/11/30/[$LATEST]0123456789abcdef0123456789abcdef';
const OTHER = '2026/11/30/[$LATEST]fedcba9876543210fedcba9876543210';
const dirs: string[] = [];

function root(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lamina-log-store-'));
  dirs.push(dir);
  return join(dir, 'logs');
}

function diskBytes(dir: string): number {
  if (!existsSync(dir)) return 0;
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .reduce((sum, entry) => sum + statSync(join(entry.parentPath, entry.name)).size, 0);
}

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('LogStoreWriter', () => {
  it('keeps lines in memory until the flush, then appends them to the stream segment', async () => {
    const dir = root();
    // A flush timer far away: only the explicit flush writes.
    const store = await LogStoreWriter.open({ root: dir, flushMs: 60_000 });
    store.append('Hello', STREAM, 'START RequestId: 1', 1000);
    store.append('Hello', STREAM, 'hello world', 1001);
    expect(existsSync(dir)).toBe(false);
    await store.flush();
    const file = join(dir, encodedName('/aws/lambda/Hello'), encodedName(STREAM), '000001.log');
    expect(readFileSync(file, 'utf8')).toBe('1000\tSTART RequestId: 1\n1001\thello world\n');
    store.append('Hello', STREAM, 'END RequestId: 1', 1002);
    await store.close();
    expect(readFileSync(file, 'utf8')).toContain('1002\tEND RequestId: 1\n');
    // Closed: later lines are not kept.
    store.append('Hello', STREAM, 'late', 1003);
    await store.flush();
    expect(readFileSync(file, 'utf8')).not.toContain('late');
  });

  it('keeps lines apart by function and stream when they alternate, and after a released stream was dropped', async () => {
    const dir = root();
    const store = await LogStoreWriter.open({ root: dir, flushMs: 60_000 });
    const text = (fn: string, stream: string): string => {
      const folder = join(dir, encodedName(`/aws/lambda/${fn}`), encodedName(stream));
      return existsSync(folder) ? readdirSync(folder).map((f) => readFileSync(join(folder, f), 'utf8')).join('') : '';
    };
    // Same stream name in two functions, then another stream: each line in its own place.
    store.append('A', STREAM, 'a1', 1);
    store.append('B', STREAM, 'b1', 2);
    store.append('A', STREAM, 'a2', 3);
    store.append('A', OTHER, 'o1', 4);
    store.append('A', STREAM, 'a3', 5);
    await store.flush();
    expect(text('A', STREAM)).toBe('1\ta1\n3\ta2\n5\ta3\n');
    expect(text('B', STREAM)).toBe('2\tb1\n');
    expect(text('A', OTHER)).toBe('4\to1\n');
    // Its environment is gone: the stream's state is dropped at a flush with nothing left to
    // write. A line appended after that (the same name again) must still reach the disk.
    store.append('A', OTHER, 'o2', 6);
    store.release('A', OTHER);
    await store.flush();
    await store.flush();
    store.append('A', OTHER, 'o3', 7);
    await store.close();
    expect(text('A', OTHER)).toContain('7\to3\n');
  });

  it('flushes by itself on its timer', async () => {
    const dir = root();
    const store = await LogStoreWriter.open({ root: dir, flushMs: 10 });
    store.append('Hello', STREAM, 'on the timer', 5);
    const deadline = Date.now() + 10_000;
    while ((await listSegments(dir)).length === 0 && Date.now() < deadline) await new Promise((wake) => setTimeout(wake, 10));
    expect(await new LogTail(dir, '/aws/lambda/Hello').poll()).toEqual([{ timestamp: 5, stream: STREAM, message: 'on the timer' }]);
    await store.close();
  });

  it('names groups /aws/lambda/NAME and streams as the environment names them, and reads them back', async () => {
    const dir = root();
    const store = await LogStoreWriter.open({ root: dir });
    store.append('A', STREAM, 'a1', 1);
    store.append('B', OTHER, 'b1', 2);
    store.append('A', OTHER, 'a2 with a\nnewline', 3);
    await store.close();
    expect(await listLogGroups(dir)).toEqual(['/aws/lambda/A', '/aws/lambda/B']);
    expect(await listLogStreams(dir, '/aws/lambda/A')).toEqual([STREAM, OTHER]);
    const events = await new LogTail(dir, '/aws/lambda/A').poll();
    // One event per line: the newline inside a message became a space.
    expect(events).toEqual([
      { timestamp: 1, stream: STREAM, message: 'a1' },
      { timestamp: 3, stream: OTHER, message: 'a2 with a newline' },
    ]);
  });

  it('holds the store under its cap, removing the least recently written segments first', async () => {
    const dir = root();
    const cap = 64 * 1024;
    const store = await LogStoreWriter.open({ root: dir, maxBytes: cap, flushMs: 60_000 });
    store.append('Old', OTHER, 'an old stream', 1);
    await store.flush();
    const line = 'x'.repeat(1000);
    for (let round = 0; round < 40; round += 1) {
      for (let i = 0; i < 10; i += 1) store.append('Loud', STREAM, `${round}-${i} ${line}`, 10 + round * 10 + i);
      await store.flush();
      expect(diskBytes(dir)).toBeLessThanOrEqual(cap);
    }
    await store.close();
    expect(store.totalBytes).toBe(diskBytes(dir));
    // The old stream went first (and its folder with it); the loud stream keeps its newest lines.
    expect(await listLogStreams(dir, '/aws/lambda/Old')).toEqual([]);
    const events = await new LogTail(dir, '/aws/lambda/Loud').poll();
    expect(events.at(-1)?.message.startsWith('39-9 ')).toBe(true);
    expect(events[0]?.message.startsWith('0-0 ')).toBe(false);
    // What is left is a run of the newest lines, in order, with nothing in between missing.
    const numbers = events.map((event) => event.timestamp);
    expect(numbers).toEqual(numbers.map((_n, i) => (numbers[0] ?? 0) + i));
  });

  it('drops a stream\'s oldest waiting lines for its newest while more than a quarter of the cap waits, and says how many', async () => {
    const dir = root();
    const cap = 16 * 1024;
    const store = await LogStoreWriter.open({ root: dir, maxBytes: cap, flushMs: 60_000 });
    for (let i = 0; i < 1000; i += 1) store.append('Flood', STREAM, `line ${i} ${'y'.repeat(100)}`, i);
    await store.close();
    const events = await new LogTail(dir, '/aws/lambda/Flood').poll();
    const kept = events.filter((event) => event.message.startsWith('line '));
    const notices = events.filter((event) => event.message.startsWith('lamina: '));
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.length).toBeLessThan(1000);
    // The newest line survives the flood (a stream's END and REPORT come last).
    expect(kept.at(-1)?.message.startsWith('line 999 ')).toBe(true);
    const dropped = notices.reduce((sum, event) => sum + Number(/^lamina: (\d+) log line\(s\) of this stream were dropped: the log store could not keep up$/.exec(event.message)?.[1]), 0);
    expect(dropped + kept.length).toBe(1000);
    expect(diskBytes(dir)).toBeLessThanOrEqual(cap);
  });

  it('keeps the platform\'s lines through a flood: a killed function\'s output draining after its REPORT does not take the REPORT with it', async () => {
    const dir = root();
    const cap = 16 * 1024;
    const store = await LogStoreWriter.open({ root: dir, maxBytes: cap, flushMs: 60_000 });
    const flood = (from: number): void => {
      // The function's own lines, some dressed as platform lines: output all the same.
      for (let i = from; i < from + 500; i += 1) store.append('Flood', STREAM, i % 50 === 0 ? `REPORT RequestId: fake-${i}` : `line ${i} ${'y'.repeat(100)}`, i, 'output');
    };
    store.append('Flood', STREAM, 'START RequestId: real', 0, 'platform');
    flood(1);
    store.append('Flood', STREAM, 'END RequestId: real', 501, 'platform');
    store.append('Flood', STREAM, 'REPORT RequestId: real\tDuration: 3000.00 ms\tStatus: timeout', 502, 'platform');
    flood(503);
    await store.close();
    const events = await new LogTail(dir, '/aws/lambda/Flood').poll();
    const platform = events.filter((event) => event.message.endsWith('RequestId: real') || event.message.startsWith('REPORT RequestId: real'));
    expect(platform.map((event) => event.message.split('\t')[0])).toEqual(['START RequestId: real', 'END RequestId: real', 'REPORT RequestId: real']);
    // The output around them was dropped (the fakes with it) and counted.
    const kept = events.filter((event) => event.message.startsWith('line ') || event.message.includes('fake-'));
    const notices = events.filter((event) => event.message.startsWith('lamina: '));
    const dropped = notices.reduce((sum, event) => sum + Number(/^lamina: (\d+) log line\(s\)/.exec(event.message)?.[1]), 0);
    expect(kept.length).toBeLessThan(1000);
    expect(dropped + kept.length).toBe(1000);
    expect(diskBytes(dir)).toBeLessThanOrEqual(cap);
  });

  it('forgets a released stream once its lines are written; a late line starts its next segment', async () => {
    const dir = root();
    const store = await LogStoreWriter.open({ root: dir, flushMs: 60_000 });
    store.append('Fn', STREAM, 'before the end', 1);
    store.release('Fn', STREAM);
    await store.flush();
    // Written, then forgotten at the next flush.
    await store.flush();
    store.append('Fn', STREAM, 'late', 2);
    await store.close();
    expect((await listSegments(dir)).map((segment) => segment.seq)).toEqual([1, 2]);
    expect((await new LogTail(dir, '/aws/lambda/Fn').poll()).map((event) => event.message)).toEqual(['before the end', 'late']);
  });

  it('makes the stream folder again when another process removed it', async () => {
    const dir = root();
    const store = await LogStoreWriter.open({ root: dir, flushMs: 60_000 });
    store.append('Fn', STREAM, 'first', 1);
    await store.flush();
    rmSync(join(dir, encodedName('/aws/lambda/Fn')), { recursive: true });
    store.append('Fn', STREAM, 'second', 2);
    await store.close();
    expect((await new LogTail(dir, '/aws/lambda/Fn').poll()).map((event) => event.message)).toEqual(['second']);
  });

  it('counts what earlier runs left against the cap and continues a stream after its last segment', async () => {
    const dir = root();
    const first = await LogStoreWriter.open({ root: dir, maxBytes: 8192, flushMs: 60_000 });
    for (let i = 0; i < 6; i += 1) {
      first.append('Fn', STREAM, `${i} ${'z'.repeat(1000)}`, i);
      await first.flush();
    }
    await first.close();
    const before = diskBytes(dir);
    const second = await LogStoreWriter.open({ root: dir, maxBytes: 8192, flushMs: 60_000 });
    expect(second.totalBytes).toBe(before);
    for (let i = 6; i < 12; i += 1) {
      second.append('Fn', STREAM, `${i} ${'z'.repeat(1000)}`, i);
      await second.flush();
    }
    await second.close();
    expect(diskBytes(dir)).toBeLessThanOrEqual(8192);
    const events = await new LogTail(dir, '/aws/lambda/Fn').poll();
    expect(events.at(-1)?.timestamp).toBe(11);
    const seqs = (await listSegments(dir)).map((segment) => segment.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(Math.max(...seqs)).toBeGreaterThan(1);
  });
});
