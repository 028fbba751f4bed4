/**
 * The SQS server's durable state in SQLite (docs/sqs-server.md): queues, messages with their
 * receive count and visibility, and FIFO deduplication ids. WAL mode, one transaction per request
 * (the caller wraps its work in `transaction`), so a restart finds every message as it was left.
 * Times are epoch milliseconds.
 */
import Database from 'better-sqlite3';
import type { MessageAttributes } from './message-attributes.js';

export interface StoredQueue {
  readonly name: string;
  readonly attributes: Record<string, string>;
  readonly tags: Record<string, string>;
  readonly createdAt: number;
  readonly modifiedAt: number;
}

export interface StoredMessage {
  /** Insertion order: FIFO delivery and oldest-first receive follow it. */
  readonly ord: number;
  readonly queue: string;
  readonly id: string;
  readonly body: string;
  readonly attributes: MessageAttributes | undefined;
  readonly systemAttributes: MessageAttributes | undefined;
  readonly md5OfBody: string;
  readonly md5OfAttributes: string | undefined;
  readonly md5OfSystemAttributes: string | undefined;
  readonly senderId: string;
  readonly sentAt: number;
  /** Not receivable before this time (delay, or in flight until its visibility timeout). */
  readonly visibleAt: number;
  readonly receiveCount: number;
  readonly firstReceiveAt: number | undefined;
  /** The latest receive's handle; the message is in flight while this is set and visibleAt is ahead. */
  readonly receiptHandle: string | undefined;
  readonly groupId: string | undefined;
  readonly dedupId: string | undefined;
  readonly sequenceNumber: string | undefined;
  /** Set when a redrive moved the message here. */
  readonly deadLetterSourceArn: string | undefined;
}

interface MessageRow {
  ord: number; queue: string; id: string; body: string; attributes: string | null; system_attributes: string | null;
  md5_body: string; md5_attributes: string | null; md5_system: string | null; sender_id: string; sent_at: number;
  visible_at: number; receive_count: number; first_receive_at: number | null; receipt_handle: string | null;
  group_id: string | null; dedup_id: string | null; sequence_number: string | null; dlq_source_arn: string | null;
}

interface QueueRow { name: string; attributes: string; tags: string; created_at: number; modified_at: number }

const SCHEMA = `
CREATE TABLE IF NOT EXISTS queues (
  name TEXT PRIMARY KEY, attributes TEXT NOT NULL, tags TEXT NOT NULL DEFAULT '{}',
  created_at INTEGER NOT NULL, modified_at INTEGER NOT NULL, sequence INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS messages (
  ord INTEGER PRIMARY KEY AUTOINCREMENT, queue TEXT NOT NULL, id TEXT NOT NULL UNIQUE, body TEXT NOT NULL,
  attributes TEXT, system_attributes TEXT, md5_body TEXT NOT NULL, md5_attributes TEXT, md5_system TEXT,
  sender_id TEXT NOT NULL, sent_at INTEGER NOT NULL, visible_at INTEGER NOT NULL, receive_count INTEGER NOT NULL DEFAULT 0,
  first_receive_at INTEGER, receipt_handle TEXT, group_id TEXT, dedup_id TEXT, sequence_number TEXT, dlq_source_arn TEXT
);
CREATE INDEX IF NOT EXISTS messages_by_queue ON messages (queue, visible_at);
CREATE TABLE IF NOT EXISTS dedup (
  queue TEXT NOT NULL, scope TEXT NOT NULL, dedup_id TEXT NOT NULL, message_id TEXT NOT NULL,
  sequence_number TEXT, expires_at INTEGER NOT NULL, PRIMARY KEY (queue, scope, dedup_id)
);
`;

function parseJson<T>(text: string | null): T | undefined {
  return text === null ? undefined : (JSON.parse(text) as T);
}

function toMessage(row: MessageRow): StoredMessage {
  return {
    ord: row.ord, queue: row.queue, id: row.id, body: row.body,
    attributes: parseJson<MessageAttributes>(row.attributes), systemAttributes: parseJson<MessageAttributes>(row.system_attributes),
    md5OfBody: row.md5_body, md5OfAttributes: row.md5_attributes ?? undefined, md5OfSystemAttributes: row.md5_system ?? undefined,
    senderId: row.sender_id, sentAt: row.sent_at, visibleAt: row.visible_at, receiveCount: row.receive_count,
    firstReceiveAt: row.first_receive_at ?? undefined, receiptHandle: row.receipt_handle ?? undefined,
    groupId: row.group_id ?? undefined, dedupId: row.dedup_id ?? undefined, sequenceNumber: row.sequence_number ?? undefined,
    deadLetterSourceArn: row.dlq_source_arn ?? undefined,
  };
}

/**
 * The queues and messages of one SQS server, in one SQLite file.
 *
 * @example
 * const store = new SqsStore('/var/lib/lamina/sqs.db');
 * store.transaction(() => store.insertQueue('jobs', { VisibilityTimeout: '30' }, Date.now()));
 */
export class SqsStore {
  private readonly db: Database.Database;

  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    // NORMAL is durable across process crashes in WAL mode; only a power loss can drop the last commits.
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(SCHEMA);
  }

  transaction<T>(work: () => T): T {
    return this.db.transaction(work).immediate();
  }

  close(): void {
    this.db.close();
  }

  getQueue(name: string): StoredQueue | undefined {
    const row = this.db.prepare('SELECT * FROM queues WHERE name = ?').get(name) as QueueRow | undefined;
    return row === undefined ? undefined : { name: row.name, attributes: JSON.parse(row.attributes) as Record<string, string>, tags: JSON.parse(row.tags) as Record<string, string>, createdAt: row.created_at, modifiedAt: row.modified_at };
  }

  queueNames(): string[] {
    return (this.db.prepare('SELECT name FROM queues ORDER BY name').all() as { name: string }[]).map((r) => r.name);
  }

  insertQueue(name: string, attributes: Record<string, string>, tags: Record<string, string>, now: number): void {
    this.db.prepare('INSERT INTO queues (name, attributes, tags, created_at, modified_at) VALUES (?, ?, ?, ?, ?)').run(name, JSON.stringify(attributes), JSON.stringify(tags), now, now);
  }

  updateQueue(name: string, attributes: Record<string, string>, tags: Record<string, string>, now: number): void {
    this.db.prepare('UPDATE queues SET attributes = ?, tags = ?, modified_at = ? WHERE name = ?').run(JSON.stringify(attributes), JSON.stringify(tags), now, name);
  }

  deleteQueue(name: string): void {
    this.db.prepare('DELETE FROM messages WHERE queue = ?').run(name);
    this.db.prepare('DELETE FROM dedup WHERE queue = ?').run(name);
    this.db.prepare('DELETE FROM queues WHERE name = ?').run(name);
  }

  /** The next FIFO sequence number of a queue: 20 digits, strictly increasing (a stored counter, not the clock). */
  nextSequenceNumber(name: string): string {
    const row = this.db.prepare('UPDATE queues SET sequence = sequence + 1 WHERE name = ? RETURNING sequence').get(name) as { sequence: number };
    return String(row.sequence).padStart(20, '0');
  }

  insertMessage(m: Omit<StoredMessage, 'ord'>): void {
    this.db.prepare(`INSERT INTO messages (queue, id, body, attributes, system_attributes, md5_body, md5_attributes, md5_system, sender_id,
      sent_at, visible_at, receive_count, first_receive_at, receipt_handle, group_id, dedup_id, sequence_number, dlq_source_arn)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
      m.queue, m.id, m.body, m.attributes === undefined ? null : JSON.stringify(m.attributes),
      m.systemAttributes === undefined ? null : JSON.stringify(m.systemAttributes), m.md5OfBody, m.md5OfAttributes ?? null,
      m.md5OfSystemAttributes ?? null, m.senderId, m.sentAt, m.visibleAt, m.receiveCount, m.firstReceiveAt ?? null,
      m.receiptHandle ?? null, m.groupId ?? null, m.dedupId ?? null, m.sequenceNumber ?? null, m.deadLetterSourceArn ?? null);
  }

  message(id: string): StoredMessage | undefined {
    const row = this.db.prepare('SELECT * FROM messages WHERE id = ?').get(id) as MessageRow | undefined;
    return row === undefined ? undefined : toMessage(row);
  }

  /** Messages of a queue in insertion order; `visibleBy` keeps only those receivable at that time. */
  messages(queue: string, visibleBy?: number, limit = -1, offset = 0): StoredMessage[] {
    const rows = visibleBy === undefined
      ? this.db.prepare('SELECT * FROM messages WHERE queue = ? ORDER BY ord LIMIT ? OFFSET ?').all(queue, limit, offset)
      : this.db.prepare('SELECT * FROM messages WHERE queue = ? AND visible_at <= ? ORDER BY ord LIMIT ? OFFSET ?').all(queue, visibleBy, limit, offset);
    return (rows as MessageRow[]).map(toMessage);
  }

  /** One page of a queue's messages after a position in insertion order (FIFO scans page through a backlog). */
  messagesAfter(queue: string, afterOrd: number, limit: number): StoredMessage[] {
    return (this.db.prepare('SELECT * FROM messages WHERE queue = ? AND ord > ? ORDER BY ord LIMIT ?').all(queue, afterOrd, limit) as MessageRow[]).map(toMessage);
  }

  /** FIFO groups that have a message in flight at `now`: nothing more of them is delivered. */
  blockedGroups(queue: string, now: number): Set<string> {
    const rows = this.db.prepare('SELECT DISTINCT group_id FROM messages WHERE queue = ? AND receipt_handle IS NOT NULL AND visible_at > ?').all(queue, now) as { group_id: string | null }[];
    return new Set(rows.flatMap((r) => (r.group_id === null ? [] : [r.group_id])));
  }

  markReceived(id: string, visibleAt: number, receiptHandle: string, now: number): void {
    this.db.prepare('UPDATE messages SET visible_at = ?, receipt_handle = ?, receive_count = receive_count + 1, first_receive_at = COALESCE(first_receive_at, ?) WHERE id = ?').run(visibleAt, receiptHandle, now, id);
  }

  setVisibleAt(id: string, visibleAt: number): void {
    this.db.prepare('UPDATE messages SET visible_at = ? WHERE id = ?').run(visibleAt, id);
  }

  deleteMessage(id: string): void {
    this.db.prepare('DELETE FROM messages WHERE id = ?').run(id);
  }

  /** Moves a message to the tail of another queue (a redrive), visible at once there. */
  moveMessage(m: StoredMessage, to: string, sourceArn: string, sequenceNumber: string | undefined, now: number): void {
    this.deleteMessage(m.id);
    this.insertMessage({ ...m, queue: to, visibleAt: now, receiptHandle: undefined, sequenceNumber, deadLetterSourceArn: sourceArn });
  }

  purge(queue: string): void {
    this.db.prepare('DELETE FROM messages WHERE queue = ?').run(queue);
  }

  /** Drops the messages older than the retention period. */
  expire(queue: string, sentBefore: number): void {
    this.db.prepare('DELETE FROM messages WHERE queue = ? AND sent_at < ?').run(queue, sentBefore);
  }

  counts(queue: string, now: number): { visible: number; inFlight: number; delayed: number } {
    const row = this.db.prepare(`SELECT
      SUM(CASE WHEN visible_at <= ? THEN 1 ELSE 0 END) AS visible,
      SUM(CASE WHEN visible_at > ? AND receipt_handle IS NOT NULL THEN 1 ELSE 0 END) AS in_flight,
      SUM(CASE WHEN visible_at > ? AND receipt_handle IS NULL THEN 1 ELSE 0 END) AS delayed
      FROM messages WHERE queue = ?`).get(now, now, now, queue) as { visible: number | null; in_flight: number | null; delayed: number | null };
    return { visible: row.visible ?? 0, inFlight: row.in_flight ?? 0, delayed: row.delayed ?? 0 };
  }

  /** When the next message of a queue becomes receivable, if any is waiting. */
  nextVisibleAt(queue: string, now: number): number | undefined {
    const row = this.db.prepare('SELECT MIN(visible_at) AS at FROM messages WHERE queue = ? AND visible_at > ?').get(queue, now) as { at: number | null };
    return row.at ?? undefined;
  }

  findDedup(queue: string, scope: string, dedupId: string, now: number): { messageId: string; sequenceNumber: string | undefined } | undefined {
    const row = this.db.prepare('SELECT message_id, sequence_number FROM dedup WHERE queue = ? AND scope = ? AND dedup_id = ? AND expires_at > ?').get(queue, scope, dedupId, now) as { message_id: string; sequence_number: string | null } | undefined;
    return row === undefined ? undefined : { messageId: row.message_id, sequenceNumber: row.sequence_number ?? undefined };
  }

  putDedup(queue: string, scope: string, dedupId: string, messageId: string, sequenceNumber: string | undefined, expiresAt: number): void {
    this.db.prepare('INSERT OR REPLACE INTO dedup (queue, scope, dedup_id, message_id, sequence_number, expires_at) VALUES (?, ?, ?, ?, ?, ?)').run(queue, scope, dedupId, messageId, sequenceNumber ?? null, expiresAt);
  }

  /** Queues whose redrive policy names this ARN as their dead-letter queue. */
  deadLetterSources(arn: string): string[] {
    const rows = this.db.prepare('SELECT name, attributes FROM queues ORDER BY name').all() as { name: string; attributes: string }[];
    return rows.filter((r) => {
      const policy = (JSON.parse(r.attributes) as Record<string, string>)['RedrivePolicy'];
      return policy !== undefined && policy !== '' && (JSON.parse(policy) as { deadLetterTargetArn?: string }).deadLetterTargetArn === arn;
    }).map((r) => r.name);
  }
}
