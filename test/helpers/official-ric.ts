/**
 * The official Node.js runtime interface client (`aws-lambda-ric@4`, a dev dependency) as a
 * custom runtime: test/fixtures/official-ric/bootstrap execs `node .../aws-lambda-ric/index.mjs`.
 * The RIC needs its native addon (rapid-client.node, built at npm install time); when it is
 * missing or does not load, `officialRicUnavailable()` says why so the test can skip loudly.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { FunctionConfig } from '../../src/config/function-config.js';
import { PROJECT_ROOT } from '../../src/platform/paths.js';
import { customRuntimeFunction, FIXTURES } from './function-config.js';

export const OFFICIAL_RIC_DIR = join(PROJECT_ROOT, 'node_modules', 'aws-lambda-ric');
export const OFFICIAL_RIC_FIXTURE = join(FIXTURES, 'official-ric');

/** Why the official RIC cannot run here, or undefined when it can. */
export function officialRicUnavailable(): string | undefined {
  const entry = join(OFFICIAL_RIC_DIR, 'index.mjs');
  if (!existsSync(entry)) return `aws-lambda-ric is not installed (${entry} missing)`;
  const addon = join(OFFICIAL_RIC_DIR, 'rapid-client.node');
  if (!existsSync(addon)) return `the aws-lambda-ric native addon was not built (${addon} missing)`;
  // Load it in a child node, not in the test process. Loading reads AWS_LAMBDA_RUNTIME_API (it
  // aborts without it); nothing listens on the discard port, and loading alone connects nowhere.
  const probe = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(addon)})`], {
    encoding: 'utf8',
    timeout: 10_000,
    env: { PATH: process.env.PATH ?? '', AWS_LAMBDA_RUNTIME_API: '127.0.0.1:9' },
  });
  if (probe.status !== 0) return `the aws-lambda-ric native addon does not load: ${(probe.stderr || String(probe.error)).trim().split('\n')[0]}`;
  return undefined;
}

/** A function whose runtime is the official RIC and whose handler is in test/fixtures/official-ric. */
export function officialRicFunction(name: string, handler: string, overrides: Partial<FunctionConfig> = {}): FunctionConfig {
  return customRuntimeFunction(name, OFFICIAL_RIC_FIXTURE, { handler, memorySize: 256, timeout: 10, ...overrides });
}
