/**
 * The functions the scenarios invoke, laid out in a temporary workspace: code folders for each
 * kind of runtime and a SAM template naming them. Generated per run so that each scenario asks
 * for exactly the functions it needs (one per memory size, one per cold-start sample, ...).
 */
import { chmodSync, copyFileSync, cpSync, existsSync, linkSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { ROOT } from '../lib/processes.js';
import { OFFICIAL_ENTRY } from '../lib/ric-variants.js';
import { PYTHON_RIC_DIR, RIC_ENTRY } from '../../src/platform/paths.js';
import { findPython, PYTHON_RUNTIMES } from '../../src/config/python-runtime.js';
import { nodeAtHand } from '../../src/runtimes/function-nodes.js';
import { findOfficialRic, type NodeMajor } from './bench-node.js';

export type { NodeMajor } from './bench-node.js';

/** The runtimes a benchmark function can run on. */
export type RuntimeKind =
  /** nodejs20.x: Lamina's own runtime interface client, echo handler. */
  | 'lamina-ric'
  /** The official aws-lambda-ric@4 as a custom runtime, same echo handler. */
  | 'official-ric'
  /** The floor's smallest runtime loop (bench/floor/runtime-loop.ts) as a custom runtime. */
  | 'floor-loop'
  /** The tiny C custom runtime (test/fixtures/runtimes/tiny-c), compiled on demand. */
  | 'tiny-c'
  /** The Node echo runtime of the tests (test/fixtures/runtimes/echo): probes for the limits. */
  | 'echo'
  /** A CPU-bound custom runtime (bench/fixtures/limits/spin). */
  | 'spin'
  /** nodejsNN.x: Lamina's Node RIC on that major's node, as lamina serve runs it (the installer's node, bench/harness/bench-node.ts). */
  | `lamina-node${NodeMajor}`
  /** The official client Lambda ships for a major (3.x on 20 and 22, 4.x from 24) on the same node, as a custom runtime. */
  | `official-node${NodeMajor}`
  /** python3.X: Lamina's Python client on the machine's python3 whose version Lambda offers. */
  | 'python-ric';

export interface BenchFunction {
  readonly name: string;
  readonly runtime: RuntimeKind;
  readonly memoryMb?: number;
  readonly timeoutS?: number;
  readonly environment?: Readonly<Record<string, string>>;
  readonly ephemeralStorageMb?: number;
  readonly reservedConcurrency?: number;
  /** `PackageType: Image` with this `ImageUri` (built beforehand, bench/harness/container-image.ts): no Runtime, CodeUri or Handler. */
  readonly imageUri?: string;
  /** Local layer directories (each a `AWS::Serverless::LayerVersion` of the template, in order). */
  readonly layers?: readonly string[];
  /** An `HttpApi` event (the implicit HTTP API, payload 2.0) in front of it. */
  readonly httpApi?: { readonly method: string; readonly path: string };
}

/** The echo handler every Node runtime runs (and the peers too): answers its event. */
export const ECHO_HANDLER_SOURCE = 'exports.handler = async (event) => event;\n';
/** The same echo handler in Python. */
export const PYTHON_ECHO_SOURCE = 'def handler(event, context):\n    return event\n';

/** The `python3.X` runtime the matrix's Python row uses: the newest one this machine has exactly. */
export function benchPythonRuntime(): { runtime: string; python: string } | undefined {
  for (const runtime of [...PYTHON_RUNTIMES].reverse()) {
    const found = findPython(runtime);
    if (found !== undefined && found.warning === undefined) return { runtime, python: found.path };
  }
  return undefined;
}

/** The official client line Lambda ships on a Node major. */
export const officialLine = (major: NodeMajor): 3 | 4 => (major >= 24 ? 4 : 3);

const majorOf = (runtime: RuntimeKind): NodeMajor | undefined => {
  const match = /^(?:lamina|official)-node(\d+)$/.exec(runtime);
  return match === null ? undefined : (Number(match[1]) as NodeMajor);
};

/**
 * The Lambda runtime a kind is deployed as: `nodejsNN.x` for our Node client (lamina serve then
 * starts it on that major's node), the newest exact `python3.X` for the Python one, else a custom
 * runtime.
 *
 * @example lambdaRuntimeOf('lamina-node24') // 'nodejs24.x'
 */
export function lambdaRuntimeOf(runtime: RuntimeKind): string {
  if (runtime === 'lamina-ric') return 'nodejs20.x';
  if (runtime.startsWith('lamina-node')) return `nodejs${majorOf(runtime) ?? 20}.x`;
  if (runtime === 'python-ric') return benchPythonRuntime()?.runtime ?? 'python3.x';
  return 'provided.al2023';
}

/** The node `lamina serve` runs `nodejs<major>.x` on, or a reason (prepareBenchNodes installs it). */
function nodeOf(major: NodeMajor): string {
  const node = nodeAtHand(`nodejs${major}.x`);
  if (node === '') throw new Error(`Node ${major} is not installed (lamina runtimes install nodejs${major}.x)`);
  return node;
}

/** What Lambda's nodejsNN.x runtime sets for its client (src/platform/environment-variables.ts), given to the official one too. */
const nodeRuntimeEnv = (major: NodeMajor): Record<string, string> => ({
  AWS_EXECUTION_ENV: `AWS_Lambda_nodejs${major}.x`,
  NODE_PATH: `/opt/nodejs/node${major}/node_modules:/opt/nodejs/node_modules:/var/runtime/node_modules:/var/runtime:/var/task`,
});
const exportLine = (env: Record<string, string>): string => `export ${Object.entries(env).map(([k, v]) => `${k}=${v}`).join(' ')}`;
/** How Lambda's nodejs20.x/22.x runtimes start the 3.x client (shared with the conformance suite). */
const START_RIC_3 = join(ROOT, 'test', 'fixtures', 'conformance', 'start-ric-3.mjs');

export interface Workspace {
  readonly dir: string;
  /** The folder with `index.js` (echo handler), for peers and Node runtimes. */
  readonly handlerDir: string;
  /** Write a template for these functions; returns its path. */
  template(functions: readonly BenchFunction[], file?: string): string;
  /** Why a runtime cannot run here, or undefined. */
  unavailable(runtime: RuntimeKind): string | undefined;
  /** How the platform starts this runtime (its bootstrap, node + Lamina's RIC, python + its client), its task root and extra environment. */
  launch(runtime: RuntimeKind): { command: string; args: string[]; taskDir: string; env?: Record<string, string> };
  remove(): void;
}

const FLOOR_LOOP = join(ROOT, 'dist', 'bench', 'floor', 'runtime-loop.js');

/**
 * @example
 * const ws = createWorkspace(); const template = ws.template([{ name: 'Echo', runtime: 'lamina-ric' }]);
 */
export function createWorkspace(): Workspace {
  // Not under /tmp: with limits on, each environment has a private /tmp and could not see it.
  const base = existsSync('/var/tmp') ? '/var/tmp' : tmpdir();
  const dir = mkdtempSync(join(base, 'lamina-bench-'));
  const handlerDir = join(dir, 'handler');
  mkdirSync(handlerDir);
  writeFileSync(join(handlerDir, 'index.js'), ECHO_HANDLER_SOURCE);
  writeFileSync(join(handlerDir, 'package.json'), '{ "type": "commonjs" }\n');
  const codeDirs = new Map<RuntimeKind, string>();
  const problems = new Map<RuntimeKind, string | undefined>();

  const script = (name: string, body: string): string => {
    const code = join(dir, name);
    mkdirSync(code, { recursive: true });
    writeFileSync(join(code, 'index.js'), ECHO_HANDLER_SOURCE);
    writeFileSync(join(code, 'bootstrap'), `#!/bin/sh\n${body}\n`);
    chmodSync(join(code, 'bootstrap'), 0o755);
    return code;
  };

  /** `<code>/bin/node`: the major's binary, hard-linked (it is 100 MB) when the file system allows. */
  const withNode = (code: string, runtime: RuntimeKind): string => {
    const node = nodeOf(majorOf(runtime) ?? 20);
    mkdirSync(join(code, 'bin'), { recursive: true });
    try {
      linkSync(node, join(code, 'bin', 'node'));
    } catch {
      copyFileSync(node, join(code, 'bin', 'node'));
      chmodSync(join(code, 'bin', 'node'), 0o755);
    }
    return code;
  };

  const codeDir = (runtime: RuntimeKind): string => {
    const known = codeDirs.get(runtime);
    if (known !== undefined) return known;
    let code: string;
    switch (runtime) {
      case 'lamina-ric':
        code = handlerDir;
        break;
      // Self-contained code, as a function is deployed: an isolated environment sees only its own
      // code (docs/isolation.md), not this checkout's node_modules or dist.
      case 'official-ric':
        code = script('official-ric', `exec ${process.execPath} "$(dirname "$0")/node_modules/aws-lambda-ric/index.mjs"`);
        for (const pkg of ['aws-lambda-ric', join('@aws', 'lambda-invoke-store')]) {
          cpSync(join(ROOT, 'node_modules', pkg), join(code, 'node_modules', pkg), { recursive: true, dereference: true });
        }
        break;
      case 'floor-loop':
        code = script('floor-loop', `exec ${process.execPath} "$(dirname "$0")/runtime-loop.mjs"`);
        cpSync(FLOOR_LOOP, join(code, 'runtime-loop.mjs'));
        break;
      case 'echo':
        code = join(ROOT, 'test', 'fixtures', 'runtimes', 'echo');
        break;
      case 'spin':
        code = join(ROOT, 'bench', 'fixtures', 'limits', 'spin');
        break;
      case 'python-ric':
        code = join(dir, 'python-ric');
        mkdirSync(code, { recursive: true });
        writeFileSync(join(code, 'index.py'), PYTHON_ECHO_SOURCE);
        break;
      case 'lamina-node20':
      case 'lamina-node22':
      case 'lamina-node24':
      case 'lamina-node26':
        // A real nodejsNN.x function: lamina serve starts our client on the installer's node.
        nodeOf(majorOf(runtime) ?? 20);
        code = handlerDir;
        break;
      case 'official-node20':
      case 'official-node22':
      case 'official-node24':
      case 'official-node26': {
        const major = majorOf(runtime) ?? 24;
        const ric = findOfficialRic(officialLine(major));
        if (ric.path === undefined) throw new Error(ric.reason);
        const entry = `"$here/node_modules/aws-lambda-ric/${ric.entry.slice(ric.path.length + 1)}"`;
        // 4.x starts itself from its index.mjs; 3.x is started as the nodejs20.x/22.x runtimes do (start-ric-3.mjs).
        const start = officialLine(major) === 4 ? `exec "$here/bin/node" ${entry}` : `export CONFORMANCE_RIC3=${entry}\nexec "$here/bin/node" "$here/start-ric-3.mjs"`;
        code = withNode(script(runtime, `here="$(dirname "$0")"\n${exportLine(nodeRuntimeEnv(major))}\n${start}`), runtime);
        if (officialLine(major) === 3) cpSync(START_RIC_3, join(code, 'start-ric-3.mjs'));
        cpSync(ric.path, join(code, 'node_modules', 'aws-lambda-ric'), { recursive: true, dereference: true });
        const store = join(ROOT, 'node_modules', '@aws', 'lambda-invoke-store');
        if (existsSync(store)) cpSync(store, join(code, 'node_modules', '@aws', 'lambda-invoke-store'), { recursive: true, dereference: true });
        break;
      }
      case 'tiny-c': {
        code = join(dir, 'tiny-c');
        mkdirSync(code, { recursive: true });
        execFileSync('cc', ['-O2', '-o', join(code, 'bootstrap'), join(ROOT, 'test', 'fixtures', 'runtimes', 'tiny-c', 'runtime.c')], { stdio: 'pipe' });
        break;
      }
    }
    codeDirs.set(runtime, code);
    return code;
  };

  const unavailable = (runtime: RuntimeKind): string | undefined => {
    if (problems.has(runtime)) return problems.get(runtime);
    let problem: string | undefined;
    if (runtime === 'official-ric' && !existsSync(join(OFFICIAL_ENTRY, '..', 'rapid-client.node'))) problem = 'aws-lambda-ric@4 or its native addon is not installed (npm install)';
    if (runtime === 'floor-loop' && !existsSync(FLOOR_LOOP)) problem = `${FLOOR_LOOP} is missing (npm run build)`;
    if (runtime === 'python-ric' && benchPythonRuntime() === undefined) problem = `no python3.X on this machine is one Lambda offers (${PYTHON_RUNTIMES.join(', ')})`;
    if (runtime === 'tiny-c' || majorOf(runtime) !== undefined) {
      try {
        codeDir(runtime);
      } catch (error) {
        const what = runtime === 'tiny-c' ? 'cannot compile the tiny C runtime: ' : '';
        problem = `${what}${(error as Error).message.split('\n')[0]}`;
      }
    }
    problems.set(runtime, problem);
    return problem;
  };

  return {
    dir,
    handlerDir,
    unavailable,
    launch(runtime) {
      const taskDir = codeDir(runtime);
      if (runtime === 'lamina-ric') return { command: process.execPath, args: [RIC_ENTRY], taskDir };
      if (runtime.startsWith('lamina-node')) {
        const major = majorOf(runtime) ?? 20;
        return { command: nodeOf(major), args: [RIC_ENTRY], taskDir, env: nodeRuntimeEnv(major) };
      }
      const python = runtime === 'python-ric' ? benchPythonRuntime() : undefined;
      if (python !== undefined) return { command: python.python, args: ['-u', join(PYTHON_RIC_DIR, 'bootstrap.py')], taskDir, env: { PYTHONPATH: PYTHON_RIC_DIR } };
      return { command: join(taskDir, 'bootstrap'), args: [], taskDir };
    },
    template(functions, file = 'template.yaml') {
      const lines = ['Transform: AWS::Serverless-2016-10-31', 'Resources:'];
      for (const fn of functions) {
        const runtime = lambdaRuntimeOf(fn.runtime);
        const handler = runtime !== 'provided.al2023' || fn.runtime === 'official-ric' || majorOf(fn.runtime) !== undefined;
        lines.push(`  ${fn.name}:`, '    Type: AWS::Serverless::Function', '    Properties:');
        if (fn.imageUri !== undefined) lines.push('      PackageType: Image', `      ImageUri: ${JSON.stringify(fn.imageUri)}`);
        else lines.push(`      Runtime: ${runtime}`, `      CodeUri: ${JSON.stringify(codeDir(fn.runtime))}`, `      Handler: ${handler ? 'index.handler' : 'unused'}`);
        lines.push(
          `      MemorySize: ${fn.memoryMb ?? 1769}`,
          `      Timeout: ${fn.timeoutS ?? 30}`,
        );
        if ((fn.layers ?? []).length > 0) lines.push('      Layers:', ...(fn.layers ?? []).map((_, i) => `        - Ref: ${fn.name}Layer${i}`));
        if (fn.ephemeralStorageMb !== undefined) lines.push('      EphemeralStorage:', `        Size: ${fn.ephemeralStorageMb}`);
        if (fn.reservedConcurrency !== undefined) lines.push(`      ReservedConcurrentExecutions: ${fn.reservedConcurrency}`);
        if (fn.httpApi !== undefined) lines.push('      Events:', '        Http:', '          Type: HttpApi', `          Properties: {Method: ${fn.httpApi.method}, Path: ${JSON.stringify(fn.httpApi.path)}}`);
        const env = Object.entries(fn.environment ?? {});
        if (env.length > 0) {
          lines.push('      Environment:', '        Variables:');
          for (const [key, value] of env) lines.push(`          ${key}: ${JSON.stringify(value)}`);
        }
      }
      for (const fn of functions) {
        for (const [i, layer] of (fn.layers ?? []).entries()) {
          lines.push(`  ${fn.name}Layer${i}:`, '    Type: AWS::Serverless::LayerVersion', '    Properties:', `      ContentUri: ${JSON.stringify(layer)}`);
        }
      }
      const path = join(dir, file);
      writeFileSync(path, `${lines.join('\n')}\n`);
      return path;
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
