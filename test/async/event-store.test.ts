/**
 * The event queue file (src/async/event-store.ts): writes of one event-loop turn in one
 * transaction, callers answered once their write is visible to another connection, a failed
 * commit rejecting its own callers only, files that are not a queue Lamina can read refused and
 * left byte for byte as they were, and the metrics table.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EventStore, SCHEMA_VERSION, type EventRow, type QueueSync } from '../../src/async/event-store.js';
import { ConfigError } from '../../src/errors.js';

let dirs: string[] = [];
let open: Array<{ close(): unknown }> = [];
afterEach(async () => {
  for (const handle of open) await handle.close();
  open = [];
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs = [];
});

function dbPath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lamina-store-'));
  dirs.push(dir);
  return join(dir, 'events.db');
}

function store(path = dbPath(), sync: QueueSync = 'normal'): EventStore {
  const s = EventStore.open(path, sync);
  open.push(s);
  return s;
}

/** Another connection to the same file, as `lamina events` opens it. */
function reader(path: string): Database.Database {
  const db = new Database(path, { readonly: true });
  open.push(db);
  return db;
}

function row(requestId: string, overrides: Partial<EventRow> = {}): Omit<EventRow, 'seq'> {
  return {
    requestId,
    functionName: 'fn',
    qualifier: null,
    clientContext: null,
    traceId: null,
    tenantId: null,
    acceptedAt: 1000,
    attempts: 0,
    retriesUsed: 0,
    state: 'queued',
    dueAt: 1000,
    lastError: null,
    ...overrides,
  };
}

const countEvents = (db: Database.Database): number => (db.prepare('SELECT COUNT(*) AS n FROM events').get() as { n: number }).n;
const requestIds = (db: Database.Database): string[] => (db.prepare('SELECT request_id AS id FROM events ORDER BY seq').all() as Array<{ id: string }>).map((r) => r.id);

describe('grouped commits', () => {
  it('commits every write of one turn in one transaction: another connection sees none, then all, after one commit', async () => {
    const path = dbPath();
    const s = store(path);
    const other = reader(path);
    const before = s.commits;
    const writes = Array.from({ length: 50 }, (_, i) => s.insert(row(`r${i}`), Buffer.from(String(i))));
    expect(countEvents(other)).toBe(0);
    await Promise.all(writes);
    expect(countEvents(other)).toBe(50);
    expect(s.commits - before).toBe(1);
  });

  it('gathers the writes asked for while a batch commits into the next batch', async () => {
    const path = dbPath();
    const s = store(path);
    const other = reader(path);
    const before = s.commits;
    const first = s.insert(row('a'), Buffer.from('1'));
    await new Promise((r) => setImmediate(r)); // the first batch is on its way to the writer
    const more = ['b', 'c', 'd'].map((id) => s.insert(row(id), Buffer.from(id)));
    await Promise.all([first, ...more]);
    expect(requestIds(other)).toEqual(['a', 'b', 'c', 'd']);
    expect(s.commits - before).toBe(2);
  });

  it('answers a write only once another connection can read it', async () => {
    const path = dbPath();
    const s = store(path);
    const other = reader(path);
    const seq = await s.insert(row('visible', { functionName: 'f1', traceId: 'Root=1-x' }), Buffer.from('{"a":1}'));
    expect(seq).toBeGreaterThan(0);
    expect(other.prepare('SELECT request_id AS id, function AS fn, trace_id AS trace, payload FROM events WHERE seq = ?').get(seq)).toEqual({ id: 'visible', fn: 'f1', trace: 'Root=1-x', payload: Buffer.from('{"a":1}') });
    expect(s.payload(seq)).toEqual(Buffer.from('{"a":1}'));
    expect(s.payload(seq + 1000)).toBeUndefined();
  });

  it.each(['full', 'normal'] as const)('commits with the durability --queue-sync %s asks for (read back from the writer thread\'s connection)', async (sync) => {
    const s = store(dbPath(), sync);
    expect(s.writerSync).toBeUndefined();
    await s.insert(row(`sync-${sync}`), Buffer.from('{}'));
    expect(s.writerSync).toBe(sync);
  });

  it('gives increasing seqs to inserts of one turn, in call order', async () => {
    const s = store();
    const seqs = await Promise.all(['a', 'b', 'c', 'd'].map((id) => s.insert(row(id), Buffer.from(id))));
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    expect(new Set(seqs).size).toBe(4);
    expect(s.events().map((e) => e.requestId)).toEqual(['a', 'b', 'c', 'd']);
  });
});

describe('a commit that fails', () => {
  it('rejects only the write that broke a constraint, and keeps the rest of its batch and the batches around it', async () => {
    const path = dbPath();
    const s = store(path);
    const other = reader(path);
    await s.insert(row('dup'), Buffer.from('x'));
    // One turn: a good insert and one that breaks the UNIQUE request_id.
    const good = s.insert(row('same-turn'), Buffer.from('y'));
    const bad = s.insert(row('dup'), Buffer.from('z'));
    const settled = await Promise.allSettled([good, bad]);
    expect(settled.map((r) => r.status)).toEqual(['fulfilled', 'rejected']);
    expect(String((settled[1] as PromiseRejectedResult).reason)).toMatch(/UNIQUE constraint failed: events\.request_id/);
    // The next turn commits as usual.
    await s.insert(row('after'), Buffer.from('w'));
    expect(requestIds(other)).toEqual(['dup', 'same-turn', 'after']);
  });

  it('keeps the posts and metrics of a batch in which one write failed', async () => {
    const path = dbPath();
    const s = store(path);
    await s.insert(row('dup'), Buffer.from('x'));
    const id = s.nextOutboxId();
    s.post({ op: 'insert-outbox', id, functionName: 'fn', requestId: 'dup', target: '{}', message: '{}', at: 1 });
    s.count('fn', 'AsyncEventsReceived');
    await expect(s.insert(row('dup'), Buffer.from('z'))).rejects.toThrow(/UNIQUE/);
    await s.drained();
    expect(s.outbox().map((o) => o.id)).toEqual([id]);
    expect((reader(path).prepare("SELECT value FROM metrics WHERE name = 'AsyncEventsReceived'").get() as { value: number }).value).toBe(1);
  });

  it('rejects writes once closed, and commits what was pending at close', async () => {
    const path = dbPath();
    const s = EventStore.open(path);
    const pending = s.insert(row('at-close'), Buffer.from('1'));
    const closing = s.close();
    await expect(pending).resolves.toBeGreaterThan(0);
    await closing;
    await expect(s.write({ op: 'delete-event', seq: 1 })).rejects.toThrow(/closed/);
    await expect(s.close()).resolves.toBeUndefined();
    expect(requestIds(reader(path))).toEqual(['at-close']);
  });
});

describe('metrics', () => {
  const metric = (db: Database.Database, fn: string, name: string): number | undefined =>
    (db.prepare('SELECT value FROM metrics WHERE function = ? AND name = ?').get(fn, name) as { value: number } | undefined)?.value;

  it('adds counts and keeps maxima, per function, within a turn, across turns and across reopening', async () => {
    const path = dbPath();
    let s = EventStore.open(path);
    s.count('a', 'AsyncEventsReceived');
    s.count('a', 'AsyncEventsReceived', 2);
    s.count('b', 'AsyncEventsReceived');
    s.maximum('a', 'AsyncEventAge.max', 50);
    s.maximum('a', 'AsyncEventAge.max', 20);
    s.maximum('a', 'AsyncEventAge.max', -5);
    await s.drained();
    s.count('a', 'AsyncEventsReceived', 4);
    s.maximum('a', 'AsyncEventAge.max', 30);
    await s.close();
    s = store(path);
    s.count('a', 'AsyncEventsReceived', 0.5);
    s.maximum('a', 'AsyncEventAge.max', 70);
    s.maximum('b', 'AsyncEventAge.max', -5);
    await s.drained();
    const other = reader(path);
    expect(metric(other, 'a', 'AsyncEventsReceived')).toBe(7.5);
    expect(metric(other, 'b', 'AsyncEventsReceived')).toBe(1);
    expect(metric(other, 'a', 'AsyncEventAge.max')).toBe(70);
    expect(metric(other, 'b', 'AsyncEventAge.max')).toBe(-5);
    expect(metric(other, 'c', 'AsyncEventsReceived')).toBeUndefined();
  });

  it('commits metrics on their own, without any write', async () => {
    const path = dbPath();
    const s = store(path);
    s.count('solo', 'AsyncEventsDropped');
    await s.drained();
    expect(metric(reader(path), 'solo', 'AsyncEventsDropped')).toBe(1);
  });
});

describe('files that are not a queue Lamina can read', () => {
  async function refusedUntouched(path: string, matcher: RegExp): Promise<void> {
    const before = readFileSync(path);
    let error: unknown;
    try {
      await EventStore.open(path).close();
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(matcher);
    expect((error as Error).message).toContain(path);
    expect(readFileSync(path).equals(before)).toBe(true);
  }

  it('refuses garbage and leaves it byte for byte', async () => {
    const path = dbPath();
    writeFileSync(path, Buffer.concat([Buffer.from('this is not SQLite at all\n'), Buffer.alloc(8192, 0xa5)]));
    await refusedUntouched(path, /cannot be opened: .*not a database.*left untouched/);
  });

  it('refuses a Lamina queue whose pages are damaged, and leaves it byte for byte', async () => {
    const path = dbPath();
    // A real queue in rollback-journal mode, then one of its table pages overwritten.
    await EventStore.open(path).close();
    const db = new Database(path);
    db.pragma('journal_mode = DELETE');
    const insert = db.prepare("INSERT INTO events (request_id, function, payload, accepted_at, attempts, retries_used, state, due_at) VALUES (?, 'fn', randomblob(200), 0, 0, 0, 'queued', 0)");
    for (let i = 0; i < 200; i += 1) insert.run(`r${i}`);
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    const root = (db.prepare("SELECT rootpage FROM sqlite_master WHERE name = 'events'").get() as { rootpage: number }).rootpage;
    db.close();
    const bytes = readFileSync(path);
    bytes.fill(0x5a, (root - 1) * pageSize, (root - 1) * pageSize + 64);
    writeFileSync(path, bytes);
    await refusedUntouched(path, /cannot be opened/);
  });

  it("refuses another program's SQLite file (other tables) and leaves it byte for byte", async () => {
    const path = dbPath();
    const db = new Database(path);
    db.exec("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO users (name) VALUES ('ada')");
    db.close();
    await refusedUntouched(path, /not Lamina's event queue \(tables users\)/);
  });

  it('refuses a queue written by a newer Lamina and leaves it byte for byte', async () => {
    const path = dbPath();
    await EventStore.open(path).close();
    const db = new Database(path);
    db.pragma('user_version = 99');
    db.pragma('journal_mode = DELETE');
    db.close();
    await refusedUntouched(path, new RegExp(`newer Lamina \\(schema 99, this one reads ${SCHEMA_VERSION}\\)`));
  });

  it('opens an empty file as a new queue, and reopens its own file with its events', async () => {
    const path = dbPath();
    writeFileSync(path, '');
    const s = EventStore.open(path);
    await s.insert(row('kept', { state: 'retrying', attempts: 2, retriesUsed: 1, dueAt: 5000, lastError: 'Unhandled' }), Buffer.from('p'));
    await s.close();
    const again = store(path);
    expect(again.events()).toEqual([{ ...row('kept', { state: 'retrying', attempts: 2, retriesUsed: 1, dueAt: 5000, lastError: 'Unhandled' }), seq: 1 }]);
    expect(again.outbox()).toEqual([]);
    expect(reader(path).pragma('journal_mode', { simple: true })).toBe('wal');
    expect(reader(path).pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
  });
});
