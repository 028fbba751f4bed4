/**
 * AWS_LAMBDA_EXEC_WRAPPER's sh (src/platform/exec-wrapper*.ts): run for real with /bin/sh, as the
 * process sandbox, Lamina's base images and its runtime client's launcher run it.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXEC_WRAPPER_STEP, execWrapperLines } from '../../src/platform/exec-wrapper-script.js';
import { execWrapperOf, hostPathOf, withExecWrapper } from '../../src/platform/exec-wrapper.js';
import { lambdaPath } from '../../src/platform/environment-variables.js';
import { LAUNCHER_SOURCE } from '../../runtime-interface/package/build.js';
import { customRuntimeFunction } from '../helpers/function-config.js';

const dir = mkdtempSync(join(tmpdir(), 'lamina-exec-wrapper-'));
function file(name: string, text: string, mode = 0o755): string {
  const path = join(dir, name);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  chmodSync(path, mode);
  return path;
}
// A wrapper as Lambda's documentation shows them: it adds to the environment and execs "$@".
const WRAPPER = file('wrap', '#!/bin/sh\necho "wrapped: $*"\nexport ADDED=yes\nexec "$@"\n');
const NOT_EXECUTABLE = file('plain', '#!/bin/sh\nexec "$@"\n', 0o644);
const SHOW = file('show', '#!/bin/sh\necho "ran: $* ADDED=$ADDED"\n');

function sh(args: string[], env: Record<string, string> = {}): { status: number | null; out: string } {
  const run = spawnSync('/bin/sh', args, { encoding: 'utf8', env: { PATH: '/usr/bin:/bin', ...env } });
  return { status: run.status, out: run.stdout + run.stderr };
}

describe('the exec wrapper step (process sandbox)', () => {
  const step = (wrapper: string): ReturnType<typeof sh> => sh(['-c', EXEC_WRAPPER_STEP, 'lamina-exec-wrapper', wrapper, SHOW, 'a b', 'c']);

  it('runs <wrapper> <interpreter> <args...>, arguments kept whole', () => {
    expect(step(WRAPPER)).toEqual({ status: 0, out: `wrapped: ${SHOW} a b c\nran: a b c ADDED=yes\n` });
  });

  it('a missing wrapper: "<path>: does not exist", exit 127 (Lambda\'s bootstrap)', () => {
    expect(step(join(dir, 'nope'))).toEqual({ status: 127, out: `${join(dir, 'nope')}: does not exist\n` });
    // A directory is not a file either.
    expect(step(dir).status).toBe(127);
  });

  it('a wrapper that is not executable: "<path>: is not an executable", exit 126', () => {
    expect(step(NOT_EXECUTABLE)).toEqual({ status: 126, out: `${NOT_EXECUTABLE}: is not an executable\n` });
  });

  it('a hostile path is only ever a word: no shell evaluation', () => {
    const out = step('$(touch /tmp/lamina-pwned); ; `id`');
    expect(out.status).toBe(127);
    expect(out.out).toBe('$(touch /tmp/lamina-pwned); ; `id`: does not exist\n');
  });
});

describe('execWrapperLines (bootstraps Lamina writes)', () => {
  const script = `${execWrapperLines(`${SHOW} "$@"`)}`;

  it('without the variable (or empty) runs the command itself', () => {
    expect(sh(['-c', script, 'bootstrap', 'x'])).toEqual({ status: 0, out: 'ran: x ADDED=\n' });
    expect(sh(['-c', script, 'bootstrap', 'x'], { AWS_LAMBDA_EXEC_WRAPPER: '' }).out).toBe('ran: x ADDED=\n');
  });

  it('with it: through the wrapper, or 127 / 126', () => {
    expect(sh(['-c', script, 'bootstrap', 'x'], { AWS_LAMBDA_EXEC_WRAPPER: WRAPPER }).out).toBe(`wrapped: ${SHOW} x\nran: x ADDED=yes\n`);
    expect(sh(['-c', script, 'bootstrap'], { AWS_LAMBDA_EXEC_WRAPPER: '/nope' })).toEqual({ status: 127, out: '/nope: does not exist\n' });
    expect(sh(['-c', script, 'bootstrap'], { AWS_LAMBDA_EXEC_WRAPPER: NOT_EXECUTABLE }).status).toBe(126);
  });

  it('the runtime client\'s launcher honours it for nodejs runtimes only, as Lambda does', () => {
    const launcher = file('ric/bootstrap', LAUNCHER_SOURCE);
    file('ric/node', '#!/bin/sh\necho "node $* ADDED=$ADDED"\n');
    const nodejs = sh([launcher, 'h'], { AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x', AWS_LAMBDA_EXEC_WRAPPER: WRAPPER });
    expect(nodejs.out).toBe(`wrapped: ${dir}/ric/node ${dir}/ric/lamina-ric-start.cjs h\nnode ${dir}/ric/lamina-ric-start.cjs h ADDED=yes\n`);
    const provided = sh([launcher, 'h'], { AWS_EXECUTION_ENV: 'AWS_Lambda_provided.al2023', AWS_LAMBDA_EXEC_WRAPPER: WRAPPER });
    expect(provided.out).toBe(`node ${dir}/ric/lamina-ric-start.cjs h ADDED=\n`);
  });
});

describe('which functions get it, and where the wrapper is', () => {
  const layer = join(dir, 'layer');
  file('layer/otel/handler', '#!/bin/sh\nexec "$@"\n');
  const code = join(dir, 'code');
  file('code/wrap.sh', '#!/bin/sh\nexec "$@"\n');
  const node = customRuntimeFunction('n', code, {
    runtime: 'nodejs22.x',
    launch: { kind: 'node-ric', runtime: 'nodejs22.x', node: '/opt/node22/bin/node' },
    layers: [layer],
    environment: { AWS_LAMBDA_EXEC_WRAPPER: '/opt/otel/handler' },
  });

  it('managed runtimes only: not provided*, not when empty', () => {
    expect(execWrapperOf(node)).toBe('/opt/otel/handler');
    expect(execWrapperOf({ ...node, environment: { AWS_LAMBDA_EXEC_WRAPPER: '' } })).toBeUndefined();
    const provided = customRuntimeFunction('p', code, { environment: { AWS_LAMBDA_EXEC_WRAPPER: '/opt/otel/handler' } });
    expect(execWrapperOf(provided)).toBeUndefined();
    expect(withExecWrapper(provided, '/code/bootstrap', ['x'], false)).toEqual({ command: '/code/bootstrap', args: ['x'] });
  });

  it('outside a mount namespace /opt and /var/task are the layers and the code on the host', () => {
    expect(hostPathOf('/opt/otel/handler', node)).toBe(join(layer, 'otel', 'handler'));
    expect(hostPathOf('/var/task/wrap.sh', node)).toBe(join(code, 'wrap.sh'));
    expect(hostPathOf('/opt/missing', node)).toBe('/opt/missing');
    expect(withExecWrapper(node, '/n', ['ric.js'], false).args.slice(2)).toEqual(['lamina-exec-wrapper', join(layer, 'otel', 'handler'), '/n', 'ric.js']);
    expect(withExecWrapper(node, '/n', ['ric.js'], true).args.slice(3)).toEqual(['/opt/otel/handler', '/n', 'ric.js']);
  });

  it('PATH: the function\'s interpreter first, where Lambda has /var/lang/bin', () => {
    expect(lambdaPath(node)).toBe('/opt/node22/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin');
    const python = { ...node, launch: { kind: 'python-ric', runtime: 'python3.12', python: '/usr/local/bin/python3.12' } } as const;
    expect(lambdaPath(python)).toBe('/usr/local/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin');
    expect(lambdaPath(customRuntimeFunction('p', code)).startsWith('/usr/local/bin:/usr/bin/:/bin:/opt/bin')).toBe(true);
  });
});
