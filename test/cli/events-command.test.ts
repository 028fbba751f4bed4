/**
 * `lamina events` (src/cli/events-command.ts): the table, --json, --failed, the default state
 * directory of a template, and a missing queue.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { readQueueStatus } from '../../src/async/queue-status.js';
import { defaultStateDir } from '../../src/async/state-dir.js';
import { eventsCommand, EVENTS_USAGE, formatQueueStatus } from '../../src/cli/events-command.js';
import { ConfigError } from '../../src/errors.js';
import { fillQueue, QUEUE_FIXTURE } from '../helpers/queue-fixture.js';

let dirs: string[] = [];
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs = [];
});

async function filledStateDir(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'lamina-events-'));
  dirs.push(dir);
  await fillQueue(join(dir, 'events.db'));
  return dir;
}

/** Run the command in this process, with what it prints. */
async function events(args: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  const code = await eventsCommand(args);
  vi.restoreAllMocks();
  return { code, out };
}

const HEADER = ['FUNCTION', 'QUEUED', 'IN-FLIGHT', 'RETRYING', 'FAILED', 'RECEIVED', 'DROPPED', 'AGE-AVG-MS', 'AGE-MAX-MS', 'DEST-FAILURES', 'RECURSION-STOPS', 'ITER-AGE-AVG-MS', 'ITER-AGE-MAX-MS'];

/** The cell of each column in a table line, read at the column's offset in the header line. */
function cells(header: string, line: string): string[] {
  return HEADER.map((name) => {
    const at = header.indexOf(name);
    expect(at === 0 || line[at - 1] === ' ').toBe(true);
    return line.slice(at).split(' ')[0] ?? '';
  });
}

describe('lamina events', () => {
  it('prints one aligned line per function, with - for ages never measured', async () => {
    const dir = await filledStateDir();
    const { code, out } = await events(['--state-dir', dir]);
    expect(code).toBe(0);
    const lines = out.split('\n');
    expect(lines[0]).toBe(`State directory: ${dir}`);
    const header = lines[1] ?? '';
    expect(header.split(/ {2,}/)).toEqual(HEADER);
    const table = Object.fromEntries(lines.slice(2, 7).map((line) => [line.split(' ')[0], cells(header, line)]));
    expect(table.beta).toEqual(['beta', '3', '1', '2', '2', '10', '2', '33', '70', '1', '0', '-', '-']);
    expect(table.alpha).toEqual(['alpha', '1', '0', '0', '0', '0', '0', '-', '-', '0', '0', '-', '-']);
    expect(table.epsilon).toEqual(['epsilon', '0', '0', '0', '0', '0', '0', '-', '-', '0', '4', '150', '200']);
    expect(Object.keys(table)).toEqual(['alpha', 'beta', 'delta', 'epsilon', 'gamma']);
    for (const line of lines) expect(line).toBe(line.trimEnd());
  });

  it('lists the recent failed events, newest first, with their condition, attempts and error', async () => {
    const dir = await filledStateDir();
    const { out } = await events(['--state-dir', dir]);
    const failures = out.slice(out.indexOf('Recent failed events:\n')).split('\n').slice(1, 4);
    expect(failures).toEqual([
      '  2026-01-03T00:01:00.000Z  gamma  f-3  RetriesExhausted after 1 attempt(s)  Function.Timeout',
      '  2026-01-02T06:00:00.000Z  beta  f-2  EventAgeExceeded after 0 attempt(s)',
      '  2026-01-01T00:03:00.000Z  beta  f-1  RetriesExhausted after 3 attempt(s)  Unhandled: Error',
    ]);
  });

  it('lists as many failures as --failed asks, and none with 0', async () => {
    const dir = await filledStateDir();
    const one = await events(['--state-dir', dir, '--failed', '1']);
    expect(one.out).toContain('f-3');
    expect(one.out).not.toContain('f-2');
    const none = await events(['--state-dir', dir, '--failed', '0']);
    expect(none.out).not.toContain('Recent failed events');
    expect(none.out).toContain('beta');
  });

  it.each(['abc', '-1', '', '1e999', '2.5', '1e300'])('refuses --failed %j, naming the option', async (value) => {
    const dir = await filledStateDir();
    await expect(events(['--state-dir', dir, `--failed=${value}`])).rejects.toThrow(ConfigError);
    await expect(events(['--state-dir', dir, `--failed=${value}`])).rejects.toThrow('--failed');
  });

  it('prints the same status as JSON with --json', async () => {
    const dir = await filledStateDir();
    const { code, out } = await events(['--state-dir', dir, '--json']);
    expect(code).toBe(0);
    const parsed = JSON.parse(out) as Record<string, unknown>;
    // JSON has no undefined: ages never measured are absent.
    expect(parsed).toEqual(JSON.parse(JSON.stringify({ stateDir: dir, ...readQueueStatus(join(dir, 'events.db'), 10) })));
    expect((parsed.recentFailures as unknown[]).length).toBe(QUEUE_FIXTURE.failed.length);
  });

  it("finds the template's default state directory under $XDG_CACHE_HOME", async () => {
    const cache = mkdtempSync(join(tmpdir(), 'lamina-cache-'));
    dirs.push(cache);
    vi.stubEnv('XDG_CACHE_HOME', cache);
    const template = join(cache, 'project', 'template.yaml');
    const stateDir = defaultStateDir(template);
    mkdirSync(stateDir, { recursive: true });
    await fillQueue(join(stateDir, 'events.db'));
    const { out } = await events(['--template', template]);
    expect(out).toContain(`State directory: ${stateDir}\n`);
    expect(out).toMatch(/^beta {2,}3 /m);
  });

  it('says no queue exists yet for a directory without one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lamina-events-'));
    dirs.push(dir);
    await expect(events(['--state-dir', dir])).rejects.toThrow(`No event queue at ${join(dir, 'events.db')}`);
  });

  it('prints its usage with --help', async () => {
    expect(await events(['--help'])).toEqual({ code: 0, out: EVENTS_USAGE });
  });
});

describe('formatQueueStatus', () => {
  it('says so when there is nothing yet', () => {
    expect(formatQueueStatus({ functions: [], recentFailures: [] }, '/state')).toBe('State directory: /state\nNo asynchronous events yet.\n');
  });

  it('widens a column to its longest cell', () => {
    const name = 'AVeryLongFunctionNameThatIsWiderThanTheHeader';
    const metrics = { AsyncEventsReceived: 123_456_789, AsyncEventsDropped: 0, AsyncEventAgeAverage: 1, AsyncEventAgeMaximum: 2, DestinationDeliveryFailures: 0, RecursiveInvocationsDropped: 0, IteratorAgeAverage: undefined, IteratorAgeMaximum: undefined };
    const text = formatQueueStatus({ functions: [{ functionName: name, queued: 1, inFlight: 0, retrying: 0, failed: 0, metrics, pendingDeliveries: 0 }], recentFailures: [] }, '/s');
    const [, header = '', line = ''] = text.split('\n');
    expect(header.indexOf('QUEUED')).toBe(name.length + 2);
    expect(cells(header, line)).toEqual([name, '1', '0', '0', '0', '123456789', '0', '1', '2', '0', '0', '-', '-']);
  });
});
