/**
 * Where the time goes at many concurrent callers (docs/performance.md), in fixed windows of
 * closed-loop load on one `lamina serve` (the floor's runtime loop as a custom runtime) and,
 * with `--floor`, on the floor relay with as many runtime loops, sides alternating. Per window:
 * the rate, the cold starts inside it (the platform's /metrics), and CPU per answered invoke of
 * `lamina serve` (or the relay), of the runtimes (every process under it) and of this caller.
 *
 *   node dist/bench/concurrency-diagnosis.js [--plan 47,47,4,100,100,100,4] [--window-ms 2000] [--memory 1769] [--floor]
 *        [--serve-flags "--logs-max-size 0 --no-dashboard"]
 *
 * The default plan is the old ramp's 100-caller window: 47 warm environments, then 100 callers
 * at once, then the same again once every caller has its environment.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startFloor, type RunningFloor } from './floor/floor-process.js';
import { createWorkspace } from './harness/bench-functions.js';
import { callerPool, invoke } from './harness/invoke-client.js';
import { startLaminaServe } from './harness/lamina-process.js';
import { closedLoop } from './harness/load.js';
import { coldStarts, processCpuUs, throttling } from './scenarios/concurrency-probes.js';

/** CPU time (µs) of a process and every process below it, alive now. */
function treeCpuUs(pid: number): number {
  let sum = processCpuUs(pid);
  let tasks: string[] = [];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return sum;
  }
  for (const task of tasks) {
    let children = '';
    try {
      children = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8');
    } catch {
      continue;
    }
    for (const child of children.split(' ').filter((c) => c !== '')) sum += treeCpuUs(Number(child));
  }
  return sum;
}

const loadAverage = (): string => readFileSync('/proc/loadavg', 'utf8').split(' ')[0] ?? '?';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { plan: { type: 'string', default: '47,47,4,100,100,100,4' }, 'window-ms': { type: 'string', default: '2000' }, memory: { type: 'string', default: '1769' }, floor: { type: 'boolean', default: false }, 'serve-flags': { type: 'string', default: '' } },
  });
  const plan = values.plan.split(',').map(Number);
  const windowMs = Number(values['window-ms']);
  const workspace = createWorkspace();
  const template = workspace.template([{ name: 'Ramp', runtime: 'floor-loop', memoryMb: Number(values.memory), timeoutS: 30 }], 'diagnosis.yaml');
  const lamina = await startLaminaServe(template, ['--account-concurrency', '1000', ...values['serve-flags'].split(' ').filter((f) => f !== '')]);
  let floor: RunningFloor | undefined;
  const payload = JSON.stringify({ ramp: true });
  process.stdout.write(`lamina serve limits: ${lamina.limits}\n`);
  process.stdout.write('| side | callers | invokes/s | cold starts in window | server CPU/invoke (µs) | runtimes CPU/invoke (µs) | caller CPU/invoke (µs) | CFS throttled / periods | p99 (ms) | load |\n|---|---:|---:|---:|---:|---:|---:|---|---:|---:|\n');
  try {
    if (values.floor) floor = await startFloor(1);
    const sides = values.floor ? (['floor', 'lamina'] as const) : (['lamina'] as const);
    for (const callers of plan) {
      for (const side of sides) {
        const url = side === 'floor' && floor !== undefined ? floor.url : lamina.url;
        if (side === 'floor' && floor !== undefined && floor.runtimes < callers) {
          floor.scaleTo(callers);
          await new Promise((resolve) => setTimeout(resolve, 2000));
        }
        const pool = callerPool(url, callers, 120_000);
        const call = async (): Promise<void> => {
          const answer = await invoke(pool, 'Ramp', payload);
          if (answer.status !== 200) throw new Error(`answered ${answer.status}`);
        };
        // The relay and the loops are this process's children; lamina serve's environments are its own.
        const server = side === 'floor' ? (floor === undefined ? 0 : relayPid(lamina.pid)) : lamina.pid;
        const runtimes = (): number => (side === 'floor' ? treeCpuUs(process.pid) - processCpuUs(process.pid) - treeCpuUs(lamina.pid) - processCpuUs(server) : treeCpuUs(lamina.pid) - processCpuUs(lamina.pid));
        const before = { starts: side === 'lamina' ? await coldStarts(lamina.url) : 0, server: processCpuUs(server), runtimes: runtimes(), caller: process.cpuUsage(), cfs: throttling(lamina.pid) };
        const measured = await closedLoop(call, callers, windowMs);
        const caller = process.cpuUsage(before.caller);
        const after = { starts: side === 'lamina' ? await coldStarts(lamina.url) : 0, server: processCpuUs(server), runtimes: runtimes(), cfs: throttling(lamina.pid) };
        await pool.close();
        const n = Math.max(1, measured.completed);
        const cfs = side === 'lamina' && before.cfs !== undefined && after.cfs !== undefined ? `${after.cfs.throttled - before.cfs.throttled} / ${after.cfs.periods - before.cfs.periods}` : '-';
        const cells = [side, callers, Math.round(measured.perSecond), after.starts - before.starts, Math.round((after.server - before.server) / n), Math.round((after.runtimes - before.runtimes) / n), Math.round((caller.user + caller.system) / n), cfs, Math.round(measured.latency.summary().p99 / 1000), loadAverage()];
        process.stdout.write(`| ${cells.join(' | ')} |\n`);
      }
    }
  } finally {
    await floor?.stop();
    await lamina.stop();
    workspace.remove();
  }
}

/** The floor relay: this process's child that runs relay-server.js (lamina serve is the other kind). */
function relayPid(laminaPid: number): number {
  const children = readFileSync(`/proc/${process.pid}/task/${process.pid}/children`, 'utf8').split(' ').filter((c) => c !== '').map(Number);
  return children.find((pid) => pid !== laminaPid && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('relay-server')) ?? 0;
}

await main();
