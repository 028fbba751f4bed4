/**
 * Where a large payload's time goes, as CPU time (it survives a loaded machine better than wall
 * time): per process and per invoke, the floor (relay + smallest runtime loop) against
 * `lamina serve` with that same loop and with Lamina's RIC (nodejs20.x, echo handler), at 1 KB,
 * 64 KB and 1 MB, sides alternating in rounds. CPU is utime + stime of each process from
 * /proc/<pid>/stat, grouped by role: the relay or the platform (`lamina serve`), the runtime
 * (the loop, or the environment's processes: launcher and node), and the caller (this process).
 *
 *   npm run build && node dist/bench/payload-path.js [--rounds 3] [--invokes 400]
 *
 * `--invokes` is the count at 1 KB; 64 KB runs a quarter of it and 1 MB a twentieth (at least 20).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import type { Pool } from 'undici';
import { createWorkspace } from './harness/bench-functions.js';
import { callerPool, invoke, jsonPayload } from './harness/invoke-client.js';
import { startLaminaServe } from './harness/lamina-process.js';
import { alternation, median } from './harness/stats.js';
import { startFloor } from './floor/floor-process.js';

const TICK_US = 1_000_000 / 100; // USER_HZ is 100 on Linux

/** utime + stime (µs) and parent of every process we can read. */
function processTable(): Map<number, { ppid: number; cpuUs: number }> {
  const table = new Map<number, { ppid: number; cpuUs: number }>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'latin1');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      table.set(Number(name), { ppid: Number(fields[1]), cpuUs: (Number(fields[11]) + Number(fields[12])) * TICK_US });
    } catch {
      // gone between readdir and read
    }
  }
  return table;
}

/** CPU µs of `root` alone and of all its descendants together. */
function treeCpu(table: Map<number, { ppid: number; cpuUs: number }>, root: number): { own: number; below: number } {
  const children = new Map<number, number[]>();
  for (const [pid, { ppid }] of table) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  let below = 0;
  const stack = [...(children.get(root) ?? [])];
  for (let pid = stack.pop(); pid !== undefined; pid = stack.pop()) {
    below += table.get(pid)?.cpuUs ?? 0;
    stack.push(...(children.get(pid) ?? []));
  }
  return { own: table.get(root)?.cpuUs ?? 0, below };
}

/** This process's children whose command line matches. */
function childrenRunning(pattern: RegExp): number[] {
  const found: number[] = [];
  for (const [pid, { ppid }] of processTable()) {
    if (ppid !== process.pid) continue;
    try {
      if (pattern.test(readFileSync(`/proc/${pid}/cmdline`, 'latin1'))) found.push(pid);
    } catch {
      // gone
    }
  }
  return found;
}

interface Sample {
  readonly p50Us: number;
  readonly serverUs: number;
  readonly runtimeUs: number;
  readonly callerUs: number;
}

interface Side {
  readonly key: string;
  readonly label: string;
  readonly pool: Pool;
  readonly functionName: string;
  /** CPU of [server, runtime] so far. */
  cpu(): [number, number];
}

async function measure(side: Side, payload: string, count: number): Promise<Sample> {
  const expected = Buffer.byteLength(payload);
  const call = async (): Promise<number> => {
    const answer = await invoke(side.pool, side.functionName, payload);
    if (answer.status !== 200 || answer.body.length !== expected) throw new Error(`${side.label}: answered ${answer.status} with ${answer.body.length} bytes`);
    return answer.elapsedMs;
  };
  for (let i = 0; i < Math.max(3, count / 10); i += 1) await call();
  const [server0, runtime0] = side.cpu();
  const caller0 = process.cpuUsage();
  const times: number[] = [];
  for (let i = 0; i < count; i += 1) times.push(await call());
  const caller = process.cpuUsage(caller0);
  const [server1, runtime1] = side.cpu();
  return {
    p50Us: median(times) * 1000,
    serverUs: (server1 - server0) / count,
    runtimeUs: (runtime1 - runtime0) / count,
    callerUs: (caller.user + caller.system) / count,
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, invokes: { type: 'string', default: '400' } } });
  const rounds = Number(values.rounds);
  const base = Number(values.invokes);
  const counts: Record<number, number> = { 1024: base, 65_536: Math.max(20, Math.round(base / 4)), 1_048_576: Math.max(20, Math.round(base / 20)) };
  const workspace = createWorkspace();
  const floor = await startFloor(1);
  const lamina = await startLaminaServe(workspace.template([
    { name: 'PathLoop', runtime: 'floor-loop', memoryMb: 3008 },
    { name: 'PathRic', runtime: 'lamina-ric', memoryMb: 3008 },
  ], 'payload-path.yaml'));
  const floorPool = callerPool(floor.url);
  const laminaPool = callerPool(lamina.url);
  // The floor's processes are this process's children (bench/floor/floor-process.ts starts them).
  const relayPid = childrenRunning(/relay-server\.js/)[0] ?? 0;
  const loopPids = childrenRunning(/runtime-loop\.js/);
  if (relayPid === 0 || loopPids.length === 0) throw new Error('floor processes not found under /proc');
  // Only one side runs at a time, so the platform's descendants are the environment that works.
  const laminaCpu = (): [number, number] => {
    const cpu = treeCpu(processTable(), lamina.pid);
    return [cpu.own, cpu.below];
  };
  const sides: Side[] = [
    {
      key: 'floor',
      label: 'floor: relay + smallest runtime loop',
      pool: floorPool,
      functionName: 'floor',
      cpu: () => {
        const table = processTable();
        return [table.get(relayPid)?.cpuUs ?? 0, loopPids.reduce((sum, pid) => sum + (table.get(pid)?.cpuUs ?? 0), 0)];
      },
    },
    { key: 'lamina-loop', label: 'lamina serve + the same loop', pool: laminaPool, functionName: 'PathLoop', cpu: laminaCpu },
    { key: 'lamina-ric', label: 'lamina serve + lamina RIC (nodejs20.x)', pool: laminaPool, functionName: 'PathRic', cpu: laminaCpu },
  ];
  const samples = new Map<string, Sample[]>();
  try {
    for (const order of alternation(sides, rounds)) {
      for (const bytes of [1024, 65_536, 1_048_576]) {
        const payload = jsonPayload(bytes);
        for (const side of order) {
          const key = `${side.key}@${bytes}`;
          samples.set(key, [...(samples.get(key) ?? []), await measure(side, payload, counts[bytes] ?? base)]);
        }
      }
    }
  } finally {
    await Promise.all([floorPool.close(), laminaPool.close()]);
    await Promise.all([floor.stop(), lamina.stop()]);
    workspace.remove();
  }
  const at = new Date().toISOString().slice(0, 16).replace('T', ' ');
  process.stdout.write(`payload path, ${at} UTC, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}, ${rounds} rounds; medians of rounds, CPU in µs per invoke\n`);
  process.stdout.write('| payload | what | p50 (µs) | p50 / floor | relay or platform CPU | runtime CPU | caller CPU | server+runtime / floor |\n| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |\n');
  for (const bytes of [1024, 65_536, 1_048_576]) {
    const of = (key: string, pick: (s: Sample) => number): number => median((samples.get(`${key}@${bytes}`) ?? []).map(pick));
    const floorP50 = of('floor', (s) => s.p50Us);
    const floorCpu = of('floor', (s) => s.serverUs + s.runtimeUs);
    for (const side of sides) {
      const p50 = of(side.key, (s) => s.p50Us);
      const cpu = of(side.key, (s) => s.serverUs + s.runtimeUs);
      const row = [`${bytes / 1024} KB`, side.label, p50.toFixed(0), `${(p50 / floorP50).toFixed(2)}x`, of(side.key, (s) => s.serverUs).toFixed(0), of(side.key, (s) => s.runtimeUs).toFixed(0), of(side.key, (s) => s.callerUs).toFixed(0), `${(cpu / floorCpu).toFixed(2)}x`];
      process.stdout.write(`| ${row.join(' | ')} |\n`);
    }
  }
}

await main();
