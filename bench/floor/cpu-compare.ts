/**
 * CPU per invocation of the floor relay process against the `lamina serve` process, both serving
 * the floor's runtime loop, with N closed-loop callers, sides alternating in rounds. The quick A/B
 * of the warm throughput target (bench/scenarios/warm.ts runs the same comparison inside the full
 * scenario):
 *
 *   node dist/bench/floor/cpu-compare.js [--callers 2,8,64] [--invokes 20000] [--rounds 2] [--slices 1]
 *        [--lamina-node-flags "--cpu-prof --cpu-prof-dir=/tmp/prof"] [--only lamina,floor,other]
 *        [--other-relay /path/to/older/relay-server.js] [--base-root /other/checkout] [--base-flags "--no-dashboard"]
 *        [--base-env LAMINA_RUNTIME_API_LISTENER=node] [-- <lamina serve flags>]
 *
 * Prints one line per side, callers and round: invokes/s, and µs of CPU per invoke of the relay or
 * platform process and of this (caller) process.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Pool } from 'undici';
import { createWorkspace } from '../harness/bench-functions.js';
import { callerPool, invoke, jsonPayload } from '../harness/invoke-client.js';
import { startProcess } from '../lib/processes.js';
import { startFloor } from './floor-process.js';
import { processCpuSplitMs } from './process-cpu.js';

export interface CountedLoad {
  readonly invokes: number;
  readonly perSecond: number;
  /** µs of the measured process's CPU per invoke (user + system). */
  readonly serverCpuUs: number;
  /** The system (kernel) part of it. */
  readonly serverSystemUs: number;
  /** µs of this process's CPU (the callers) per invoke. */
  readonly callerCpuUs: number;
}

/**
 * `invokes` calls through `callers` closed loops, with the CPU `pid` used meanwhile.
 *
 * @example const load = await countedLoad(pool, 'WarmLoop', payload, 8, 20000, lamina.pid);
 */
export async function countedLoad(pool: Pool, functionName: string, payload: string, callers: number, invokes: number, pid: number): Promise<CountedLoad> {
  let started = 0;
  let failed: Error | undefined;
  const expected = Buffer.byteLength(payload);
  const loop = async (): Promise<void> => {
    while (started < invokes && failed === undefined) {
      started += 1;
      const answer = await invoke(pool, functionName, payload);
      if (answer.status !== 200 || answer.body.length !== expected) failed = new Error(`${functionName}: answered ${answer.status} with ${answer.body.length} bytes: ${answer.body.toString().slice(0, 300)}`);
    }
  };
  const cpu0 = processCpuSplitMs(pid);
  const self0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(Array.from({ length: callers }, loop));
  const elapsed = performance.now() - t0;
  const self = process.cpuUsage(self0);
  const cpu1 = processCpuSplitMs(pid);
  if (failed !== undefined) throw failed;
  const used = (f: (s: { user: number; system: number }) => number): number => (cpu0 === undefined || cpu1 === undefined ? NaN : ((f(cpu1) - f(cpu0)) * 1000) / invokes);
  return {
    invokes,
    perSecond: (invokes / elapsed) * 1000,
    serverCpuUs: used((s) => s.user + s.system),
    serverSystemUs: used((s) => s.system), callerCpuUs: (self.user + self.system) / invokes };
}

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(name);
  return at >= 0 ? (process.argv[at + 1] ?? fallback) : fallback;
}

async function main(): Promise<void> {
  const callerCounts = option('--callers', '2,8,64').split(',').map(Number);
  const invokes = Number(option('--invokes', '20000'));
  const rounds = Number(option('--rounds', '2'));
  // Each side's measured invokes in this many turns, the sides alternating (1: one run each).
  const slices = Math.max(1, Number(option('--slices', '1')));
  const only = option('--only', '');
  // A second relay build in the same run (before/after of the relay's own tuning).
  const otherRelay = option('--other-relay', '');
  // Another checkout's built lamina (before/after of a platform change, same run): side 'base'.
  const baseRoot = option('--base-root', '');
  const nodeFlags = option('--lamina-node-flags', '').split(' ').filter((f) => f !== '');
  // More `lamina serve` flags for the base side only (A/B of a flag, e.g. --no-dashboard).
  const baseFlags = option('--base-flags', '').split(' ').filter((f) => f !== '');
  // Environment variables for the base side only (A/B of an experiment switch in one build).
  const baseEnv = Object.fromEntries(
    option('--base-env', '')
      .split(',')
      .filter((kv) => kv.includes('='))
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );
  const dash = process.argv.indexOf('--');
  const serveFlags = dash >= 0 ? process.argv.slice(dash + 1) : [];
  const workspace = createWorkspace();
  const state = mkdtempSync(join(tmpdir(), 'lamina-cpu-compare-'));
  const template = workspace.template([{ name: 'WarmLoop', runtime: 'floor-loop', memoryMb: 3008 }]);
  const floor = await startFloor(1);
  const other = otherRelay === '' ? undefined : await startFloor(1, otherRelay);
  const serve = (root: string, dir: string, extra: readonly string[] = [], env: Readonly<Record<string, string>> = {}): ReturnType<typeof startProcess> =>
    startProcess(process.execPath, [...nodeFlags, join(root, 'bin', 'lamina.js'), 'serve', '--quiet', '--port', '0', '--shutdown-grace', '0', '--template', template, '--state-dir', dir, ...serveFlags, ...extra], / on (http:\/\/[\d.:]+)/, env);
  const lamina = await serve('.', state);
  const baseState = mkdtempSync(join(tmpdir(), 'lamina-cpu-compare-'));
  const base = baseRoot === '' && baseFlags.length === 0 && Object.keys(baseEnv).length === 0 ? undefined : await serve(baseRoot === '' ? '.' : baseRoot, baseState, baseFlags, baseEnv);
  const payload = jsonPayload(1024);
  const pools: Pool[] = [];
  try {
    for (let round = 0; round < rounds; round += 1) {
      for (const callers of callerCounts) {
        floor.scaleTo(callers);
        other?.scaleTo(callers);
        const sides = [
          { key: 'floor', url: floor.url, fn: 'floor', pid: floor.pid },
          { key: 'lamina', url: lamina.url, fn: 'WarmLoop', pid: lamina.child.pid ?? NaN },
          ...(other === undefined ? [] : [{ key: 'other', url: other.url, fn: 'floor', pid: other.pid }]),
          ...(base === undefined ? [] : [{ key: 'base', url: base.url, fn: 'WarmLoop', pid: base.child.pid ?? NaN }]),
        ].filter((s) => only === '' || only.split(',').includes(s.key));
        const ordered = round % 2 === 0 ? sides : sides.reverse();
        const sidePools = ordered.map((side) => callerPool(side.url, callers));
        pools.push(...sidePools);
        const totals = ordered.map(() => ({ invokes: 0, ms: 0, serverUs: 0, systemUs: 0, callerUs: 0 }));
        for (const [i, side] of ordered.entries()) await countedLoad(sidePools[i] as Pool, side.fn, payload, callers, Math.min(500, invokes), side.pid); // warm-up: environments start here
        // The measured invokes in slices, the sides taking turns (ABBA...): a change in the
        // machine's load falls on every side alike.
        for (let slice = 0; slice < slices; slice += 1) {
          const turn = ordered.map((side, i) => ({ side, i }));
          for (const { side, i } of slice % 2 === 0 ? turn : turn.reverse()) {
            const load = await countedLoad(sidePools[i] as Pool, side.fn, payload, callers, Math.ceil(invokes / slices), side.pid);
            const total = totals[i] as (typeof totals)[number];
            total.invokes += load.invokes;
            total.ms += (load.invokes / load.perSecond) * 1000;
            total.serverUs += load.serverCpuUs * load.invokes;
            total.systemUs += load.serverSystemUs * load.invokes;
            total.callerUs += load.callerCpuUs * load.invokes;
          }
        }
        for (const [i, side] of ordered.entries()) {
          const t = totals[i] as (typeof totals)[number];
          process.stdout.write(`${side.key.padEnd(6)} callers=${String(callers).padStart(2)} round=${round + 1} ${((t.invokes / t.ms) * 1000).toFixed(0).padStart(5)}/s server ${(t.serverUs / t.invokes).toFixed(1)} µs/invoke (system ${(t.systemUs / t.invokes).toFixed(1)}) caller ${(t.callerUs / t.invokes).toFixed(1)} µs/invoke\n`);
          await (sidePools[i] as Pool).close();
        }
      }
    }
  } finally {
    for (const pool of pools) await pool.close().catch(() => undefined);
    await lamina.stop();
    await base?.stop();
    rmSync(baseState, { recursive: true, force: true });
    await floor.stop();
    await other?.stop();
    rmSync(state, { recursive: true, force: true });
    workspace.remove();
  }
}

if (process.argv[1]?.endsWith('cpu-compare.js') === true) await main();
