/**
 * Limits benchmarks (issue 4), each against a baseline measured in the same run:
 *
 *   npm run build && node dist/bench/limits.js memory [--iterations 200000000] [--rounds 3] [--invokes 3]
 *   npm run build && node dist/bench/limits.js start-rate [--environments 200] [--rounds 3] [--sides spawn,kernel-floor,default,no-isolation,no-limits]
 *   npm run build && node dist/bench/limits.js idle-memory [--environments 100,500] [--rounds 2] [--no-isolation | --no-limits]
 *
 * memory: a fixed CPU-bound handler (bench/fixtures/limits/: one function per memory size) through
 *   `lamina serve` with limits on, Duration from the REPORT line (X-Amz-Log-Type: Tail), warm
 *   invokes only; the same functions through `lamina serve --no-limits` are the control.
 * start-rate: N concurrent cold invokes of the tiny C runtime (compiled with cc into a temp dir)
 *   against `lamina serve` (with and without limits), against spawning the same binary N times
 *   from node, each doing GET /next and POST /response against a stub Runtime API; `kernel-floor`
 *   is the same isolation per environment without the platform (bench/start-floor). CPU per start
 *   of the whole process tree from a cpuacct group (bench/start-floor/cpu-group.ts).
 * idle-memory: VmRSS of the platform's processes (`lamina serve` and its spawner) with 0 and with N idle environments.
 * Both hold every runtime's first event at a TCP barrier (bench/lib/tcp-barrier.ts) until N have it.
 * Targets (issue 18), printed as ratios: >= 250 starts/s, <= 110 KB per idle environment at 1,000.
 *
 * Every process is started with a clean environment (no NODE_EXTRA_CA_CERTS).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { ROOT } from './lib/processes.js';
import { reportFromLogResult, parseVmRssKb, type Report } from './harness/lambda-report.js';
import { median, quantile } from './harness/stats.js';
import { startLaminaServe, type LaminaServe } from './harness/lamina-process.js';
import { startTcpBarrier, type TcpBarrier } from './lib/tcp-barrier.js';
import { cpuGroup } from './start-floor/cpu-group.js';
import { kernelFloor } from './start-floor/kernel-floor.js';

// ---------------------------------------------------------------------------------------------
// Pure functions (tested in test/bench/limits-bench.test.ts)

/** Lambda's CPU scale: this much memory buys one vCPU. */
export const MB_PER_VCPU = 1769;
export const MEMORY_SIZES: readonly number[] = [128, 256, 512, 1024, 1769, 3008];

export { parseReport, reportFromLogResult, parseVmRssKb, type Report } from './harness/lambda-report.js';
export { median, quantile } from './harness/stats.js';

/** The vCPUs Lambda gives a memory size (MemorySize/1769), capped at the host's cores. */
export function vcpuShare(memoryMb: number, hostCores: number): number {
  return Math.min(memoryMb / MB_PER_VCPU, hostCores);
}

export interface ScalingRow {
  readonly memoryMb: number;
  readonly share: number;
  /** What one thread can use of the share: min(share, 1). */
  readonly singleThreadShare: number;
  readonly medianMs: number;
  /** median x share / (median x share at 1769 MB): 1.00 when duration is inversely proportional to the share. */
  readonly normalised: number;
  /** The 1769 MB median scaled by what one thread can use: the expectation for a one-thread handler. */
  readonly expectedMs: number;
}

/**
 * The memory-scaling table from the median duration per memory size. Needs a 1769 MB row.
 *
 * @example scalingTable([{ memoryMb: 1769, medianMs: 200 }, { memoryMb: 256, medianMs: 1382 }], 2)
 */
export function scalingTable(measured: readonly { memoryMb: number; medianMs: number }[], hostCores: number): ScalingRow[] {
  const reference = measured.find((m) => m.memoryMb === MB_PER_VCPU);
  if (reference === undefined) throw new Error(`no ${MB_PER_VCPU} MB measurement to normalise to`);
  const referenceWork = reference.medianMs * vcpuShare(MB_PER_VCPU, hostCores);
  return measured.map(({ memoryMb, medianMs }) => {
    const share = vcpuShare(memoryMb, hostCores);
    const singleThreadShare = Math.min(share, 1);
    return {
      memoryMb,
      share,
      singleThreadShare,
      medianMs,
      normalised: (medianMs * share) / referenceWork,
      expectedMs: reference.medianMs / singleThreadShare,
    };
  });
}

/** The proportional expectation for the duration ratio of two memory sizes (e.g. 256 vs 1769: 6.91). */
export function expectedRatio(smallerMb: number, largerMb: number, hostCores: number): number {
  return Math.min(vcpuShare(largerMb, hostCores), 1) / Math.min(vcpuShare(smallerMb, hostCores), 1);
}

/** The platform's memory per environment, in KB: (RSS_N - RSS_0) / N. */
export function perEnvironmentKb(rss0Kb: number, rssNKb: number, environments: number): number {
  return (rssNKb - rss0Kb) / environments;
}

// ---------------------------------------------------------------------------------------------
// Processes

type Lamina = LaminaServe;

/** `lamina serve --port 0 --quiet` on a template, ready once it prints its URL. */
function startLamina(template: string, extra: readonly string[] = []): Promise<Lamina> {
  return startLaminaServe(template, extra);
}

function limitsLine(banner: string): string {
  return /^Limits: .*$/m.exec(banner)?.[0] ?? 'Limits: (not printed)';
}

interface Invoked {
  readonly status: number;
  readonly body: string;
  readonly report: Report | undefined;
}

async function invoke(pool: Pool, fn: string, payload: string): Promise<Invoked> {
  const answer = await pool.request({
    method: 'POST',
    path: `/2015-03-31/functions/${fn}/invocations`,
    body: payload,
    headers: { 'content-type': 'application/json', 'x-amz-log-type': 'Tail' },
  });
  const body = await answer.body.text();
  return { status: answer.statusCode, body, report: reportFromLogResult(answer.headers['x-amz-log-result']) };
}

function loadLine(): string {
  return `load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// 1. Memory scaling

async function memoryScaling(iterations: number, rounds: number, invokes: number): Promise<void> {
  const template = join(ROOT, 'bench/fixtures/limits/template.yaml');
  const hostCores = availableParallelism();
  const limited = await startLamina(template);
  const control = await startLamina(template, ['--no-limits']);
  const sides = [
    { name: 'limits', lamina: limited, pool: new Pool(limited.url, { connections: 1 }), samples: new Map<number, number[]>() },
    { name: 'no-limits', lamina: control, pool: new Pool(control.url, { connections: 1 }), samples: new Map<number, number[]>() },
  ];
  const payload = JSON.stringify({ iterations });
  const enforced = /CPU = MemorySize/.test(limitsLine(limited.banner));
  try {
    console.log(`memory scaling: ${iterations} xorshift iterations per invoke, ${rounds} rounds x ${invokes} warm invokes per size, host cores ${hostCores}, node ${process.version}`);
    console.log(`lamina serve (limits): ${limitsLine(limited.banner)}`);
    console.log(`lamina serve --no-limits: ${limitsLine(control.banner)}`);
    if (!enforced) console.log('CPU limits are NOT enforced on this machine: the durations below will not scale with memory');
    console.log(loadLine());
    // The first invoke of each function is its cold start: run it, and do not count it.
    for (const side of sides) {
      for (const size of MEMORY_SIZES) {
        const first = await invoke(side.pool, `Spin${size}`, payload);
        if (first.status !== 200 || first.report?.initDurationMs === undefined) throw new Error(`cold invoke of Spin${size} (${side.name}): ${first.status} ${first.body}`);
      }
    }
    for (let round = 0; round < rounds; round += 1) {
      const order = round % 2 === 0 ? MEMORY_SIZES : [...MEMORY_SIZES].reverse();
      for (const size of order) {
        for (const side of round % 2 === 0 ? sides : [...sides].reverse()) {
          for (let i = 0; i < invokes; i += 1) {
            const answer = await invoke(side.pool, `Spin${size}`, payload);
            if (answer.status !== 200 || answer.report === undefined) throw new Error(`Spin${size} (${side.name}): ${answer.status} ${answer.body}`);
            if (answer.report.initDurationMs !== undefined) throw new Error(`Spin${size} (${side.name}) was cold again`);
            side.samples.set(size, [...(side.samples.get(size) ?? []), answer.report.durationMs]);
          }
        }
      }
      console.log(`round ${round + 1} done, ${loadLine()}`);
    }
    const [withLimits, withoutLimits] = sides;
    if (withLimits === undefined || withoutLimits === undefined) return;
    const rows = scalingTable(
      MEMORY_SIZES.map((memoryMb) => ({ memoryMb, medianMs: median(withLimits.samples.get(memoryMb) ?? []) })),
      hostCores,
    );
    console.log('| memory (MB) | vCPU share | usable by one thread | median Duration (ms) | p10-p90 (ms) | duration x share, normalised to 1769 MB (ideal 1.00) | one-thread expectation (ms) | measured / expectation | --no-limits median (ms) |');
    console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const row of rows) {
      const samples = withLimits.samples.get(row.memoryMb) ?? [];
      console.log(
        `| ${row.memoryMb} | ${row.share.toFixed(3)} | ${row.singleThreadShare.toFixed(3)} | ${row.medianMs.toFixed(1)} | ${quantile(samples, 0.1).toFixed(0)}-${quantile(samples, 0.9).toFixed(0)} | ${row.normalised.toFixed(2)} | ${row.expectedMs.toFixed(1)} | ${(row.medianMs / row.expectedMs).toFixed(2)} | ${median(withoutLimits.samples.get(row.memoryMb) ?? []).toFixed(1)} |`,
      );
    }
    const at = (mb: number): number => rows.find((r) => r.memoryMb === mb)?.medianMs ?? Number.NaN;
    console.log(
      `256 MB / 1769 MB: ${(at(256) / at(1769)).toFixed(2)}x (proportional expectation ${expectedRatio(256, 1769, hostCores).toFixed(2)}x); ` +
        `128 MB / 1769 MB: ${(at(128) / at(1769)).toFixed(2)}x (expectation ${expectedRatio(128, 1769, hostCores).toFixed(2)}x); ` +
        `3008 MB / 1769 MB: ${(at(3008) / at(1769)).toFixed(2)}x (one thread: 1.00x; ${vcpuShare(3008, hostCores).toFixed(2)} vCPU only helps ${'>'}1 thread)`,
    );
  } finally {
    for (const side of sides) await side.pool.close();
    await limited.stop();
    await control.stop();
  }
}

// ---------------------------------------------------------------------------------------------
// 2. Environment start rate, 3. idle memory: the tiny C runtime

interface TinyC {
  readonly dir: string;
  readonly binary: string;
  readonly template: string;
}

/** With `barrier`, every runtime holds its first event until `barrier.count` have arrived. */
function buildTinyC(memoryMb: number, barrier?: { port: number; count: number }, timeoutS = 60): TinyC {
  const dir = mkdtempSync(join(tmpdir(), 'lamina-limits-'));
  const code = join(dir, 'code');
  mkdirSync(code);
  const binary = join(code, 'bootstrap');
  execFileSync('cc', ['-O2', '-o', binary, join(ROOT, 'test/fixtures/runtimes/tiny-c/runtime.c')], { stdio: 'inherit' });
  const template = join(dir, 'template.yaml');
  writeFileSync(
    template,
    [
      'Transform: AWS::Serverless-2016-10-31',
      'Resources:',
      '  TinyC:',
      '    Type: AWS::Serverless::Function',
      '    Properties:',
      '      Runtime: provided.al2023',
      `      CodeUri: ${code}`,
      '      Handler: unused',
      `      MemorySize: ${memoryMb}`,
      `      Timeout: ${timeoutS}`,
      ...(barrier === undefined ? [] : ['      Environment:', '        Variables:', `          BARRIER_PORT: "${barrier.port}"`, `          BARRIER_COUNT: "${barrier.count}"`]),
      '',
    ].join('\n'),
  );
  return { dir, binary, template };
}

/** N concurrent invokes of a cold function; the time until the last answer, checked to be N cold starts. */
async function concurrentColdInvokes(url: string, environments: number): Promise<{ ms: number; initMedianMs: number }> {
  const pool = new Pool(url, { connections: environments, pipelining: 1 });
  try {
    const started = performance.now();
    const answers = await Promise.all(Array.from({ length: environments }, (_, i) => invoke(pool, 'TinyC', JSON.stringify({ i }))));
    const ms = performance.now() - started;
    const inits: number[] = [];
    answers.forEach((answer, i) => {
      if (answer.status !== 200 || answer.body !== JSON.stringify({ i })) throw new Error(`invoke ${i}: ${answer.status} ${answer.body}`);
      if (answer.report?.initDurationMs !== undefined) inits.push(answer.report.initDurationMs);
    });
    if (inits.length !== environments) throw new Error(`expected ${environments} cold starts, saw ${inits.length}`);
    return { ms, initMedianMs: median(inits) };
  } finally {
    await pool.close();
  }
}

/**
 * The baseline: spawn the binary N times from node, each against one stub Runtime API that answers
 * its first GET /next at once; the time until every runtime has posted its /response.
 */
async function spawnBaseline(binary: string, environments: number, extraEnv: Record<string, string>): Promise<number> {
  let responses = 0;
  let allDone: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (allDone = resolve));
  let ids = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method === 'GET' && req.url?.endsWith('/invocation/next') === true) {
        if (ids >= environments) return; // its second /next: hold it, as the platform would
        ids += 1;
        const body = JSON.stringify({ i: ids });
        res.writeHead(200, { 'Lambda-Runtime-Aws-Request-Id': `req-${ids}`, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
        res.end(body);
      } else {
        res.writeHead(202, { 'Content-Length': 2 });
        res.end('{}');
        responses += 1;
        if (responses === environments) allDone();
      }
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const api = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  const children: ChildProcess[] = [];
  try {
    const started = performance.now();
    for (let i = 0; i < environments; i += 1) {
      // Output piped, as a platform must capture it.
      const child = spawn(binary, [], { env: { AWS_LAMBDA_RUNTIME_API: api, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout?.resume();
      child.stderr?.resume();
      children.push(child);
    }
    await done;
    return performance.now() - started;
  } finally {
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGKILL');
          }),
      ),
    );
    server.closeAllConnections();
    server.close();
  }
}

/** The sides of the start-rate run: the spawn baseline and lamina serve in each of its modes (docs/isolation.md). */
const START_SIDES = ['spawn', 'kernel-floor', 'default', 'default-node-spawn', 'no-isolation', 'no-limits'] as const;
type StartSide = (typeof START_SIDES)[number];
const SIDE_FLAGS: Record<Exclude<StartSide, 'spawn' | 'kernel-floor'>, readonly string[]> = { default: [], 'default-node-spawn': [], 'no-isolation': ['--no-isolation'], 'no-limits': ['--no-limits'] };

/** lamina serve for a side: `default-node-spawn` is the default mode without the spawner (LAMINA_SPAWNER=0, src/sandbox/spawner.ts). */
async function startSide(template: string, side: Exclude<StartSide, 'spawn' | 'kernel-floor'>): Promise<Lamina> {
  const before = process.env.LAMINA_SPAWNER;
  if (side === 'default-node-spawn') process.env.LAMINA_SPAWNER = '0';
  try {
    return await startLamina(template, SIDE_FLAGS[side]);
  } finally {
    if (before === undefined) delete process.env.LAMINA_SPAWNER;
    else process.env.LAMINA_SPAWNER = before;
  }
}

/** Until the group uses under 10 ms of CPU in 500 ms (at most 60 s). */
async function settled(group: ReturnType<typeof cpuGroup>): Promise<void> {
  if (group === undefined) return await sleep(10_000);
  for (let waited = 0, last = group.usageNs(); waited < 60_000; waited += 500) {
    await sleep(500);
    group.adopt();
    const now = group.usageNs();
    if (now - last < 10e6) return;
    last = now;
  }
}

/** The issue 18 targets, as ratios of the measured figure to the target (>= 1.00 met). */
export const START_RATE_TARGET = 250;
export const IDLE_KB_TARGET = 110;

/**
 * How far a measured figure is from its target: starts/s over 250 (higher is better), 110 over
 * KB per environment (lower is better); 1.00 or more means met.
 * @example targetRatio('starts', 300) // 1.2
 */
export function targetRatio(what: 'starts' | 'kb', measured: number): number {
  return what === 'starts' ? measured / START_RATE_TARGET : IDLE_KB_TARGET / measured;
}

async function startRate(environments: number, rounds: number, memoryMb: number, only: readonly StartSide[]): Promise<void> {
  // Each runtime holds its event until all N have arrived: N concurrent invocations, N environments.
  const barrier = await startTcpBarrier(environments);
  const tiny = buildTinyC(memoryMb, { port: barrier.port, count: environments });
  const sides = START_SIDES.filter((side) => only.includes(side));
  const samples = new Map<string, number[]>(sides.map((s) => [s, []]));
  const inits = new Map<string, number[]>(sides.map((s) => [s, []]));
  // CPU per start of the whole tree (platform, spawner, launchers, runtimes), from a cpuacct group.
  const cpu = new Map<string, number[]>(sides.map((s) => [s, []]));
  const banners = new Map<string, string>();
  const floor = sides.includes('kernel-floor') ? kernelFloor() : undefined;
  try {
    console.log(`environment start rate: ${environments} concurrent cold invokes of the tiny C runtime (${memoryMb} MB), ${rounds} rounds, sides alternating, node ${process.version}`);
    console.log(loadLine());
    for (let round = 0; round < rounds; round += 1) {
      const order = [...sides.slice(round % sides.length), ...sides.slice(0, round % sides.length)];
      for (const side of order) {
        await sleep(500);
        if (side === 'spawn') {
          samples.get(side)?.push(await spawnBaseline(tiny.binary, environments, { BARRIER_PORT: String(barrier.port), BARRIER_COUNT: String(environments) }));
          continue;
        }
        if (side === 'kernel-floor') {
          const run = floor?.run(environments, 'isolated');
          if (run === undefined || run.environments !== environments) throw new Error(`kernel floor: ${run?.environments ?? 0} of ${environments} started`);
          samples.get(side)?.push(run.ms);
          cpu.get(side)?.push(run.cpuMs / environments);
          continue;
        }
        const lamina = await startSide(tiny.template, side);
        banners.set(side, limitsLine(lamina.banner));
        try {
          const group = cpuGroup(lamina.pid);
          await sleep(300);
          // With LAMINA_STANDBYS the platform prepares environments at start: measure once it is idle.
          if (process.env.LAMINA_STANDBYS !== undefined) await settled(group);
          group?.adopt(); // the spawner, if it started after the group was made
          const before = group?.usageNs() ?? 0;
          const result = await concurrentColdInvokes(lamina.url, environments);
          if (group !== undefined) cpu.get(side)?.push((group.usageNs() - before) / 1e6 / environments);
          group?.close();
          samples.get(side)?.push(result.ms);
          inits.get(side)?.push(result.initMedianMs);
        } finally {
          await lamina.stop();
        }
      }
      console.log(`round ${round + 1}: ${order.map((s) => `${s} ${(samples.get(s)?.at(-1) ?? Number.NaN).toFixed(0)} ms`).join(', ')}; ${loadLine()}`);
    }
    for (const [side, line] of banners) console.log(`lamina serve ${SIDE_FLAGS[side as Exclude<StartSide, 'spawn' | 'kernel-floor'>].join(' ') || `(${side})`}: ${line}`);
    console.log(`| what | median time to N answers (ms) | environments/s | median Init Duration (ms) | vs spawn baseline | vs target ${START_RATE_TARGET}/s | CPU ms per start (whole tree) |`);
    console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
    const base = median(samples.get('spawn') ?? []);
    const names: Record<StartSide, string> = {
      spawn: `baseline: node spawns the binary ${environments}x, stub Runtime API`,
      'kernel-floor': 'kernel floor: the same launcher and options, forked by a small C driver (bench/start-floor)',
      default: 'lamina serve (default: full isolation as root)',
      'default-node-spawn': 'lamina serve, default mode, LAMINA_SPAWNER=0 (Node spawn, cgroups made by the platform)',
      'no-isolation': 'lamina serve --no-isolation (limits only)',
      'no-limits': 'lamina serve --no-limits',
    };
    for (const side of sides) {
      const ms = median(samples.get(side) ?? []);
      const rate = (environments / ms) * 1000;
      const initMs = side === 'spawn' || side === 'kernel-floor' ? '-' : median(inits.get(side) ?? []).toFixed(1);
      const cpuMs = (cpu.get(side) ?? []).length === 0 ? '-' : median(cpu.get(side) ?? []).toFixed(2);
      console.log(`| ${names[side]} | ${ms.toFixed(0)} | ${rate.toFixed(0)} | ${initMs} | ${Number.isNaN(base) ? '-' : `${(ms / base).toFixed(2)}x the time`} | ${side === 'spawn' ? '-' : `${targetRatio('starts', rate).toFixed(2)}x`} | ${cpuMs} |`);
    }
  } finally {
    floor?.close();
    rmSync(tiny.dir, { recursive: true, force: true });
    await barrier.close();
  }
}

function rssKb(pid: number): number {
  return parseVmRssKb(readFileSync(`/proc/${pid}/status`, 'utf8'));
}

interface ProcInfo {
  readonly pid: number;
  readonly ppid: number;
  readonly comm: string;
}

function processes(): ProcInfo[] {
  const list: ProcInfo[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      list.push({ pid: Number(entry), ppid: Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]), comm });
    } catch {
      // gone
    }
  }
  return list;
}

/**
 * The platform's processes and the environments' runtimes below `root`: the runtimes are the
 * tiny C `bootstrap`s (under isolation two launcher processes sit above each), the platform's
 * own helpers are its direct children that are not an environment's (a spawner).
 */
function platformTree(root: number): { runtimes: number; helpers: number[] } {
  const all = processes();
  const below = new Set([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of all) if (!below.has(p.pid) && below.has(p.ppid)) (below.add(p.pid), (grew = true));
  }
  const runtimes = all.filter((p) => below.has(p.pid) && p.comm === 'bootstrap').length;
  const helpers = all.filter((p) => p.ppid === root && p.comm === 'lamina-sandbox').map((p) => p.pid);
  return { runtimes, helpers };
}

/**
 * N invocations that each need an environment of their own (they wait at the barrier until all N
 * hold theirs), sent in waves of `wave`: the next wave once the last has reached the barrier, so
 * that no environment's init waits 10 s (Lambda's init limit) behind a thousand others on 2 busy cores.
 */
async function rampedColdInvokes(url: string, environments: number, wave: number, barrier: TcpBarrier): Promise<{ failed: string[] }> {
  const pool = new Pool(url, { connections: environments, pipelining: 1 });
  try {
    const answers: Promise<Invoked>[] = [];
    let settled = 0;
    for (let sent = 0; sent < environments; ) {
      const next = Math.min(environments, sent + wave);
      for (let i = sent; i < next; i += 1) answers.push(invoke(pool, 'TinyC', JSON.stringify({ i })).finally(() => (settled += 1)));
      sent = next;
      // Before the release only a failed invoke settles: it will never reach the barrier.
      while (sent < environments && barrier.waiting + settled < sent) await sleep(50);
    }
    while (barrier.waiting + settled < environments) await sleep(50);
    if (settled > 0) barrier.releaseNow(); // the failed ones will never arrive
    const all = await Promise.all(answers);
    const failed = all.flatMap((answer, i) => (answer.status !== 200 || answer.body !== JSON.stringify({ i }) ? [`invoke ${i}: ${answer.status} ${answer.body.slice(0, 200)}`] : []));
    return { failed };
  } finally {
    await pool.close();
  }
}

async function idleMemory(counts: readonly number[], rounds: number, memoryMb: number, flags: readonly string[], wave: number): Promise<void> {
  // One barrier per N, so that N invocations leave exactly N idle environments.
  const barriers = new Map(await Promise.all(counts.map(async (n) => [n, await startTcpBarrier(n)] as const)));
  const tinies = new Map(counts.map((n) => [n, buildTinyC(memoryMb, { port: barriers.get(n)?.port ?? 0, count: n }, 900)]));
  const results = new Map<number, { rss0: number; rssN: number; perEnv: number }[]>();
  let limits = '';
  try {
    console.log(`platform memory per idle environment: VmRSS of lamina serve ${flags.join(' ')} and its spawner, tiny C runtime (${memoryMb} MB), ${rounds} rounds, invokes in waves of ${wave}, node ${process.version}`);
    console.log(loadLine());
    for (let round = 0; round < rounds; round += 1) {
      for (const n of round % 2 === 0 ? counts : [...counts].reverse()) {
        const tiny = tinies.get(n) as TinyC;
        const lamina = await startLamina(tiny.template, flags);
        limits = limitsLine(lamina.banner);
        const platformRss = (): number => [lamina.pid, ...platformTree(lamina.pid).helpers].reduce((sum, pid) => sum + rssKb(pid), 0);
        try {
          await sleep(2000);
          const rss0 = platformRss();
          const { failed } = await rampedColdInvokes(lamina.url, n, wave, barriers.get(n) as TcpBarrier);
          await sleep(3000);
          const { runtimes } = platformTree(lamina.pid);
          if (failed.length > 0) console.log(`${failed.length} of ${n} invokes failed (first: ${failed[0] ?? ''}); ${runtimes} idle runtimes counted`);
          if (runtimes === 0) throw new Error(`no idle runtimes below lamina serve`);
          const rssN = platformRss();
          // Per environment that is there (a failed one left no runtime behind).
          const entry = { rss0, rssN, perEnv: perEnvironmentKb(rss0, rssN, runtimes) };
          results.set(n, [...(results.get(n) ?? []), entry]);
          console.log(`round ${round + 1}, N=${n}: ${runtimes} idle environments, RSS_0 ${rss0} KB, RSS_N ${rssN} KB, ${entry.perEnv.toFixed(1)} KB per environment; ${loadLine()}`);
        } finally {
          await lamina.stop();
        }
      }
    }
    console.log(`lamina serve: ${limits}`);
    console.log(`| N idle environments | RSS_0 (KB) | RSS_N (KB) | (RSS_N - RSS_0) / N (KB), median of rounds | range (KB) | vs target ${IDLE_KB_TARGET} KB |`);
    console.log('| ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const n of counts) {
      const rs = results.get(n) ?? [];
      const per = rs.map((r) => r.perEnv);
      console.log(
        `| ${n} | ${median(rs.map((r) => r.rss0)).toFixed(0)} | ${median(rs.map((r) => r.rssN)).toFixed(0)} | ${median(per).toFixed(1)} | ${Math.min(...per).toFixed(1)}-${Math.max(...per).toFixed(1)} | ${targetRatio('kb', median(per)).toFixed(2)}x |`,
      );
    }
  } finally {
    for (const tiny of tinies.values()) rmSync(tiny.dir, { recursive: true, force: true });
    for (const barrier of barriers.values()) await barrier.close();
  }
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      iterations: { type: 'string', default: '200000000' },
      rounds: { type: 'string' },
      invokes: { type: 'string', default: '3' },
      environments: { type: 'string' },
      memory: { type: 'string', default: '128' },
      'no-limits': { type: 'boolean', default: false },
      'no-isolation': { type: 'boolean', default: false },
      sides: { type: 'string' },
      wave: { type: 'string', default: '100' },
    },
  });
  const what = positionals[0];
  if (what === 'memory') {
    await memoryScaling(Number(values.iterations), Number(values.rounds ?? 3), Number(values.invokes));
  } else if (what === 'start-rate') {
    const only = (values.sides ?? START_SIDES.join(',')).split(',') as StartSide[];
    const unknown = only.filter((side) => !START_SIDES.includes(side));
    if (unknown.length > 0) throw new Error(`unknown side(s) ${unknown.join(', ')}: choose from ${START_SIDES.join(', ')}`);
    await startRate(Number(values.environments ?? 200), Number(values.rounds ?? 3), Number(values.memory), only);
  } else if (what === 'idle-memory') {
    const counts = (values.environments ?? '100,500').split(',').map(Number);
    const flags = [...(values['no-limits'] ? ['--no-limits'] : []), ...(values['no-isolation'] ? ['--no-isolation'] : [])];
    await idleMemory(counts, Number(values.rounds ?? 2), Number(values.memory), flags, Number(values.wave));
  } else {
    throw new Error('usage: node dist/bench/limits.js memory|start-rate|idle-memory [options]');
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
