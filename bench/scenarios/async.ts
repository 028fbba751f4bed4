/**
 * async: how fast `lamina serve` accepts Event invokes (issue 14, docs/async-invocation.md).
 *
 * One no-op function (the floor's runtime loop as a custom runtime, as in warm and concurrency)
 * in one `lamina serve --quiet --state-dir <dir>`, the state directory on the real disk (the file
 * system is printed: the queue commits with fsync, which tmpfs makes free). Sides alternate in
 * rounds at C concurrent keep-alive callers for T seconds, through the same undici pool:
 *   A: RequestResponse invokes (200s per second);
 *   B: Event invokes (202s per second; each 202 is sent once the event is on disk).
 * The events of B also run in the background on the same two cores while B is measured: that is
 * part of the honest figure. After each B the queue is left to drain before the next side starts
 * (rounds do not overlap), and the drain is timed. Target: B / A >= 0.8 (median of rounds).
 * At the end every request id a 202 carried is looked up in the queue file: none may be left
 * queued or failed, and the server must have received and started exactly as many.
 */
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Pool } from 'undici';
import { auditQueue, backlogOf, fileSystemOf, queueLine, waitDrained, type QueueAudit } from '../harness/event-queue-watch.js';
import { callerPool, invoke, LOST_AFTER_MS } from '../harness/invoke-client.js';
import { closedLoop, type Call, type Throughput } from '../harness/load.js';
import { startLaminaServe } from '../harness/lamina-process.js';
import { fmt, type Cell, type ScenarioResult, type Target } from '../harness/result.js';
import { processTree, type ProcessNode } from '../harness/standby-settle.js';
import { alternation, median, ratioOf } from '../harness/stats.js';
import type { Scenario, ScenarioContext } from './scenario.js';

const FUNCTION = 'Noop';
const PAYLOAD = JSON.stringify({ noop: true });

/** A synchronous invoke: a 200 carrying the echoed payload (a wrong answer must not count as a fast one). */
export function syncCall(pool: Pool, functionName: string, payload: string): Call {
  return async () => {
    const answer = await invoke(pool, functionName, payload);
    if (answer.status !== 200 || answer.body.toString() !== payload) throw new Error(`RequestResponse answered ${answer.status}: ${answer.body.toString().slice(0, 200)}`);
  };
}

/** An Event invoke: a 202 with an empty body and a request id never seen before, added to `ids`. */
export function eventCall(pool: Pool, functionName: string, payload: string, ids: Set<string>): Call {
  return async () => {
    const answer = await invoke(pool, functionName, payload, { invocationType: 'Event' });
    const id = answer.headers['x-amzn-requestid'];
    if (answer.status !== 202 || answer.body.length !== 0) throw new Error(`Event answered ${answer.status}: ${answer.body.toString().slice(0, 200)}`);
    if (typeof id !== 'string' || id === '') throw new Error('Event answered 202 without an x-amzn-RequestId');
    if (ids.has(id)) throw new Error(`Event answered 202 with a request id already given: ${id}`);
    ids.add(id);
  };
}

/** Runtime processes under `lamina serve`: one per environment running the node runtime loop. */
function runtimes(node: ProcessNode): number {
  return (node.comm === 'node' ? 1 : 0) + node.children.reduce((sum, child) => sum + runtimes(child), 0);
}

interface Round {
  readonly callers: number;
  readonly round: number;
  readonly syncPerSecond: number;
  readonly eventPerSecond: number;
  readonly syncP50: number;
  readonly eventP50: number;
  readonly accepted: number;
  readonly backlogAtEnd: number;
  /** ms from the last 202 to an empty queue; undefined when it did not drain in time. */
  readonly drainMs: number | undefined;
  /** ms the B side's load took (the window plus the calls still in flight at its end). */
  readonly eventElapsedMs: number;
  readonly errors: string;
  readonly environments: number;
}

const rate = (events: number, ms: number | undefined): number => (ms === undefined || ms <= 0 ? Number.NaN : (events / ms) * 1000);
const spanOf = (values: readonly number[], digits: number): string => `${fmt(Math.min(...values), digits)}-${fmt(Math.max(...values), digits)}`;

export const asyncScenario: Scenario = {
  name: 'async',
  title: 'Asynchronous invocation: Event invokes accepted (202s/s) against synchronous invokes of a no-op function, queue on disk',
  async run(context: ScenarioContext): Promise<ScenarioResult> {
    const { options, workspace } = context;
    const levels = options.callers ?? (options.quick ? [2] : [8]);
    const windowMs = (options.seconds ?? (options.quick ? 0.5 : 5)) * 1000;
    const drainLimitMs = Math.max(120_000, windowMs * 30);
    const unavailable = workspace.unavailable('floor-loop');
    if (unavailable !== undefined) throw new Error(`the no-op function cannot run: ${unavailable}`);
    // In the workspace (/var/tmp when there is one): the real disk, not a tmpfs /tmp.
    const stateDir = mkdtempSync(join(workspace.dir, 'state-'));
    const fileSystem = fileSystemOf(stateDir);
    const template = workspace.template([{ name: FUNCTION, runtime: 'floor-loop', memoryMb: 1769, timeoutS: 30 }], 'async.yaml');
    const queueSync = options.queueSync ?? 'normal';
    const lamina = await startLaminaServe(template, ['--state-dir', stateDir, '--queue-sync', queueSync]);
    const ids = new Set<string>();
    const rounds: Round[] = [];
    const problems: string[] = [];
    let audit: QueueAudit | undefined;
    const bar = context.progress(levels.length * options.rounds);
    try {
      for (const callers of levels) {
        const pool = callerPool(lamina.url, callers, LOST_AFTER_MS);
        try {
          const sync = syncCall(pool, FUNCTION, PAYLOAD);
          const event = eventCall(pool, FUNCTION, PAYLOAD, ids);
          // Warm-up, unrecorded: the environments both sides need exist before the first round.
          await closedLoop(sync, callers, Math.min(1000, windowMs));
          await closedLoop(event, callers, Math.min(1000, windowMs));
          await waitDrained(stateDir, FUNCTION, drainLimitMs);
          let round = 0;
          for (const order of alternation(['sync', 'event'] as const, options.rounds)) {
            const measured = new Map<string, Throughput>();
            let accepted = 0;
            let backlogAtEnd = 0;
            let drainMs: number | undefined;
            let eventElapsedMs = 0;
            for (const side of order) {
              if (side === 'sync') {
                measured.set(side, await closedLoop(sync, callers, windowMs));
                continue;
              }
              const before = ids.size;
              const t0 = performance.now();
              measured.set(side, await closedLoop(event, callers, windowMs));
              eventElapsedMs = performance.now() - t0;
              accepted = ids.size - before;
              backlogAtEnd = backlogOf(queueLine(stateDir, FUNCTION));
              drainMs = await waitDrained(stateDir, FUNCTION, drainLimitMs);
              if (drainMs === undefined) problems.push(`${callers} callers, round ${round + 1}: the queue had not drained ${drainLimitMs / 1000} s after the last 202 (still to run: ${backlogOf(queueLine(stateDir, FUNCTION))})`);
            }
            const a = measured.get('sync');
            const b = measured.get('event');
            if (a === undefined || b === undefined) throw new Error('a side did not run');
            const errors = [a, b].map((t) => `${t.errors}${t.firstError === undefined ? '' : ` (${t.firstError.slice(0, 120)})`}`).join(' / ');
            if (a.errors + b.errors > 0) problems.push(`${callers} callers, round ${round + 1}: failed calls (A / B) ${errors}`);
            rounds.push({ callers, round: round + 1, syncPerSecond: a.perSecond, eventPerSecond: b.perSecond, syncP50: a.latency.summary().p50, eventP50: b.latency.summary().p50, accepted, backlogAtEnd, drainMs, eventElapsedMs, errors, environments: runtimes(processTree(lamina.pid)) });
            round += 1;
            bar.tick(`${callers} callers`);
          }
        } finally {
          await pool.close();
        }
      }
      bar.done();
      await waitDrained(stateDir, FUNCTION, drainLimitMs);
      audit = auditQueue(stateDir, FUNCTION, ids);
    } finally {
      await lamina.stop();
    }

    const lost = audit.accepted - audit.succeeded;
    const targets: Target[] = [];
    const summaryRows: Cell[][] = [];
    for (const callers of levels) {
      const mine = rounds.filter((r) => r.callers === callers);
      const a = mine.map((r) => r.syncPerSecond);
      const b = mine.map((r) => r.eventPerSecond);
      const ratio = ratioOf(b, a);
      targets.push({ what: `Event 202s/s / synchronous invokes/s, no-op function, ${callers} callers, queue on disk (${fileSystem.split(" ")[0] ?? ""}, --queue-sync ${queueSync})`, ratio: ratio.value, goal: '>= 0.8', range: ratio });
      const drains = mine.map((r) => r.drainMs).filter((ms): ms is number => ms !== undefined);
      summaryRows.push([
        callers,
        `${fmt(median(a), 0)} (${spanOf(a, 0)})`,
        `${fmt(median(b), 0)} (${spanOf(b, 0)})`,
        `**${fmt(ratio.value, 2)}**`,
        `${fmt(ratio.low, 2)}-${fmt(ratio.high, 2)}`,
        `${fmt(median(mine.map((r) => r.syncP50)), 0)} / ${fmt(median(mine.map((r) => r.eventP50)), 0)}`,
        drains.length === 0 ? '-' : fmt(median(drains) / 1000, 2),
        fmt(median(mine.map((r) => rate(r.accepted, r.eventElapsedMs + (r.drainMs ?? Number.NaN)))), 0),
        Math.max(...mine.map((r) => r.environments)),
      ]);
    }
    targets.push({ what: 'accepted Event invokes that ran and succeeded / accepted (every 202 request id looked up in the queue file)', ratio: audit.accepted === 0 ? Number.NaN : audit.succeeded / audit.accepted, goal: '>= 1' });
    const cross = audit.eventsCommand;
    return {
      scenario: 'async',
      title: this.title,
      command: context.command,
      tables: [
        {
          title: `Event invokes accepted against synchronous invokes (${windowMs / 1000} s per side per round, ${options.rounds} round(s), alternating; median (range of rounds))`,
          columns: ['callers', 'A: synchronous invokes/s', 'B: Event 202s/s', 'B / A (goal >= 0.8)', 'B / A range of rounds', 'p50 A / B (µs)', 'drain after B (s)', 'events run/s over B (window + drain)', 'runtime processes (max)'],
          rows: summaryRows,
          notes: [
            `State directory ${stateDir}: ${fileSystem}. lamina serve limits: ${lamina.limits}`,
            'One no-op function (the floor runtime loop as a custom runtime, echoing its event; 1769 MB), one lamina serve --quiet, keep-alive undici callers shared by both sides. The events of B run in the background on the same cores while B is measured.',
            ...problems,
          ],
        },
        {
          title: 'Per round',
          columns: ['callers', 'round', 'A: invokes/s', 'B: 202s/s', 'B / A', 'accepted in B', 'still to run at the end of B', 'drain (s)', 'events run/s in the drain', 'runtime processes after the round', 'failed calls A / B'],
          rows: rounds.map((r) => [r.callers, r.round, fmt(r.syncPerSecond, 0), fmt(r.eventPerSecond, 0), fmt(r.eventPerSecond / r.syncPerSecond, 2), r.accepted, r.backlogAtEnd, r.drainMs === undefined ? 'not drained' : fmt(r.drainMs / 1000, 2), fmt(rate(r.backlogAtEnd, r.drainMs), 0), r.environments, r.errors]),
          notes: ['The drain is polled every 20 ms: a drain of a few events reads as about 0.02 s. Runtime processes: one per environment of the function (the queue starts a new environment for an event when none is idle).'],
        },
        {
          title: 'No event lost: every 202 against the queue file after the run',
          columns: ['202s (distinct request ids)', 'AsyncEventsReceived', 'attempts started', 'ran and succeeded', 'still queued / in flight / retrying', 'failed', 'dropped', 'lost', 'lamina events --json: received / to run / failed'],
          rows: [[audit.accepted, audit.received, audit.attempts, audit.succeeded, audit.pending, audit.failed, audit.dropped, lost, cross === undefined ? 'not read' : `${cross.received} / ${cross.backlog} / ${cross.failed}`]],
          notes: ['Warm-up Event invokes are counted too. An id out of the events table and not in the failed table ran to success (the only two ways out of the queue).'],
        },
      ],
      targets,
      charts: [],
      skipped: [],
      raw: { stateDir, fileSystem, windowMs, limits: lamina.limits, rounds, audit },
    };
  },
};
