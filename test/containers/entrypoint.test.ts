/**
 * containers/lambda-entrypoint.sh run directly with sh (no container engine needed): what AWS's
 * /lambda-entrypoint.sh does, with the emulator and the runtime directory pointed at stand-ins.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ENTRYPOINT_SCRIPT } from '../../src/containers/base-image.js';

const dir = mkdtempSync(join(tmpdir(), 'lamina-entrypoint-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Stand-ins that print how they were started. */
writeFileSync(join(dir, 'bootstrap'), '#!/bin/sh\necho "bootstrap handler=$_HANDLER api=$AWS_LAMBDA_RUNTIME_API args=$#"\n');
writeFileSync(join(dir, 'rie'), '#!/bin/sh\necho "rie $* handler=$_HANDLER"\n');
chmodSync(join(dir, 'bootstrap'), 0o755);
chmodSync(join(dir, 'rie'), 0o755);

function entrypoint(args: string[], env: Record<string, string>): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync('/bin/sh', [ENTRYPOINT_SCRIPT, ...args], {
    encoding: 'utf8',
    env: { PATH: '/usr/bin:/bin', LAMBDA_RUNTIME_DIR: dir, AWS_LAMBDA_RIE: join(dir, 'rie'), ...env },
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('lambda-entrypoint.sh', () => {
  it('inside Lambda (AWS_LAMBDA_RUNTIME_API set) execs the bootstrap with _HANDLER from CMD', () => {
    const run = entrypoint(['index.handler'], { AWS_LAMBDA_RUNTIME_API: '127.0.0.1:9001' });
    expect(run).toMatchObject({ status: 0, stdout: 'bootstrap handler=index.handler api=127.0.0.1:9001 args=0\n' });
  });

  it('anywhere else puts the emulator in front of the bootstrap', () => {
    const run = entrypoint(['app.handler'], {});
    expect(run).toMatchObject({ status: 0, stdout: `rie ${join(dir, 'bootstrap')} handler=app.handler\n` });
  });

  it('refuses anything but exactly one argument, with AWS\'s message and exit status 142', () => {
    for (const args of [[], ['a', 'b']]) {
      const run = entrypoint(args, {});
      expect(run.status).toBe(142);
      expect(run.stderr).toBe('entrypoint requires the handler name to be the first argument\n');
    }
  });
});
