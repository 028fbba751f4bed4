/** Shared pieces of the `lamina rie` tests: fixture paths, explicit environments, free ports, invokes. */
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRie, type RieOptions, type RunningRie } from '../../src/rie/rie.js';

export const FIXTURE_DIR = fileURLToPath(new URL('../fixtures/rie/', import.meta.url));
export const BOOTSTRAP = fileURLToPath(new URL('../fixtures/rie/bootstrap', import.meta.url));
export const RIC_TASK = fileURLToPath(new URL('../fixtures/rie/ric-task', import.meta.url));
export const RIC_ENTRY = fileURLToPath(new URL('../../node_modules/aws-lambda-ric/index.mjs', import.meta.url));

/**
 * An explicit, small host environment (never the test runner's own: it carries
 * NODE_EXTRA_CA_CERTS, which makes every Node start ~70 ms slower).
 */
export function hostEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const nodeDir = dirname(process.execPath);
  return { PATH: `${nodeDir}:/usr/local/bin:/usr/bin:/bin`, HOME: '/tmp', LANG: 'C.UTF-8', ...extra };
}

/** A port nobody listens on right now (the bench peers' helper: one implementation). */
export { freePort } from '../../bench/peers/peer-process.js';

export interface StartedRie {
  readonly rie: RunningRie;
  /** What the function printed (START/END/REPORT and its own lines). */
  readonly output: string[];
  /** Lamina's own messages. */
  readonly messages: string[];
}

export async function start(options: RieOptions = {}): Promise<StartedRie> {
  const output: string[] = [];
  const messages: string[] = [];
  const rie = await startRie({
    emulatorAddress: { host: '127.0.0.1', port: 0 },
    runtimeApiAddress: { host: '127.0.0.1', port: 0 },
    bootstrap: [BOOTSTRAP],
    env: hostEnv(),
    shutdownGraceMs: 300,
    functionOutput: (text) => output.push(text),
    messageOutput: (text) => messages.push(text),
    ...options,
  });
  return { rie, output, messages };
}

export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  json<T = Record<string, unknown>>(): T;
}

export async function invoke(url: string, event: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(url, { method: 'POST', body: JSON.stringify(event), headers });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: <T>() => JSON.parse(text) as T };
}

/** Wait until `check` holds, polling. */
export async function eventually(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
