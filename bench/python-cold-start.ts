/**
 * Cold start of Lamina's Python runtime interface client (runtime-interface/python/): from spawn
 * to the arrival of its first `GET /runtime/invocation/next` at a Runtime API stub that never
 * answers (the runtime is killed then), against `python3.X -c pass` (spawn to exit) on the same
 * interpreter. The issue-11 target: lamina <= `-c pass` + 25 ms.
 *
 *   npm run build && node dist/bench/python-cold-start.js [--rounds 30] [--python /usr/bin/python3.11]
 *     [--extra 'label=arg1 arg2' ...]
 *
 * Variants alternate within each round (order rotated every round) so machine noise hits all
 * alike; differences are taken per round (lamina_i - pass_i) and reported as median and p10-p90.
 * `--extra` adds interpreter argument lists to try (e.g. `-s -u`), run against the same task.
 */
import { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { findPython } from '../src/config/python-runtime.js';
import { PYTHON_RIC_DIR } from '../src/platform/paths.js';
import { coldStart, type Spawnable } from './lib/cold-spawn.js';
import { startColdStub } from './lib/runtime-api-stub.js';
import { lambdaEnv, makeTaskDir, percentile } from './lib/ric-variants.js';

interface Variant extends Spawnable {
  readonly key: string;
  /** Timed to exit (`-c pass`), not to a `GET /next`. */
  readonly toExit: boolean;
}

/** Spawn to exit, in milliseconds. */
function runToExit(variant: Spawnable, env: Record<string, string>): Promise<number> {
  const t0 = performance.now();
  const child = spawn(variant.command, [...variant.args], { env, stdio: 'ignore' });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => (code === 0 ? resolve(performance.now() - t0) : reject(new Error(`${variant.label} exited with ${code}`))));
  });
}

const fmt = (ms: number): string => ms.toFixed(1);

function summary(samples: readonly number[]): { median: number; p10: number; p90: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  return { median: percentile(sorted, 50), p10: percentile(sorted, 10), p90: percentile(sorted, 90) };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '30' },
      python: { type: 'string' },
      extra: { type: 'string', multiple: true, default: [] },
    },
  });
  const python = values.python ?? findPython('python3.11')?.path;
  if (python === undefined) throw new Error('no Python 3 here: give --python');
  const rounds = Number(values.rounds);
  const task = makeTaskDir();
  writeFileSync(join(task.dir, 'app.py'), 'def handler(event, context):\n    return {"ok": True}\n');
  writeFileSync(join(task.dir, 'typical.py'), 'import json\nimport logging\n\nlogger = logging.getLogger()\n\n\ndef handler(event, context):\n    return json.dumps(event)\n');
  // What lamina serve runs (src/platform/sandbox-factory.ts), the client byte-compiled by npm run build.
  const bootstrap = join(PYTHON_RIC_DIR, 'bootstrap.py');
  const variants: Variant[] = [
    { key: 'pass', label: `${python} -c pass (spawn to exit)`, command: python, args: ['-c', 'pass'], toExit: true },
    { key: 'lamina', label: `lamina: ${python} -u bootstrap.py, no-op handler`, command: python, args: ['-u', bootstrap], toExit: false },
    { key: 'typical', label: 'lamina, a handler importing json and logging (for information)', command: python, args: ['-u', bootstrap], toExit: false },
    ...values.extra.map((spec, i): Variant => {
      const eq = spec.indexOf('=');
      if (eq <= 0) throw new Error(`--extra wants 'label=args', got ${spec}`);
      return { key: `extra${i}`, label: spec.slice(0, eq), command: python, args: [...spec.slice(eq + 1).trim().split(/\s+/), bootstrap], toExit: false };
    }),
  ];
  const stub = await startColdStub();
  const { NODE_PATH: _nodePath, ...nodeless } = lambdaEnv(stub.address, task.dir);
  const base = { ...nodeless, AWS_EXECUTION_ENV: 'AWS_Lambda_python3.11', PYTHONPATH: '/var/runtime' };
  const envOf = (variant: Variant): Record<string, string> => ({ ...base, _HANDLER: variant.key === 'typical' ? 'typical.handler' : 'app.handler' });
  const measure = (variant: Variant): Promise<number> => (variant.toExit ? runToExit(variant, envOf(variant)) : coldStart(stub, variant, envOf(variant)));
  const samples = new Map<string, number[]>(variants.map((variant) => [variant.key, []]));
  try {
    for (const variant of variants) await measure(variant); // warm the page cache, check each works
    for (let round = 0; round < rounds; round += 1) {
      for (let i = 0; i < variants.length; i += 1) {
        const variant = variants[(i + round) % variants.length];
        if (variant !== undefined) samples.get(variant.key)?.push(await measure(variant));
      }
    }
  } finally {
    await stub.close();
    rmSync(task.dir, { recursive: true, force: true });
  }

  console.log(`python cold start: spawn -> first GET /next (or exit for -c pass), ${rounds} alternating rounds, ${python}`);
  console.log('| what | median (ms) | p10 (ms) | p90 (ms) |');
  console.log('| --- | ---: | ---: | ---: |');
  for (const variant of variants) {
    const { median, p10, p90 } = summary(samples.get(variant.key) ?? []);
    console.log(`| ${variant.label} | ${fmt(median)} | ${fmt(p10)} | ${fmt(p90)} |`);
  }
  const floor = samples.get('pass') ?? [];
  for (const variant of variants.filter((v) => v.key !== 'pass')) {
    const own = samples.get(variant.key) ?? [];
    const differences = summary(own.map((ms, i) => ms - (floor[i] ?? Number.NaN)));
    const ratio = summary(own).median / summary(floor).median;
    const target = variant.key === 'lamina' ? ' (target <= +25 ms)' : '';
    console.log(`${variant.key} - pass: median ${fmt(differences.median)} ms (per-round p10 ${fmt(differences.p10)}, p90 ${fmt(differences.p90)})${target}, ratio of medians ${ratio.toFixed(2)}`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
