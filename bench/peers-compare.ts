/**
 * Lamina against the whole-emulator peers (serverless-offline@13 under serverless@3, lambda-local@2)
 * on the same echo handler: warm sequential latency and cold start, sides alternating in rounds.
 *
 *   npm run build && node dist/bench/peers-compare.js [--rounds 5] [--warm 200] [--cold 3] [--payload 1024]
 *
 * Warm: `--warm` sequential invokes per side per round through each one's invoke path (Lamina's
 * and serverless-offline's Invoke API; lambda-local's host, bench/peers/lambda-local.ts); the
 * figure is the median of the per-round p50s. Cold: `--cold` invokes per side per round that each
 * need a fresh environment, timed by the caller, with the long-running server already up: Lamina
 * invokes a function that has not run yet (one per sample, its REPORT must show an Init
 * Duration), serverless-offline runs with `--reloadHandler` (a new worker thread per invoke),
 * lambda-local starts a new process per invoke. Lamina runs as users run it (limits on) and with
 * `--no-limits` (no cgroups or mount namespace, as the peers have none), at 1769 MB (one vCPU).
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createWorkspace, type BenchFunction } from './harness/bench-functions.js';
import { callerPool, invoke, jsonPayload } from './harness/invoke-client.js';
import { startLaminaServe } from './harness/lamina-process.js';
import { fmt, machineLine } from './harness/result.js';
import { alternation, median, quantile, ratioOf } from './harness/stats.js';
import { listPeers } from './peers/index.js';
import type { PeerFunction } from './peers/types.js';

interface Side {
  readonly label: string;
  /** Server start to ready, one sample (for information). */
  readonly startMs: number;
  warm(payload: Buffer): Promise<void>;
  /** One invoke that needs a fresh environment; its caller-side milliseconds. */
  cold(payload: Buffer): Promise<number>;
  stop(): Promise<void>;
}

function expectEcho(label: string, status: number, body: Uint8Array, payload: Buffer): void {
  if (status !== 200 || !payload.equals(Buffer.from(body.buffer, body.byteOffset, body.byteLength))) {
    throw new Error(`${label}: answered ${status} ${Buffer.from(body).toString('utf8').slice(0, 200)}`);
  }
}

async function laminaSide(template: string, extra: string[], coldNames: () => string): Promise<Side> {
  const label = `lamina serve${extra.length > 0 ? ` ${extra.join(' ')}` : ''} (nodejs20.x, Lamina RIC)`;
  const t0 = performance.now();
  const lamina = await startLaminaServe(template, extra);
  const startMs = performance.now() - t0;
  const pool = callerPool(lamina.url, 1);
  return {
    label,
    startMs,
    async warm(payload) {
      const answer = await invoke(pool, 'WarmEcho', payload);
      expectEcho(label, answer.status, answer.body, payload);
    },
    async cold(payload) {
      const answer = await invoke(pool, coldNames(), payload, { tail: true });
      expectEcho(label, answer.status, answer.body, payload);
      if (answer.report?.initDurationMs === undefined) throw new Error(`${label}: no Init Duration in the REPORT: the invoke was not cold`);
      return answer.elapsedMs;
    },
    async stop() {
      await pool.close();
      await lamina.stop();
    },
  };
}

async function peerSides(fn: PeerFunction, skipped: string[]): Promise<Side[]> {
  const sides: Side[] = [];
  for (const peer of listPeers()) {
    const reason = await peer.available();
    if (reason !== undefined) {
      skipped.push(`${peer.name}: ${reason}`);
      continue;
    }
    const t0 = performance.now();
    const warm = await peer.start(fn, { cold: false });
    const startMs = performance.now() - t0;
    const cold = await peer.start(fn, { cold: true });
    sides.push({
      label: peer.name,
      startMs,
      async warm(payload) {
        const answer = await warm.invoke(payload);
        expectEcho(peer.name, answer.status, answer.body, payload);
      },
      async cold(payload) {
        const t = performance.now();
        const answer = await cold.invoke(payload);
        const ms = performance.now() - t;
        expectEcho(peer.name, answer.status, answer.body, payload);
        return ms;
      },
      async stop() {
        await warm.stop();
        await cold.stop();
      },
    });
  }
  return sides;
}

function count(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} wants a whole number of at least 1, got '${value}'`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { rounds: { type: 'string' }, warm: { type: 'string' }, cold: { type: 'string' }, payload: { type: 'string' } } });
  const rounds = count(values.rounds, 5, 'rounds');
  const warmCount = count(values.warm, 200, 'warm');
  const coldCount = count(values.cold, 3, 'cold');
  const payload = Buffer.from(jsonPayload(count(values.payload, 1024, 'payload')));
  const workspace = createWorkspace();
  const coldFunctions: BenchFunction[] = Array.from({ length: rounds * coldCount }, (_, i) => ({ name: `ColdEcho${i}`, runtime: 'lamina-ric', memoryMb: 1769, timeoutS: 30 }));
  const template = workspace.template([{ name: 'WarmEcho', runtime: 'lamina-ric', memoryMb: 1769, timeoutS: 30 }, ...coldFunctions]);
  const skipped: string[] = [];
  const sides: Side[] = [];
  try {
    // Each lamina serve has its own never-invoked functions, handed out in order.
    for (const extra of [[], ['--no-limits']]) {
      let next = 0;
      sides.push(await laminaSide(template, extra, () => `ColdEcho${next++}`));
    }
    sides.push(...(await peerSides({ name: 'WarmEcho', handlerDir: workspace.handlerDir, handler: 'index.handler', memoryMb: 1769, timeoutSeconds: 30 }, skipped)));
    for (const side of sides) for (let i = 0; i < 20; i += 1) await side.warm(payload); // JIT, connections, first-load caches
    const roundP50 = new Map<Side, number[]>(sides.map((s) => [s, []]));
    const warmAll = new Map<Side, number[]>(sides.map((s) => [s, []]));
    const colds = new Map<Side, number[]>(sides.map((s) => [s, []]));
    let round = 0;
    for (const order of alternation(sides, rounds)) {
      for (const side of order) {
        const latencies: number[] = [];
        for (let i = 0; i < warmCount; i += 1) {
          const t = performance.now();
          await side.warm(payload);
          latencies.push((performance.now() - t) * 1000);
        }
        roundP50.get(side)?.push(median(latencies));
        warmAll.get(side)?.push(...latencies);
        for (let i = 0; i < coldCount; i += 1) colds.get(side)?.push(await side.cold(payload));
      }
      round += 1;
      process.stderr.write(`round ${round}/${rounds} done\n`);
    }
    const lamina = sides[0] as Side;
    console.log(`peers: ${rounds} alternating rounds, ${warmCount} warm sequential + ${coldCount} cold invokes per side per round, ${payload.length}-byte payload, echo handler`);
    console.log(machineLine());
    console.log('| what | warm p50 (µs) | round p50 range | warm p90 (µs) | cold median (ms) | cold p10-p90 (ms) | server start (ms, 1 sample) | lamina/this warm p50 | lamina/this cold |');
    console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const side of sides) {
      const p50s = roundP50.get(side) ?? [];
      const cold = colds.get(side) ?? [];
      const warmRatio = ratioOf(roundP50.get(lamina) ?? [], p50s);
      const coldRatio = median(colds.get(lamina) ?? []) / median(cold);
      console.log(
        `| ${side.label} | ${fmt(median(p50s), 0)} | ${fmt(Math.min(...p50s), 0)}-${fmt(Math.max(...p50s), 0)} | ${fmt(quantile(warmAll.get(side) ?? [], 0.9), 0)} | ${fmt(median(cold))} | ${fmt(quantile(cold, 0.1))}-${fmt(quantile(cold, 0.9))} | ${fmt(side.startMs, 0)} | ${fmt(warmRatio.value, 3)} (${fmt(warmRatio.low, 2)}-${fmt(warmRatio.high, 2)}) | ${fmt(coldRatio, 3)} |`,
      );
    }
    for (const reason of skipped) console.log(`skipped: ${reason}`);
  } finally {
    for (const side of sides) await side.stop().catch(() => undefined);
    workspace.remove();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
