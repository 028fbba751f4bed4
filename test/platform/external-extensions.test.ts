import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeExtensionExit, findExternalExtensions, parseExtensionExit, START_RUNTIME_SIGNAL, withExtensions } from '../../src/platform/external-extensions.js';

function layer(files: Record<string, { body: string; mode: number }>): string {
  const dir = mkdtempSync(join(tmpdir(), 'lamina-layer-'));
  mkdirSync(join(dir, 'extensions'));
  for (const [name, { body, mode }] of Object.entries(files)) {
    writeFileSync(join(dir, 'extensions', name), body);
    chmodSync(join(dir, 'extensions', name), mode);
  }
  return dir;
}

describe('external extensions', () => {
  it('merges the layers\' extensions/ folders by name, a later layer winning, executables only', () => {
    const first = layer({ a: { body: '#!/bin/sh\n', mode: 0o755 }, shared: { body: '#!/bin/sh\n', mode: 0o755 }, notes: { body: 'x', mode: 0o644 } });
    const second = layer({ shared: { body: '#!/bin/sh\n', mode: 0o755 } });
    mkdirSync(join(second, 'extensions', 'a-directory'));
    const none = mkdtempSync(join(tmpdir(), 'lamina-layer-'));
    expect(findExternalExtensions([first, none, second])).toEqual([
      { name: 'a', hostPath: join(first, 'extensions', 'a') },
      { name: 'shared', hostPath: join(second, 'extensions', 'shared') },
    ]);
    expect(findExternalExtensions([])).toEqual([]);
  });

  it('leaves the runtime command alone without extensions', () => {
    expect(withExtensions('/var/task/bootstrap', ['x'], [])).toEqual({ command: '/var/task/bootstrap', args: ['x'] });
  });

  it('starts every extension, then execs the runtime with its arguments (hostile ones kept whole)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lamina-wrap-'));
    const ext = (name: string): string => {
      const path = join(dir, name);
      writeFileSync(path, `#!/bin/sh\necho "$(basename "$0") $AWS_LAMBDA_RUNTIME_API" > "${dir}/$(basename "$0").out"\n`);
      chmodSync(path, 0o755);
      return path;
    };
    const { command, args } = withExtensions('/bin/sh', ['-c', 'wait; echo "runtime $$ $1"', 'rt', 'a b; $(x)'], [ext('one'), ext('two words')]);
    const out = execFileSync(command, args, { env: { AWS_LAMBDA_RUNTIME_API: '127.0.0.1:9001', PATH: process.env.PATH ?? '' } }).toString();
    expect(out).toMatch(/^runtime \d+ a b; \$\(x\)\n$/);
    expect(execFileSync('cat', [join(dir, 'one.out'), join(dir, 'two words.out')]).toString()).toBe('one 127.0.0.1:9001\ntwo words 127.0.0.1:9001\n');
  });

  it('reports each extension\'s exit status on stderr, after what it wrote, for the platform to parse', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lamina-wrap-'));
    const ext = (name: string, body: string): string => {
      const path = join(dir, name);
      writeFileSync(path, `#!/bin/sh\n${body}\n`);
      chmodSync(path, 0o755);
      return path;
    };
    const paths = [ext('fails', 'exit 3'), ext('killed self', 'printf unfinished >&2; kill -9 $$'), ext('clean', 'exit 0')];
    const { command, args } = withExtensions('/bin/sh', ['-c', 'wait'], paths);
    const result = spawnSync(command, [...args]);
    const exits = result.stderr.toString().split('\n').map(parseExtensionExit).filter((exit) => exit !== undefined);
    const byName = exits.map(({ name, status }) => ({ name, status })).sort((a, b) => a.name.localeCompare(b.name));
    expect(byName).toEqual([
      { name: 'clean', status: 0 },
      { name: 'fails', status: 3 },
      { name: 'killed self', status: 137 },
    ]);
    // An unfinished line (of whichever extension) comes out whole, before the report it shares a
    // line with; the shell's own "Killed" is not in the log.
    expect(exits.map((exit) => exit.before).join('')).toBe('unfinished');
    expect(result.stderr.toString()).not.toContain('Killed');
  });

  it('parses only the wrapper\'s lines, and words statuses as Lambda does', () => {
    expect(parseExtensionExit('lamina-extension-exit 1 x')).toBeUndefined();
    expect(parseExtensionExit('\x1elamina-extension-exit x y')).toBeUndefined();
    expect(parseExtensionExit('\x1elamina-extension-exit 1 ')).toBeUndefined();
    expect([0, 2, 137, 143].map(describeExtensionExit)).toEqual(['exit code 0', 'exit status 2', 'signal: killed', 'signal: 15']);
  });

  it('holds the runtime back until the start signal, which the extensions ignore', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lamina-wrap-'));
    const path = join(dir, 'ext');
    // Says it is up, then runs until told to stop (the signal must not end it).
    writeFileSync(path, `#!/bin/sh\ntouch "${dir}/up"\nwhile [ ! -e "${dir}/stop" ]; do sleep 0.02; done\necho ext-done\n`);
    chmodSync(path, 0o755);
    const { command, args } = withExtensions('/bin/sh', ['-c', 'echo runtime; wait'], [path]);
    const child = spawn(command, [...args], { detached: true });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    await expect.poll(() => existsSync(join(dir, 'up'))).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(out).toBe('');
    process.kill(-(child.pid ?? 0), START_RUNTIME_SIGNAL);
    await expect.poll(() => out).toBe('runtime\n');
    // The extension lived through the signal: it still ends on its own terms.
    writeFileSync(join(dir, 'stop'), '');
    await expect.poll(() => out).toBe('runtime\next-done\n');
  });
});
