/**
 * The kernel's floor for environment starts (bench/start-floor/start-floor.c): N environments
 * started at once by the same native launcher code `lamina serve` uses, with the same options,
 * driven by a small C program in place of the platform and its spawner. Built with cc on first use.
 *
 *   npm run build && node dist/bench/start-floor/kernel-floor.js [--environments 100] [--rounds 3] [--modes bare,isolated,no-link,tmpfs]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { ROOT } from '../lib/processes.js';
import { LAUNCHER_SOURCE_FILES } from '../../src/sandbox/build-launcher.js';
import { tmpCopiesDir, tmpImage } from '../../src/sandbox/isolation.js';

export const FLOOR_MODES = ['bare', 'isolated', 'no-link', 'tmpfs'] as const;
export type FloorMode = (typeof FLOOR_MODES)[number];

export interface FloorRun {
  readonly environments: number;
  readonly ms: number;
  readonly cpuMs: number;
}

/**
 * The driver's one line of output.
 * @example parseFloorLine('environments 100 ms 812.5 cpu_ms 901.0') // { environments: 100, ms: 812.5, cpuMs: 901 }
 */
export function parseFloorLine(line: string): FloorRun {
  const match = /environments (\d+) ms ([\d.]+) cpu_ms ([\d.]+)/.exec(line);
  if (match === null) throw new Error(`start-floor printed no result: ${line.trim() || '(nothing)'}`);
  return { environments: Number(match[1]), ms: Number(match[2]), cpuMs: Number(match[3]) };
}

export interface KernelFloor {
  /** One burst of `environments` starts in `mode`. */
  run(environments: number, mode: FloorMode): FloorRun;
  close(): void;
}

/**
 * Compile the driver and the tiny C runtime it starts.
 * @example const floor = kernelFloor(); floor.run(100, 'isolated'); floor.close();
 */
export function kernelFloor(): KernelFloor {
  const dir = mkdtempSync(join(tmpdir(), 'lamina-start-floor-'));
  const code = join(dir, 'code');
  mkdirSync(code);
  execFileSync('cc', ['-O2', '-o', join(code, 'bootstrap'), join(ROOT, 'test/fixtures/runtimes/tiny-c/runtime.c')]);
  // The driver linked with the launcher's own C files, whose code each forked child runs without an
  // exec, as the spawner does (src/sandbox/native/spawner.c); static where libc allows, as npm run build.
  const driver = join(dir, 'start-floor');
  const objects = LAUNCHER_SOURCE_FILES.map((source, i) => {
    const object = join(dir, `launcher-${i}.o`);
    execFileSync('cc', ['-O2', '-c', ...(source.endsWith('lamina-sandbox.c') ? ['-Dmain=lamina_sandbox_main'] : []), '-o', object, source]);
    return object;
  });
  const link = (extra: readonly string[]): void => void execFileSync('cc', ['-O2', ...extra, '-o', driver, join(ROOT, 'bench/start-floor/start-floor.c'), ...objects], { stdio: 'ignore' });
  try {
    link(['-static']);
  } catch {
    link([]);
  }
  const image = tmpImage(512);
  const copies = tmpCopiesDir();
  return {
    run: (environments, mode) => {
      const out = execFileSync(driver, [String(environments), '-', code, mode, image, copies], { encoding: 'utf8', timeout: 120_000 });
      return parseFloorLine(out);
    },
    close: () => rmSync(dir, { recursive: true, force: true }),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { environments: { type: 'string', default: '100' }, rounds: { type: 'string', default: '3' }, modes: { type: 'string', default: FLOOR_MODES.join(',') } } });
  const modes = values.modes.split(',') as FloorMode[];
  const n = Number(values.environments);
  const floor = kernelFloor();
  try {
    console.log('| round | mode | load | ms to N answers | starts/s | CPU ms per start | starts/s the CPU allows on 2 cores |');
    console.log('| ---: | --- | ---: | ---: | ---: | ---: | ---: |');
    for (let round = 1; round <= Number(values.rounds); round += 1) {
      for (const mode of modes) {
        const load = execFileSync('cat', ['/proc/loadavg'], { encoding: 'utf8' }).split(' ')[0];
        const r = floor.run(n, mode);
        const perStart = r.cpuMs / r.environments;
        console.log(`| ${round} | ${mode} | ${load} | ${r.ms.toFixed(0)} | ${((r.environments / r.ms) * 1000).toFixed(0)} | ${perStart.toFixed(2)} | ${(2000 / perStart).toFixed(0)} |`);
      }
    }
  } finally {
    floor.close();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
