/**
 * Where an isolated cold start's time goes, without the platform's HTTP front door: the sandbox
 * factory of `lamina serve` (src/platform/sandbox-factory.ts) driven directly. For each side, a
 * fresh factory prepares its standby; once it is ready, the factory is called as a cold start
 * calls it, and the time runs to the runtime's first connection to its Runtime API.
 *
 *   npm run build && node dist/bench/isolation-cold-path.js [--runtime tiny-c|lamina-ric] [--rounds 20]
 *
 * Sides (alternating, order rotated per round): full isolation and --no-isolation, each with the
 * replacement standby the factory makes at once (what `lamina serve` does) and without it (the
 * factory disposed right after the call), and the same bootstrap spawned bare from this process.
 * Root with the native launcher only (bench/RESULTS.md, "Full isolation against --no-isolation").
 */
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { parseArgs } from 'node:util';
import { loadTemplate } from '../src/config/sam-template.js';
import { detectSandboxLimits, processSandboxFactory, type SandboxLimits } from '../src/platform/sandbox-factory.js';
import { PRIVATE_RUNTIME_API } from '../src/sandbox/process-sandbox.js';
import { createWorkspace, type RuntimeKind } from './harness/bench-functions.js';
import { alternation, median } from './harness/stats.js';
import { isolationUnavailable } from './scenarios/isolation.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { runtime: { type: 'string', default: 'tiny-c' }, rounds: { type: 'string', default: '20' } } });
  const unavailable = isolationUnavailable();
  if (unavailable !== undefined) throw new Error(unavailable);
  const runtime = values.runtime as RuntimeKind;
  if (runtime !== 'tiny-c' && runtime !== 'lamina-ric') throw new Error(`--runtime wants tiny-c or lamina-ric, got ${runtime}`);
  const workspace = createWorkspace();
  const host = createServer();
  await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
  const port = (host.address() as { port: number }).port;
  let onHost: (() => void) | undefined;
  host.on('connection', (socket) => {
    socket.destroy();
    onHost?.();
  });
  const firstConnection = (server: Server): Promise<void> =>
    new Promise((resolve) => server.once('connection', (socket) => (socket.destroy(), resolve())));
  try {
    const template = workspace.template([{ name: 'ColdPath', runtime, memoryMb: 1769 }], 'cold-path.yaml');
    const fn = loadTemplate(template, { region: 'us-east-1', accountId: '000000000000' }).functions[0];
    if (fn === undefined) throw new Error('no function in the template');
    const full = detectSandboxLimits();
    const plain: SandboxLimits = { ...full, isolation: undefined, outbound: undefined };

    const released = async (limits: SandboxLimits, replacement: boolean): Promise<number> => {
      const factory = processSandboxFactory(fn, '$LATEST', undefined, limits);
      await sleep(400); // its standby gets ready (namespaces, root, /tmp, veth)
      const isolated = limits.isolation !== undefined;
      const hostConnection = new Promise<void>((resolve) => (onHost = resolve));
      const t0 = performance.now();
      const sandbox = factory(isolated ? PRIVATE_RUNTIME_API : `127.0.0.1:${port}`, () => undefined, 'on-demand');
      if (!replacement) await factory.dispose?.();
      const server = isolated ? await sandbox.runtimeApiListener : undefined;
      if (isolated && server === undefined) throw new Error('the isolated standby died before its release');
      await (server === undefined ? hostConnection : firstConnection(server));
      const ms = performance.now() - t0;
      server?.close();
      sandbox.signal('SIGKILL');
      await sandbox.exited;
      await factory.dispose?.();
      return ms;
    };
    const bare = async (): Promise<number> => {
      const launch = workspace.launch(runtime);
      const hostConnection = new Promise<void>((resolve) => (onHost = resolve));
      const t0 = performance.now();
      const child = spawn(launch.command, launch.args, { cwd: launch.taskDir, env: { AWS_LAMBDA_RUNTIME_API: `127.0.0.1:${port}`, LAMBDA_TASK_ROOT: launch.taskDir, _HANDLER: 'index.handler' }, stdio: 'ignore' });
      await hostConnection;
      const ms = performance.now() - t0;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
      return ms;
    };
    const sides: [string, () => Promise<number>][] = [
      ['--no-isolation standby, no replacement made', () => released(plain, false)],
      ['full isolation standby, no replacement', () => released(full, false)],
      ['--no-isolation, replacement made at once (as lamina serve)', () => released(plain, true)],
      ['full isolation, replacement made at once (as lamina serve)', () => released(full, true)],
      ['bare spawn from node', bare],
    ];
    const samples = new Map<string, number[]>(sides.map(([name]) => [name, []]));
    for (const order of alternation(sides, Number(values.rounds))) {
      for (const [name, measure] of order) samples.get(name)?.push(await measure());
    }
    console.log(`release of a ready standby -> first connection to the Runtime API, ${runtime}, ${values.rounds} rounds (ms)`);
    console.log('| side | median | min | max |\n| --- | ---: | ---: | ---: |');
    for (const [name, list] of samples) console.log(`| ${name} | ${median(list).toFixed(2)} | ${Math.min(...list).toFixed(2)} | ${Math.max(...list).toFixed(2)} |`);
  } finally {
    host.close();
    workspace.remove();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
