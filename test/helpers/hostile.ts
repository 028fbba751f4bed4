/**
 * Shared pieces of the hostile-function tests (test/sandbox/hostile-*.e2e.test.ts, docs/isolation.md):
 * the attacker and victim functions, a victim check, and a look at the host's processes.
 */
import { randomUUID } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import type { FunctionConfig } from '../../src/config/function-config.js';
import type { InvokeOutcome } from '../../src/platform/invoke-types.js';
import { Platform } from '../../src/platform/platform.js';
import { PROJECT_ROOT } from '../../src/platform/paths.js';
import { detectSandboxLimits, type SandboxLimits } from '../../src/platform/sandbox-factory.js';
import { bootstrapFunction, customRuntimeFunction, FIXTURES } from './function-config.js';
import { invokeRequest } from './invoke-request.js';

/** The limits the platform detects at start; `isolation` is undefined unless root with the launcher. */
export const LIMITS: SandboxLimits = detectSandboxLimits();

/** Why the hostile tests cannot run here, or undefined when they can. */
export function hostileSkipReason(): string | undefined {
  if (LIMITS.isolation !== undefined) return undefined;
  const reason = 'skipping hostile-function tests: no full isolation here (needs root and the native launcher from `npm run build`)';
  console.warn(reason);
  return reason;
}

/** A secret only the victim's environment holds: finding it anywhere else is a leak. */
export const VICTIM_SECRET = `victim-secret-${randomUUID()}`;

/** The victim: the echo runtime (test/fixtures/runtimes/echo), holding {@link VICTIM_SECRET}. */
export function victimFunction(overrides: Partial<FunctionConfig> = {}): FunctionConfig {
  return bootstrapFunction('victim', { timeout: 20, environment: { VICTIM_SECRET }, ...overrides });
}

/** The attacker's C helpers: the system-call probe, the port sweep and the forker. */
const PROGRAMS = ['syscalls', 'ports', 'forker'];

/**
 * The attacker's code: test/fixtures/hostile/attacker plus its C helpers compiled from
 * test/fixtures/hostile/*.c, in a world-readable directory (the function runs as uid 993).
 * Never run the probe outside an environment: as root it would change the host.
 *
 * @example
 * const code = attackerCode(); try { ... } finally { code.remove(); }
 */
export function attackerCode(): { readonly dir: string; remove(): void } {
  const dir = mkdtempSync('/var/tmp/lamina-hostile-');
  cpSync(join(FIXTURES, 'hostile', 'attacker'), dir, { recursive: true });
  for (const program of PROGRAMS) {
    const built = spawnSync('cc', ['-O2', '-Wall', '-o', join(dir, program), join(FIXTURES, 'hostile', `${program}.c`)], { encoding: 'utf8' });
    if (built.status !== 0) throw new Error(`cannot compile test/fixtures/hostile/${program}.c: ${built.stderr || built.error?.message}`);
  }
  chmodSync(dir, 0o755);
  for (const file of readdirSync(dir)) chmodSync(join(dir, file), file === 'bootstrap' || PROGRAMS.includes(file) ? 0o755 : 0o644);
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * In a `describe`: before its tests, the attacker's code and a platform with full isolation serving
 * the victim and the attackers `attackers(codeDir)`; after them, both gone. Read `platform` inside tests.
 *
 * @example
 * const world = hostilePlatform((dir) => [attackerFunction('flooder', dir)]);
 * it('...', async () => { await expectVictimAnswers(world.platform, 1, 1); });
 */
export function hostilePlatform(attackers: (codeDir: string) => FunctionConfig[]): { readonly platform: Platform } {
  let platform: Platform | undefined;
  let code: ReturnType<typeof attackerCode> | undefined;
  beforeAll(() => {
    code = attackerCode();
    platform = new Platform({ functions: [victimFunction(), ...attackers(code.dir)], shutdownGraceMs: 100, limits: LIMITS });
  });
  afterAll(async () => {
    await platform?.stop();
    code?.remove();
  });
  return {
    get platform(): Platform {
      if (platform === undefined) throw new Error('hostilePlatform: read `platform` inside a test');
      return platform;
    },
  };
}

/** An attacker running `codeDir` (see {@link attackerCode}), told where the host's secrets are. */
export function attackerFunction(name: string, codeDir: string, overrides: Partial<FunctionConfig> = {}): FunctionConfig {
  return customRuntimeFunction(name, codeDir, {
    timeout: 20,
    ...overrides,
    environment: {
      HOSTILE_CHECKOUT: PROJECT_ROOT,
      HOSTILE_VICTIM_CODE: victimFunction().codeDir,
      HOSTILE_PLATFORM_PID: String(process.pid),
      ...overrides.environment,
    },
  });
}

/** The payload of a response (or a function error's body), as text. */
export function text(outcome: InvokeOutcome): string {
  const result = outcome.result;
  if (result.kind === 'response') return result.payload.toString();
  if (result.kind === 'function-error') return result.error.payload.toString();
  throw new Error(`unexpected ${result.kind}`);
}

/** What an attack answered. */
export function report<T>(outcome: InvokeOutcome): T {
  expect(outcome.result.kind, text(outcome)).toBe('response');
  return JSON.parse(text(outcome)) as T;
}

/**
 * Invoke the victim `count` times, `parallel` at once, and expect each answer to be its own.
 *
 * @example
 * await expectVictimAnswers(platform, 5, 1);
 */
export async function expectVictimAnswers(platform: Platform, count: number, parallel: number, name = 'victim'): Promise<InvokeOutcome[]> {
  const outcomes: InvokeOutcome[] = [];
  for (let start = 0; start < count; start += parallel) {
    const wave = Array.from({ length: Math.min(parallel, count - start) }, (_, i) => `victim-answer-${start + i}`);
    const answers = await Promise.all(wave.map((echo) => platform.invoke(invokeRequest(name, { echo }))));
    expect(answers.map(text)).toEqual(wave.map((echo) => JSON.stringify(echo)));
    outcomes.push(...answers);
  }
  return outcomes;
}

/** Host pids whose command line has `part` as one of its arguments (a /proc scan, as pgrep -f). */
export function hostPidsWithArgument(part: string): number[] {
  return hostPids().filter((pid) => read(`/proc/${pid}/cmdline`).split('\0').includes(part));
}

/** Host pids whose environment holds `text`. */
export function hostPidsWithEnvironment(needle: string): number[] {
  return hostPids().filter((pid) => read(`/proc/${pid}/environ`).includes(needle));
}

function hostPids(): number[] {
  return readdirSync('/proc').filter((name) => /^\d+$/.test(name)).map(Number);
}

function read(path: string): string {
  try {
    return readFileSync(path, 'latin1');
  } catch {
    return ''; // gone meanwhile
  }
}

/** Is the process `pid` alive (signal 0)? */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}



/** TCP ports listening in the host's (this process's) network namespace, from /proc/net/tcp{,6}. */
export function hostListeningPorts(): number[] {
  const ports = new Set<number>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of read(table).split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (state === '0A' && local !== undefined) ports.add(Number.parseInt(local.split(':')[1] ?? '', 16));
    }
  }
  return [...ports].filter((port) => Number.isInteger(port)).sort((a, b) => a - b);
}
export { invokeRequest };
