import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { BootstrapNotFoundError, resolveBootstrap } from '../../src/rie/bootstrap.js';
import { runningInContainer } from '../../src/rie/container.js';
import { parseHostPort, parseLogLevel, parseRieArgs } from '../../src/rie/rie-args.js';
import { RieLog } from '../../src/rie/rie-log.js';

describe('parseRieArgs', () => {
  it("has aws-lambda-rie's defaults", () => {
    expect(parseRieArgs([])).toEqual({
      emulatorAddress: { host: '0.0.0.0', port: 8080 },
      runtimeApiAddress: { host: '127.0.0.1', port: 9001 },
      logLevel: undefined,
      maxConcurrency: 10,
      concurrencyMode: false,
      bootstrap: [],
      help: false,
      ignored: [],
      hostNode: false,
    });
  });

  it('takes --host-node as a flag before the bootstrap, and leaves it to the bootstrap after', () => {
    expect(parseRieArgs(['--host-node', './bootstrap']).hostNode).toBe(true);
    const after = parseRieArgs(['./bootstrap', '--host-node']);
    expect(after.hostNode).toBe(false);
    expect(after.bootstrap).toEqual(['./bootstrap', '--host-node']);
  });

  it('reads --name value and --name=value, and RIE\'s own options among the bootstrap\'s arguments too', () => {
    const args = parseRieArgs([
      '--runtime-interface-emulator-address=127.0.0.1:9000',
      '--runtime-api-address',
      '127.0.0.1:9002',
      '--log-level',
      'WARNING',
      '--max-concurrency=3',
      '--enable-init-caching',
      '/usr/bin/python3',
      '-m',
      'awslambdaric',
      '--log-level',
      'debug',
      'app.handler',
    ]);
    expect(args.emulatorAddress).toEqual({ host: '127.0.0.1', port: 9000 });
    expect(args.runtimeApiAddress).toEqual({ host: '127.0.0.1', port: 9002 });
    // The later --log-level wins, as with go-flags.
    expect(args.logLevel).toBe('debug');
    expect(args.maxConcurrency).toBe(3);
    expect(args.concurrencyMode).toBe(true);
    expect(args.ignored).toEqual(['--enable-init-caching']);
    expect(args.bootstrap).toEqual(['/usr/bin/python3', '-m', 'awslambdaric', 'app.handler']);
  });

  it('takes RIE\'s address after the handler, as in AWS\'s own port-override test, and leaves other options to the bootstrap', () => {
    const args = parseRieArgs(['/lambda-entrypoint.sh', 'main.handler', '--runtime-interface-emulator-address', '0.0.0.0:8081', '--enable-init-caching']);
    expect(args.emulatorAddress).toEqual({ host: '0.0.0.0', port: 8081 });
    expect(args.ignored).toEqual(['--enable-init-caching']);
    expect(args.bootstrap).toEqual(['/lambda-entrypoint.sh', 'main.handler']);
    const own = parseRieArgs(['python3', '-u', 'b.py', '--max-concurrency', '2', '--unknown=1', 'h']);
    expect(own.maxConcurrency).toBe(10);
    expect(own.bootstrap).toEqual(['python3', '-u', 'b.py', '--max-concurrency', '2', '--unknown=1', 'h']);
    expect(() => parseRieArgs(['prog', '--log-level'])).toThrow(/needs a value/);
  });

  it('takes everything after -- as the bootstrap', () => {
    expect(parseRieArgs(['--', '--weird-program', 'x']).bootstrap).toEqual(['--weird-program', 'x']);
    expect(parseRieArgs(['prog', '--', '--log-level', 'x']).bootstrap).toEqual(['prog', '--', '--log-level', 'x']);
    expect(parseRieArgs(['prog', '--', '--log-level', 'x']).logLevel).toBeUndefined();
    expect(parseRieArgs(['-h']).help).toBe(true);
  });

  it('refuses unknown options, missing values and bad numbers', () => {
    expect(() => parseRieArgs(['--nope'])).toThrow(ConfigError);
    expect(() => parseRieArgs(['--log-level'])).toThrow(/needs a value/);
    expect(() => parseRieArgs(['--log-level', 'loud'])).toThrow(/panic, fatal, error, warn, info, debug, trace/);
    expect(() => parseRieArgs(['--max-concurrency', '0'])).toThrow(/positive integer/);
    expect(() => parseRieArgs(['--max-concurrency', '1.5'])).toThrow(/positive integer/);
    expect(() => parseRieArgs(['--runtime-api-address', '9001'])).toThrow(/host:port/);
    expect(() => parseRieArgs(['--runtime-api-address', '127.0.0.1:99999'])).toThrow(/invalid port/);
  });

  it('parses addresses like Go net.SplitHostPort', () => {
    expect(parseHostPort('x', ':8080')).toEqual({ host: '0.0.0.0', port: 8080 });
    expect(parseHostPort('x', '[::1]:0')).toEqual({ host: '::1', port: 0 });
    expect(parseHostPort('x', 'localhost:9001')).toEqual({ host: 'localhost', port: 9001 });
    expect(() => parseHostPort('x', '::1:80')).toThrow(ConfigError);
  });

  it('accepts logrus level names in any case', () => {
    expect(parseLogLevel('x', 'Debug')).toBe('debug');
    expect(parseLogLevel('x', 'trace')).toBe('trace');
    expect(() => parseLogLevel('x', 'verbose')).toThrow(ConfigError);
  });
});

describe('RieLog', () => {
  it('prints only messages at or above its level', () => {
    const lines: string[] = [];
    const log = new RieLog('warn', (text) => lines.push(text));
    log.info('quiet');
    log.debug('quiet');
    log.warn('shown');
    log.error('shown too');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/\[WARN\] \(lamina rie\) shown\n$/);
    expect(log.enabled('error')).toBe(true);
    expect(log.enabled('info')).toBe(false);
  });
});

describe('resolveBootstrap', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lamina-rie-'));
  const taskDir = join(dir, 'task');
  mkdirSync(taskDir);
  const runnable = join(dir, 'runnable');
  const plain = join(dir, 'plain');
  writeFileSync(runnable, '#!/bin/sh\n');
  chmodSync(runnable, 0o755);
  writeFileSync(plain, 'not executable\n');
  chmodSync(plain, 0o644);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const base = { cwd: dir, envHandler: 'env.handler', taskRoot: undefined, path: `${dir}:/usr/bin:/bin` };

  it('runs the given program in the current directory; one word keeps the handler from the environment', () => {
    expect(resolveBootstrap({ ...base, args: ['./runnable'] })).toEqual({
      command: runnable,
      args: [],
      codeDir: dir,
      handler: 'env.handler',
      handlerSource: 'environment',
    });
  });

  it('takes the last of two or more words as the handler, and finds bare names on PATH', () => {
    const resolved = resolveBootstrap({ ...base, args: ['runnable', '-m', 'app.handler'] });
    expect(resolved).toMatchObject({ command: runnable, args: ['-m', 'app.handler'], handler: 'app.handler', handlerSource: 'argument' });
  });

  it('prefers LAMBDA_TASK_ROOT as the code directory when it is a directory', () => {
    expect(resolveBootstrap({ ...base, args: [runnable], taskRoot: taskDir }).codeDir).toBe(taskDir);
    expect(resolveBootstrap({ ...base, args: [runnable], taskRoot: join(dir, 'missing') }).codeDir).toBe(dir);
  });

  it('searches the default locations in order, skipping ones that are not executable', () => {
    const resolved = resolveBootstrap({
      ...base,
      args: [],
      candidates: [join(dir, 'missing'), plain, runnable],
      defaultTaskDir: taskDir,
    });
    expect(resolved).toMatchObject({ command: runnable, codeDir: taskDir, handler: 'env.handler' });
    expect(resolveBootstrap({ ...base, args: [], candidates: [runnable], defaultTaskDir: join(dir, 'nope') }).codeDir).toBe(dir);
  });

  it('fails clearly when nothing can be run', () => {
    expect(() => resolveBootstrap({ ...base, args: [], candidates: [join(dir, 'missing'), plain] })).toThrow(BootstrapNotFoundError);
    expect(() => resolveBootstrap({ ...base, args: [], candidates: [plain] })).toThrow(/exist\(s\) but is not executable/);
    expect(() => resolveBootstrap({ ...base, args: ['./plain'] })).toThrow(/not executable/);
    expect(() => resolveBootstrap({ ...base, args: ['./missing'] })).toThrow(/does not exist/);
    expect(() => resolveBootstrap({ ...base, args: ['no-such-program-here'] })).toThrow(/not found on PATH/);
  });
});

describe('runningInContainer', () => {
  const none = { exists: () => false, read: () => '0::/\n' };
  it('looks at the container hint, marker files and cgroups', () => {
    expect(runningInContainer({ hint: undefined, ...none })).toBe(false);
    expect(runningInContainer({ hint: 'podman', ...none })).toBe(true);
    expect(runningInContainer({ hint: undefined, exists: (p) => p === '/.dockerenv', read: () => '' })).toBe(true);
    expect(runningInContainer({ hint: undefined, exists: () => false, read: () => '12:pids:/kubepods/besteffort/pod1\n' })).toBe(true);
  });
});
