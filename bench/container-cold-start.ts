/**
 * Container cold start against process cold start of the same function (issue 6): a no-op
 * Node.js handler (test/fixtures/containers/node-fn) run by the real platform as
 *   process       the process sandbox (cgroups, nofile, mount namespace when root: `lamina serve`'s default)
 *   image         PackageType: Image, its image built from containers/Dockerfile.nodejs on lamina/base:local,
 *                 started with runc directly on podman's image storage (`lamina serve`'s way as root)
 *   zip           --sandbox container: the zip function in lamina/base:local, code at /var/task, runc directly
 *   image-podman  the same image started with `podman run` (the way without root or runc)
 * Each sample is a fresh platform's first invoke: the REPORT line's Init Duration (environment
 * start to the runtime's first /next) and the caller's wall time. Sides alternate every round.
 *
 *   npm run build && node dist/bench/container-cold-start.js [--rounds 15] [--memory 1769]
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import type { FunctionConfig } from '../src/config/function-config.js';
import { LOCAL_BASE_IMAGE } from '../src/containers/base-image.js';
import { detectEngine } from '../src/containers/engine.js';
import { imageSize } from '../src/containers/image-build.js';
import { PROJECT_ROOT } from '../src/platform/paths.js';
import { Platform } from '../src/platform/platform.js';
import { detectSandboxLimits, type SandboxLimits } from '../src/platform/sandbox-factory.js';
import type { InvokeRequest } from '../src/platform/invoke-types.js';
import { buildNodejsImage, nodeFunctionConfig } from './harness/container-image.js';
import { median } from './harness/stats.js';

const CODE = join(PROJECT_ROOT, 'test', 'fixtures', 'containers', 'node-fn');

function fn(memorySize: number, image?: FunctionConfig['image']): FunctionConfig {
  return nodeFunctionConfig('cold', CODE, memorySize, image);
}

const REQUEST: InvokeRequest = {
  functionName: 'cold',
  qualifier: undefined,
  invocationType: 'RequestResponse',
  payload: Buffer.from('{}'),
  clientContext: undefined,
  tailLogs: true,
  traceId: undefined,
  tenantId: undefined,
  streaming: false,
};

/** One cold invoke on a fresh platform: [Init Duration, caller's wall time] in ms. */
async function coldInvoke(config: FunctionConfig, limits: SandboxLimits | undefined): Promise<[number, number]> {
  const lines: string[] = [];
  const platform = new Platform({ functions: [config], limits, shutdownGraceMs: 500, logOutput: (text) => lines.push(text) });
  try {
    const started = performance.now();
    const outcome = await platform.invoke(REQUEST);
    const wall = performance.now() - started;
    if (outcome.result.kind !== 'response') throw new Error(`invoke failed: ${lines.join('')}`);
    await new Promise((resolve) => setTimeout(resolve, 20)); // the REPORT line follows the answer
    const init = /Init Duration: ([\d.]+) ms/.exec(lines.join(''))?.[1];
    if (init === undefined) throw new Error(`no Init Duration in ${lines.join('')}`);
    return [Number(init), wall];
  } finally {
    await platform.stop();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { rounds: { type: 'string', default: '15' }, memory: { type: 'string', default: '1769' } } });
  const rounds = Number(values.rounds);
  const memory = Number(values.memory);
  const engine = detectEngine();
  const { image } = await buildNodejsImage(engine, 'lamina-bench-cold:latest', CODE);
  const processLimits = detectSandboxLimits();
  const sides = [
    { key: 'process', config: fn(memory), limits: processLimits },
    { key: 'image', config: fn(memory, image), limits: { ...processLimits, containers: { engine, all: false, direct: true } } },
    { key: 'zip', config: fn(memory), limits: { ...processLimits, containers: { engine, all: true, direct: true } } },
    { key: 'image-podman', config: fn(memory, image), limits: { ...processLimits, containers: { engine, all: false, direct: false } } },
  ];
  const samples = new Map(sides.map((side) => [side.key, { init: [] as number[], wall: [] as number[] }]));
  for (const side of sides) await coldInvoke(side.config, side.limits); // warm caches, check each works
  for (let round = 0; round < rounds; round += 1) {
    for (let i = 0; i < sides.length; i += 1) {
      const side = sides[(i + round) % sides.length];
      if (side === undefined) continue;
      const [init, wall] = await coldInvoke(side.config, side.limits);
      samples.get(side.key)?.init.push(init);
      samples.get(side.key)?.wall.push(wall);
    }
  }
  const base = samples.get('process');
  const baseInit = median(base?.init ?? []);
  const baseWall = median(base?.wall ?? []);
  console.log(`container cold start vs process, ${rounds} alternating rounds, MemorySize ${memory} MB, ${engine.summary}, node ${process.version}`);
  console.log('side          init median  wall median  init - process  wall - process  wall ratio');
  for (const side of sides) {
    const s = samples.get(side.key);
    if (s === undefined) continue;
    const init = median(s.init);
    const wall = median(s.wall);
    console.log(
      `${side.key.padEnd(13)} ${init.toFixed(1).padStart(8)} ms  ${wall.toFixed(1).padStart(8)} ms  ${(init - baseInit).toFixed(1).padStart(11)} ms  ${(wall - baseWall).toFixed(1).padStart(11)} ms  ${(wall / baseWall).toFixed(2).padStart(9)}x`,
    );
  }
  for (const tag of [LOCAL_BASE_IMAGE, image.uri]) console.log(`image ${tag}: ${(((await imageSize(engine, tag)) ?? 0) / 1e6).toFixed(1)} MB`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 1;
});
