/**
 * The runtime interface clients the RIC benchmarks start, and the task directory and clean Lambda
 * environment they start with.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT, RIC_BUNDLE, RIC_LAUNCHER, RIC_LOADER, RIC_TSC_ENTRY } from '../../src/platform/paths.js';

export interface RicVariant {
  /** Short key used on the command line (`--variants lamina,official`). */
  readonly key: string;
  /** Row label in the tables. */
  readonly label: string;
  readonly command: string;
  readonly args: readonly string[];
  /** Why the variant cannot run here, or undefined. */
  readonly unavailable: string | undefined;
}

// From the project root whether this runs compiled (dist/bench/lib) or from source (vitest).
export const BUNDLE = RIC_BUNDLE;
export const LOADER = RIC_LOADER;
export const LAUNCHER = RIC_LAUNCHER;
export const TSC_ENTRY = RIC_TSC_ENTRY;
export const OFFICIAL_ENTRY = join(PROJECT_ROOT, 'node_modules', 'aws-lambda-ric', 'index.mjs');

const missing = (file: string, hint: string): string | undefined => (existsSync(file) ? undefined : `${file} is missing (${hint})`);

/**
 * A task directory with a no-op CommonJS handler (`index.handler`) and the floor script.
 * @example
 * const task = makeTaskDir(); // task.dir, task.floorScript
 */
export function makeTaskDir(): { dir: string; floorScript: string; netFloorScript: string; warmFloorScript: string } {
  const dir = mkdtempSync(join(tmpdir(), 'lamina-bench-task-'));
  writeFileSync(join(dir, 'index.js'), 'exports.handler = async () => ({ ok: true });\n');
  // The floor: the least a Node runtime must do before its first GET /next, i.e. start node and send it.
  const floorScript = join(dir, 'floor.cjs');
  writeFileSync(
    floorScript,
    `const [host, port] = process.env.AWS_LAMBDA_RUNTIME_API.split(':');
require('node:http').get({ host, port, path: '/2018-06-01/runtime/invocation/next' }).on('error', () => {});
`,
  );
  // The same first request without node:http (whose load alone is 6.5-11 ms): one raw node:net write.
  const netFloorScript = join(dir, 'floor-net.cjs');
  writeFileSync(
    netFloorScript,
    `const [host, port] = process.env.AWS_LAMBDA_RUNTIME_API.split(':');
require('node:net').connect({ host, port: Number(port) }).on('error', () => {})
  .write('GET /2018-06-01/runtime/invocation/next HTTP/1.1\\r\\nHost: ' + host + ':' + port + '\\r\\n\\r\\n');
`,
  );
  // The warm floor: the least a Node runtime does per invoke (keep-alive GET /next, parse, POST /response).
  const warmFloorScript = join(dir, 'warm-floor.cjs');
  writeFileSync(
    warmFloorScript,
    `const http = require('node:http');
const [host, port] = process.env.AWS_LAMBDA_RUNTIME_API.split(':');
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const next = () => http.get({ host, port, agent, path: '/2018-06-01/runtime/invocation/next' }, (res) => {
  const id = res.headers['lambda-runtime-aws-request-id'];
  const chunks = [];
  res.on('data', (c) => chunks.push(c));
  res.on('end', () => {
    JSON.parse(Buffer.concat(chunks).toString());
    const body = JSON.stringify({ ok: true });
    http.request({ host, port, agent, method: 'POST', path: '/2018-06-01/runtime/invocation/' + id + '/response',
      headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } },
      (r) => { r.resume(); r.on('end', next); }).end(body);
  });
});
next();
`,
  );
  return { dir, floorScript, netFloorScript, warmFloorScript };
}

/** Every variant; the floor scripts come from {@link makeTaskDir}. */
export function ricVariants(floorScript: string, netFloorScript?: string): RicVariant[] {
  const node = process.execPath;
  return [
    { key: 'lamina', label: 'lamina: node dist/ric/lamina-ric-start.cjs (bundle + V8 code cache, what bootstrap runs)', command: node, args: [LOADER], unavailable: missing(LOADER, 'npm run build') },
    { key: 'bundle', label: 'lamina: bundle alone (node dist/ric/lamina-ric.cjs)', command: node, args: [BUNDLE], unavailable: missing(BUNDLE, 'npm run build') },
    { key: 'launcher', label: 'lamina: sh launcher (dist/ric/bootstrap)', command: LAUNCHER, args: [], unavailable: missing(LAUNCHER, 'npm run build') },
    { key: 'official', label: 'official aws-lambda-ric@4', command: node, args: [OFFICIAL_ENTRY], unavailable: missing(OFFICIAL_ENTRY, 'npm install') },
    { key: 'floor', label: 'floor: bare node, one GET /next (node:http)', command: node, args: [floorScript], unavailable: undefined },
    {
      key: 'floor-net',
      label: 'floor: bare node, one GET /next (node:net)',
      command: node,
      args: netFloorScript === undefined ? [] : [netFloorScript],
      unavailable: netFloorScript === undefined ? 'no node:net floor script' : undefined,
    },
    { key: 'tsc', label: 'lamina: tsc output, unbundled ESM', command: node, args: [TSC_ENTRY], unavailable: missing(TSC_ENTRY, 'npm run build') },
  ];
}

/**
 * The clean environment of docs/environment.md (no NODE_EXTRA_CA_CERTS: it alone adds ~70 ms).
 * `node` is reachable on PATH for the sh launcher.
 */
export function lambdaEnv(runtimeApi: string, taskDir: string): Record<string, string> {
  const nodeDir = join(process.execPath, '..');
  return {
    PATH: `/usr/local/bin:/usr/bin/:/bin:/opt/bin:${nodeDir}`,
    LANG: 'en_US.UTF-8',
    TZ: ':UTC',
    _HANDLER: 'index.handler',
    AWS_LAMBDA_RUNTIME_API: runtimeApi,
    LAMBDA_TASK_ROOT: taskDir,
    LAMBDA_RUNTIME_DIR: '/var/runtime',
    AWS_LAMBDA_FUNCTION_NAME: 'bench',
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '128',
    AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/bench',
    AWS_LAMBDA_LOG_STREAM_NAME: '2026/01/01/[$LATEST]0123456789abcdef',
    AWS_LAMBDA_LOG_FORMAT: 'Text',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs20.x',
    NODE_PATH: '/opt/nodejs/node20/node_modules:/opt/nodejs/node_modules:/var/runtime/node_modules:/var/runtime:/var/task',
  };
}

/** Percentile of sorted numbers (nearest rank). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}
