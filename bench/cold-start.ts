/**
 * Cold start of a Node.js runtime interface client: from process spawn to the arrival of its first
 * `GET /runtime/invocation/next` at a Runtime API stub in this process (which never answers; the
 * runtime is killed as soon as the request is seen). No-op handler, clean Lambda environment.
 *
 *   npm run build && node dist/bench/cold-start.js [--rounds 30] [--variants lamina,official,floor,floor-net,tsc,launcher]
 *     [--extra 'label=command arg1 arg2' ...]
 *
 * Variants alternate within each round (order rotated every round) so machine noise hits all alike.
 * `--extra` adds ad-hoc variants (e.g. node flags) for experiments.
 */
import { rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startColdStub } from './lib/runtime-api-stub.js';
import { coldStart } from './lib/cold-spawn.js';
import { lambdaEnv, makeTaskDir, percentile, ricVariants, type RicVariant } from './lib/ric-variants.js';

interface Row {
  readonly variant: RicVariant;
  readonly samples: number[];
}

const fmt = (ms: number): string => ms.toFixed(1);

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '30' },
      variants: { type: 'string', default: 'lamina,official,floor,floor-net,bundle,launcher,tsc' },
      extra: { type: 'string', multiple: true, default: [] },
    },
  });
  const rounds = Number(values.rounds);
  const task = makeTaskDir();
  const all = ricVariants(task.floorScript, task.netFloorScript);
  const chosen: RicVariant[] = [];
  for (const key of values.variants.split(',').filter(Boolean)) {
    const variant = all.find((v) => v.key === key);
    if (variant === undefined) throw new Error(`unknown variant ${key}; known: ${all.map((v) => v.key).join(', ')}`);
    if (variant.unavailable !== undefined) console.error(`skipping ${variant.label}: ${variant.unavailable}`);
    else chosen.push(variant);
  }
  for (const spec of values.extra) {
    const eq = spec.indexOf('=');
    const [command, ...args] = spec.slice(eq + 1).trim().split(/\s+/);
    if (eq <= 0 || command === undefined) throw new Error(`--extra wants 'label=command args', got ${spec}`);
    chosen.push({ key: spec.slice(0, eq), label: spec.slice(0, eq), command, args, unavailable: undefined });
  }

  const stub = await startColdStub();
  const env = lambdaEnv(stub.address, task.dir);
  const rows: Row[] = chosen.map((variant) => ({ variant, samples: [] }));
  try {
    for (const row of rows) await coldStart(stub, row.variant, env); // warm the page cache, check each works
    for (let round = 0; round < rounds; round += 1) {
      for (let i = 0; i < rows.length; i += 1) {
        const row = rows[(i + round) % rows.length];
        if (row !== undefined) row.samples.push(await coldStart(stub, row.variant, env));
      }
    }
  } finally {
    await stub.close();
    rmSync(task.dir, { recursive: true, force: true });
  }

  const medians = new Map<string, number>();
  console.log(`cold start: spawn -> first GET /next, ${rounds} alternating rounds, no-op handler, node ${process.version}`);
  console.log('| what | median (ms) | p10 (ms) | p90 (ms) |');
  console.log('| --- | ---: | ---: | ---: |');
  for (const { variant, samples } of rows) {
    const sorted = [...samples].sort((a, b) => a - b);
    medians.set(variant.key, percentile(sorted, 50));
    console.log(`| ${variant.label} | ${fmt(percentile(sorted, 50))} | ${fmt(percentile(sorted, 10))} | ${fmt(percentile(sorted, 90))} |`);
  }
  const ratio = (a: string, b: string): string => {
    const x = medians.get(a);
    const y = medians.get(b);
    return x === undefined || y === undefined ? 'n/a' : (x / y).toFixed(3);
  };
  console.log(
    `ratios of medians: lamina/official ${ratio('lamina', 'official')} (target <= 0.75), lamina/floor ${ratio('lamina', 'floor')} (node:http floor, target <= 1.2), ` +
      `lamina/floor-net ${ratio('lamina', 'floor-net')} (node:net floor, for information), launcher/floor ${ratio('launcher', 'floor')}, bundle/official ${ratio('bundle', 'official')}, tsc/floor ${ratio('tsc', 'floor')}`,
  );
  for (const { variant } of rows) {
    if (!['lamina', 'official', 'floor', 'floor-net', 'bundle', 'tsc', 'launcher'].includes(variant.key)) console.log(`ratio ${variant.key}/floor ${ratio(variant.key, 'floor')}`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
