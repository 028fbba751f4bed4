/**
 * Watching `lamina serve`'s durable event queue from the benchmark (docs/async-invocation.md):
 * waiting for it to drain between rounds, and auditing it at the end so that a fast 202 that
 * lost its event cannot pass for a good figure.
 *
 * The queue is read in this process with the code `lamina events --json` runs (readQueueStatus,
 * read-only: WAL lets a reader share the file with the writing server). Starting a `lamina events`
 * process per poll would put a Node start-up on the two cores every few milliseconds of the
 * drain being timed; the scenario runs the real command once, at the end, as a cross-check.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { readQueueStatus, type FunctionQueueStatus } from '../../src/async/queue-status.js';
import { ROOT } from '../lib/processes.js';

/** One function's line of the queue; zeros before the queue file exists. */
export function queueLine(stateDir: string, functionName: string): FunctionQueueStatus | undefined {
  try {
    return readQueueStatus(join(stateDir, 'events.db'), 0).functions.find((f) => f.functionName === functionName);
  } catch {
    return undefined; // no Event invoke accepted yet: no file
  }
}

/** Events still to run: queued, in flight or waiting for a retry. */
export const backlogOf = (line: FunctionQueueStatus | undefined): number => (line === undefined ? 0 : line.queued + line.inFlight + line.retrying);

/**
 * Poll until nothing is left to run; returns the milliseconds it took, or undefined at `timeoutMs`.
 *
 * @example const ms = await waitDrained(stateDir, 'Noop', 120_000);
 */
export async function waitDrained(stateDir: string, functionName: string, timeoutMs: number, pollMs = 20): Promise<number | undefined> {
  const started = performance.now();
  while (backlogOf(queueLine(stateDir, functionName)) > 0) {
    if (performance.now() - started > timeoutMs) return undefined;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  return performance.now() - started;
}

export interface QueueAudit {
  /** Distinct request ids the 202s carried. */
  readonly accepted: number;
  /** AsyncEventsReceived. */
  readonly received: number;
  /** Attempts started (AsyncEventAge is counted once per attempt). */
  readonly attempts: number;
  /** Accepted ids still in the queue (not run yet) or given up on (failed). */
  readonly pending: number;
  readonly failed: number;
  readonly dropped: number;
  /** Accepted ids that ran to success: out of the queue and not among the failed. */
  readonly succeeded: number;
  /** What `lamina events --state-dir <dir> --json` printed for the function, as a cross-check. */
  readonly eventsCommand: { readonly received: number; readonly backlog: number; readonly failed: number } | undefined;
}

/**
 * Every accepted request id against the queue file. A successful attempt is the only way out of
 * the `events` table other than the `failed` table (src/async/event-queue.ts), so an id in
 * neither, with one attempt per event, ran once and succeeded.
 *
 * @example const audit = auditQueue(stateDir, 'Noop', ids);
 */
export function auditQueue(stateDir: string, functionName: string, ids: ReadonlySet<string>): QueueAudit {
  const path = join(stateDir, 'events.db');
  const db = new Database(path, { readonly: true, fileMustExist: true });
  let stuck: Set<string>;
  let metrics: Map<string, number>;
  try {
    const rows = db.prepare('SELECT request_id AS id FROM events WHERE function = ? UNION ALL SELECT request_id AS id FROM failed WHERE function = ?').all(functionName, functionName) as Array<{ id: string }>;
    stuck = new Set(rows.map((r) => r.id).filter((id) => ids.has(id)));
    const named = db.prepare('SELECT name, value FROM metrics WHERE function = ?').all(functionName) as Array<{ name: string; value: number }>;
    metrics = new Map(named.map((m) => [m.name, m.value]));
  } finally {
    db.close();
  }
  const line = queueLine(stateDir, functionName);
  return {
    accepted: ids.size,
    received: metrics.get('AsyncEventsReceived') ?? 0,
    attempts: metrics.get('AsyncEventAge.count') ?? 0,
    pending: backlogOf(line),
    failed: line?.failed ?? 0,
    dropped: line?.metrics.AsyncEventsDropped ?? 0,
    succeeded: ids.size - stuck.size,
    eventsCommand: eventsCommandLine(stateDir, functionName),
  };
}

/** One run of the real `lamina events --json`, for the function's line. */
function eventsCommandLine(stateDir: string, functionName: string): QueueAudit['eventsCommand'] {
  try {
    const out = execFileSync(process.execPath, [join(ROOT, 'bin', 'lamina.js'), 'events', '--state-dir', stateDir, '--json', '--failed', '0'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const parsed = JSON.parse(out) as { functions: FunctionQueueStatus[] };
    const line = parsed.functions.find((f) => f.functionName === functionName);
    return line === undefined ? undefined : { received: line.metrics.AsyncEventsReceived, backlog: backlogOf(line), failed: line.failed };
  } catch {
    return undefined;
  }
}

/**
 * The file system a path lives on, from /proc/self/mounts (longest mount point that contains it):
 * the queue's fsyncs cost what that file system and its device make them cost.
 *
 * @example fileSystemOf('/var/tmp/x') // 'ext4 on /dev/vda (mounted at /)'
 */
export function fileSystemOf(path: string): string {
  let best: { point: string; type: string; source: string } | undefined;
  try {
    for (const line of readFileSync('/proc/self/mounts', 'utf8').split('\n')) {
      const [source, point, type] = line.split(' ');
      if (source === undefined || point === undefined || type === undefined) continue;
      const within = point === '/' || path === point || path.startsWith(`${point}/`);
      if (within && (best === undefined || point.length > best.point.length)) best = { point, type, source };
    }
  } catch {
    return 'unknown (no /proc/self/mounts)';
  }
  return best === undefined ? 'unknown' : `${best.type} on ${best.source} (mounted at ${best.point})`;
}
