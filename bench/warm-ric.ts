/**
 * Warm overhead per invoke of a Node.js runtime interface client, with no platform in between: a
 * Runtime API stub in this process answers every `GET /next` at once with a tiny event and times
 * each invoke from sending the event to receiving its `/response`. One environment, sequential,
 * no-op handler. Compared with the official client and with a floor: a bare node loop doing the
 * same keep-alive GET /next + POST /response.
 *
 *   npm run build && node dist/bench/warm-ric.js [--invokes 5000] [--rounds 2] [--variants lamina,official,floor]
 */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import * as hdr from 'hdr-histogram-js';
import { startWarmStub } from './lib/runtime-api-stub.js';
import { lambdaEnv, makeTaskDir, ricVariants, type RicVariant } from './lib/ric-variants.js';

interface Measured {
  readonly p50: number;
  readonly p99: number;
  readonly perSecond: number;
}

async function measure(variant: RicVariant, taskDir: string, invokes: number, warmup: number): Promise<Measured> {
  const stub = await startWarmStub();
  const histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
  const child = spawn(variant.command, [...variant.args], { env: lambdaEnv(stub.address, taskDir), stdio: ['ignore', 'ignore', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    const died = exited.then(() => {
      throw new Error(`${variant.label} exited during the benchmark`);
    });
    await Promise.race([stub.waitFor(warmup), died]);
    stub.onInvoke = (micros) => histogram.recordValue(micros);
    const started = performance.now();
    await Promise.race([stub.waitFor(warmup + invokes), died]);
    const elapsed = performance.now() - started;
    died.catch(() => undefined);
    if (stub.errors > 0) throw new Error(`${variant.label}: ${stub.errors} invokes failed`);
    return { p50: histogram.getValueAtPercentile(50), p99: histogram.getValueAtPercentile(99), perSecond: (invokes / elapsed) * 1000 };
  } finally {
    child.kill('SIGKILL');
    await exited;
    await stub.close();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      invokes: { type: 'string', default: '5000' },
      rounds: { type: 'string', default: '2' },
      variants: { type: 'string', default: 'lamina,official,floor' },
    },
  });
  const invokes = Number(values.invokes);
  const rounds = Number(values.rounds);
  const task = makeTaskDir();
  const all = ricVariants(task.floorScript).map((v) => (v.key === 'floor' ? { ...v, label: 'floor: bare node keep-alive loop', args: [task.warmFloorScript] } : v));
  const chosen = values.variants.split(',').map((key) => {
    const variant = all.find((v) => v.key === key);
    if (variant === undefined) throw new Error(`unknown variant ${key}`);
    return variant;
  }).filter((v) => v.unavailable === undefined || (console.error(`skipping ${v.label}: ${v.unavailable}`), false));
  const results = new Map<string, Measured[]>();
  try {
    for (let round = 0; round < rounds; round += 1) {
      for (const variant of chosen) {
        const measured = await measure(variant, task.dir, invokes, Math.min(500, invokes / 5));
        results.set(variant.key, [...(results.get(variant.key) ?? []), measured]);
      }
    }
  } finally {
    rmSync(task.dir, { recursive: true, force: true });
  }
  console.log(`warm RIC overhead: ${invokes} sequential invokes per round, best of ${rounds} rounds, no-op handler, node ${process.version}`);
  console.log('| what | p50 (µs) | p99 (µs) | invokes/s |');
  console.log('| --- | ---: | ---: | ---: |');
  const best = new Map<string, Measured>();
  for (const variant of chosen) {
    const rs = results.get(variant.key) ?? [];
    const row = { p50: Math.min(...rs.map((r) => r.p50)), p99: Math.min(...rs.map((r) => r.p99)), perSecond: Math.max(...rs.map((r) => r.perSecond)) };
    best.set(variant.key, row);
    console.log(`| ${variant.label} | ${row.p50} | ${row.p99} | ${row.perSecond.toFixed(0)} |`);
  }
  const ours = best.get('lamina');
  for (const key of ['official', 'floor']) {
    const other = best.get(key);
    if (ours !== undefined && other !== undefined) {
      console.log(`lamina vs ${key}: p50 ${(ours.p50 / other.p50).toFixed(2)}x, throughput ${(ours.perSecond / other.perSecond).toFixed(2)}x`);
    }
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
