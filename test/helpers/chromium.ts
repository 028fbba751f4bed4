/**
 * Debian's chromium for browser tests, driven by playwright-core. The project's rule: when it is
 * absent, install it with apt-get as root; else the test is skipped with the reason printed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { PROJECT_ROOT } from '../../src/platform/paths.js';

export const CHROMIUM = '/usr/bin/chromium';

/** Where browser tests keep their screenshots (gitignored). */
export const TEST_OUTPUT = join(PROJECT_ROOT, 'test-output');

/** The chromium to use, or why there is none (printed by the caller when it skips). */
export function findChromium(): { path: string } | { skip: string } {
  if (existsSync(CHROMIUM)) return { path: CHROMIUM };
  if (process.getuid?.() !== 0) return { skip: `${CHROMIUM} is missing and this is not root (apt-get install -y chromium)` };
  const apt = spawnSync('apt-get', ['install', '-y', 'chromium'], { stdio: 'ignore', timeout: 600_000, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (existsSync(CHROMIUM)) return { path: CHROMIUM };
  return { skip: `${CHROMIUM} is missing and apt-get install -y chromium did not install it (status ${String(apt.status)})` };
}

/**
 * Headless chromium with the flags a machine without a display, GPU or network needs.
 *
 * @example const browser = await launchChromium(CHROMIUM);
 */
export function launchChromium(executablePath: string): Promise<Browser> {
  return chromium.launch({
    executablePath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** A screenshot path under test-output/<folder>/, the folder made. */
export function screenshotPath(folder: string, name: string): string {
  const dir = join(TEST_OUTPUT, folder);
  mkdirSync(dir, { recursive: true });
  return join(dir, name);
}
