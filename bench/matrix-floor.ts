/**
 * Where the runtime matrix's Node.js rows spend their start, without the platform: per major, the
 * node floor (node plus one raw TCP write of `GET /next`), the same through `node:http`, our client
 * and the official client of that major, each spawned bare against a stub Runtime API until its
 * first `GET /next`, alternating within each round (bench/RESULTS.md, "Runtime matrix").
 *
 *   npm run build && node dist/bench/matrix-floor.js [--rounds 25] [--majors 20,22,24,26]
 *
 * The nodes and our client's code cache are prepared as the cold scenario prepares them.
 */
import { parseArgs } from 'node:util';
import { createWorkspace } from './harness/bench-functions.js';
import { codeCacheNote, MATRIX_MAJORS, prepareBenchNodes, type NodeMajor } from './harness/bench-node.js';
import { median } from './harness/stats.js';
import { coldStart } from './lib/cold-spawn.js';
import { lambdaEnv, makeTaskDir } from './lib/ric-variants.js';
import { startColdStub } from './lib/runtime-api-stub.js';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { rounds: { type: 'string', default: '25' }, majors: { type: 'string', default: MATRIX_MAJORS.join(',') } } });
  const majors = values.majors.split(',').map(Number).filter((m): m is NodeMajor => (MATRIX_MAJORS as readonly number[]).includes(m));
  const nodes = await prepareBenchNodes(majors);
  process.stderr.write(`${codeCacheNote(nodes)}\n`);
  const workspace = createWorkspace();
  const task = makeTaskDir();
  const stub = await startColdStub();
  const samples = new Map<string, number[]>();
  try {
    for (let round = 0; round < Number(values.rounds); round += 1) {
      for (const node of nodes) {
        if (node.path === undefined) continue;
        const ours = workspace.launch(`lamina-node${node.major}`);
        const sides = [
          ['floor', { command: node.path, args: [task.netFloorScript], taskDir: task.dir }],
          ['floor http', { command: node.path, args: [task.floorScript], taskDir: task.dir }],
          ['lamina RIC', ours],
          ['official', workspace.launch(`official-node${node.major}`)],
        ] as const;
        // Rotate the order every round: none always runs first.
        for (let i = 0; i < sides.length; i += 1) {
          const [label, launch] = sides[(i + round) % sides.length]!;
          const env = { ...lambdaEnv(stub.address, launch.taskDir), ...('env' in launch ? launch.env : {}) };
          const ms = await coldStart(stub, { label, ...launch }, env);
          samples.set(`${node.version}\t${label}`, [...(samples.get(`${node.version}\t${label}`) ?? []), ms]);
        }
      }
    }
  } finally {
    await stub.close();
    workspace.remove();
  }
  process.stdout.write('| node | floor | floor http | lamina RIC | official | lamina / official | floor / official |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n');
  for (const node of nodes) {
    if (node.path === undefined) continue;
    const m = (label: string): number => median(samples.get(`${node.version}\t${label}`) ?? []);
    const row = [m('floor'), m('floor http'), m('lamina RIC'), m('official')].map((v) => v.toFixed(1));
    process.stdout.write(`| ${node.version} | ${row.join(' | ')} | ${(m('lamina RIC') / m('official')).toFixed(2)} | ${(m('floor') / m('official')).toFixed(2)} |\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
