/**
 * Drive a Runtime API by hand: a function whose bootstrap only publishes its
 * AWS_LAMBDA_RUNTIME_API address, so a test can play the runtime with raw HTTP calls.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterEach } from 'vitest';
import type { FunctionConfig } from '../../src/config/function-config.js';
import { Platform } from '../../src/platform/platform.js';
import { bootstrapFunction } from './function-config.js';
import { invokeRequest } from './invoke-request.js';

export interface ManualFunction {
  readonly fn: FunctionConfig;
  /** Resolves with `host:port` once a runtime has started (one other than `previous`, if given). */
  address(previous?: string): Promise<string>;
}

export function manualFunction(name: string, overrides: Partial<FunctionConfig> = {}): ManualFunction {
  const file = join(mkdtempSync(join(tmpdir(), 'lamina-manual-')), 'address');
  const fn = bootstrapFunction(name, { timeout: 30, environment: { MANUAL_ADDRESS_FILE: file }, ...overrides }, 'manual');
  return {
    fn,
    async address(previous) {
      for (let i = 0; i < 1000; i += 1) {
        if (existsSync(file)) {
          const current = readFileSync(file, 'utf8');
          if (current !== previous) return current;
        }
        await new Promise((r) => setTimeout(r, 10));
      }
      throw new Error('the manual runtime did not start');
    },
  };
}

export interface RawAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** One Runtime API call. */
export async function runtimeCall(
  address: string,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  path: string,
  body?: string | Buffer,
  headers: Record<string, string> = {},
): Promise<RawAnswer> {
  const answer = await request(`http://${address}/2018-06-01${path}`, { method, body, headers });
  return { status: answer.statusCode, headers: answer.headers, body: await answer.body.text() };
}

/**
 * A platform serving one manual function named `manual`, whose environment has answered its first
 * invocation and is idle: its next `GET /next` parks. The caller stops the platform.
 */
export async function idleManualPlatform(): Promise<{ address: string; platform: Platform }> {
  const manual = manualFunction('manual');
  const platform = new Platform({ functions: [manual.fn], shutdownGraceMs: 100 });
  const first = platform.invoke(invokeRequest('manual', { n: 1 }));
  const address = await manual.address();
  const next = await runtimeCall(address, 'GET', '/runtime/invocation/next');
  await runtimeCall(address, 'POST', `/runtime/invocation/${next.headers['lambda-runtime-aws-request-id'] as string}/response`, '1');
  await first;
  return { address, platform };
}

/**
 * In a test file: `start(kind)` gives an {@link idleManualPlatform} whose Runtime API is served by
 * the `kind` listener (LAMINA_RUNTIME_API_LISTENER); after each test the platform stops and the
 * variable is put back.
 *
 * @example
 * const start = idleManualPlatformPerTest();
 * it('...', async () => { const { address, platform } = await start('node'); });
 */
export function idleManualPlatformPerTest(): (kind: 'lean' | 'node') => Promise<{ address: string; platform: Platform }> {
  let platform: Platform | undefined;
  const saved = process.env.LAMINA_RUNTIME_API_LISTENER;
  afterEach(async () => {
    await platform?.stop();
    platform = undefined;
    if (saved === undefined) delete process.env.LAMINA_RUNTIME_API_LISTENER;
    else process.env.LAMINA_RUNTIME_API_LISTENER = saved;
  });
  return async (kind) => {
    process.env.LAMINA_RUNTIME_API_LISTENER = kind;
    const idle = await idleManualPlatform();
    platform = idle.platform;
    return idle;
  };
}
