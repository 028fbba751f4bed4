import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmodSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeExtensionExit, findExternalExtensions, newExtensionTag, parseExtensionOutput, START_RUNTIME_SIGNAL, withExtensions } from '../../src/platform/external-extensions.js';

const TAG = newExtensionTag();

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
    expect(withExtensions('/var/task/bootstrap', ['x'], [], TAG)).toEqual({ command: '/var/task/bootstrap', args: ['x'] });
  });

  it('starts every extension, then execs the runtime with its arguments (hostile ones kept whole)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lamina-wrap-'));
    const ext = (name: string): string => {
      const path = join(dir, name);
      writeFileSync(path, `#!/bin/sh\necho "$(basename "$0") $AWS_LAMBDA_RUNTIME_API" > "${dir}/$(basename "$0").out"\n`);
      chmodSync(path, 0o755);
      return path;
    };
    const { command, args } = withExtensions('/bin/sh', ['-c', 'wait; echo "runtime $$ $1"', 'rt', 'a b; $(x)'], [ext('one'), ext('two words')], TAG);
    const out = execFileSync(command, args, { env: { AWS_LAMBDA_RUNTIME_API: '127.0.0.1:9001', PATH: process.env.PATH ?? '' } }).toString();
    expect(out).toMatch(/^runtime \d+ a b; \$\(x\)\n$/);
    expect(execFileSync('cat', [join(dir, 'one.out'), join(dir, 'two words.out')]).toString()).toBe('one 127.0.0.1:9001\ntwo words 127.0.0.1:9001\n');
  });

  it('tags each extension\'s lines on stderr and reports its exit status after them, for the platform to parse', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lamina-wrap-'));
    const ext = (name: string, body: string): string => {
      const path = join(dir, name);
      writeFileSync(path, `#!/bin/sh\n${body}\n`);
      chmodSync(path, 0o755);
      return path;
    };
    const paths = [ext('fails', 'echo out; echo err >&2; exit 3'), ext('killed self', 'printf unfinished >&2; kill -9 $$'), ext('clean', "printf '  lead\\\\n \\036%s x\\n' \"$(id -u)\"; exit 0")];
    const names = ['fails', 'killed self', 'clean'];
    const { command, args } = withExtensions('/bin/sh', ['-c', 'echo runtime line; echo runtime err >&2; wait'], paths, TAG);
    const result = spawnSync(command, [...args]);
    const stderr = result.stderr.toString().split('\n');
    const outputs = stderr.map((line) => parseExtensionOutput(line, TAG)).filter((output) => output !== undefined);
    const exits = outputs.filter((output) => output.status !== undefined).map(({ index, status }) => ({ name: names[index], status }));
    expect(exits.sort((a, b) => (a.name ?? '').localeCompare(b.name ?? ''))).toEqual([
      { name: 'clean', status: 0 },
      { name: 'fails', status: 3 },
      { name: 'killed self', status: 137 },
    ]);
    const lines = (name: string): string[] => outputs.filter((o) => names[o.index] === name && o.text !== undefined).map((o) => o.text ?? '');
    expect(lines('fails').sort()).toEqual(['err', 'out']);
    // Kept byte for byte: leading blanks, backslashes, a \x1e of its own.
    expect(lines('clean')).toEqual([`  lead\\n \x1e${process.getuid?.() ?? 0} x`]);
    // An unfinished last line comes out whole, with the report it shares a line with.
    expect(lines('killed self')).toEqual(['unfinished']);
    // Every extension line is tagged; the runtime's are not; the shell's own "Killed" is not there.
    expect(stderr.filter((line) => line !== '' && parseExtensionOutput(line, TAG) === undefined)).toEqual(['runtime err']);
    expect(result.stdout.toString()).toBe('runtime line\n');
    expect(result.stderr.toString()).not.toContain('Killed');
  });

  it('parses only the wrapper\'s lines, and words statuses as Lambda does', () => {
    // Without the secret tag a line is nobody's but the function's, whatever it looks like.
    expect(parseExtensionOutput(`${TAG} 0 x`, TAG)).toBeUndefined();
    expect(parseExtensionOutput('\x1elxdeadbeef 0 forged', TAG)).toBeUndefined();
    expect(parseExtensionOutput(`\x1e${TAG} x y`, TAG)).toBeUndefined();
    expect(parseExtensionOutput(`\x1e${TAG}  y`, TAG)).toBeUndefined();
    expect(newExtensionTag()).not.toBe(TAG);
    expect(parseExtensionOutput(`half\x1e${TAG} 2 \x1e${TAG}!143`, TAG)).toEqual({ before: 'half', index: 2, status: 143 });
    expect(parseExtensionOutput(`\x1e${TAG} 0 last\x1e${TAG}!1`, TAG)).toEqual({ before: '', index: 0, text: 'last', status: 1 });
    expect(parseExtensionOutput(`\x1e${TAG} 0 a b `, TAG)).toEqual({ before: '', index: 0, text: 'a b ' });
    expect([0, 2, 137, 143, 139, 165].map(describeExtensionExit)).toEqual(['exit code 0', 'exit status 2', 'signal: killed', 'signal: terminated', 'signal: segmentation fault', 'signal: signal 37']);
  });

  // With awk (line by line; mawk needs -W interactive or it waits for a full buffer) and, on a PATH
  // without awk, with the sh read loop: a line reaches the platform while the extension still runs.
  for (const withAwk of [true, false]) {
    it(`passes each extension line on as soon as it is written (${withAwk ? 'awk' : 'no awk: sh read loop'})`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'lamina-wrap-'));
      const bin = join(dir, 'bin');
      mkdirSync(bin);
      symlinkSync('/bin/sleep', join(bin, 'sleep'));
      const path = join(dir, 'ext');
      writeFileSync(path, `#!/bin/sh\necho first\nwhile [ ! -e "${dir}/go" ]; do sleep 0.02; done\necho second\n`);
      chmodSync(path, 0o755);
      const { command, args } = withExtensions('/bin/sh', ['-c', 'wait'], [path], TAG);
      const env = { PATH: withAwk ? (process.env.PATH ?? '/usr/bin:/bin') : bin };
      if (withAwk && spawnSync('sh', ['-c', 'command -v awk'], { env }).status !== 0) return console.log('skipped: no awk on this machine');
      const child = spawn(command, [...args], { env });
      const exited = new Promise((resolve) => child.once('exit', resolve));
      let err = '';
      child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
      const texts = (): (string | undefined)[] => err.split('\n').map((line) => parseExtensionOutput(line, TAG)?.text);
      await expect.poll(texts).toContain('first');
      expect(texts()).not.toContain('second');
      writeFileSync(join(dir, 'go'), '');
      await expect.poll(texts).toContain('second');
      await exited;
    });
  }

  it('holds the runtime back until the start signal, which the extensions ignore', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lamina-wrap-'));
    const path = join(dir, 'ext');
    // Says it is up, then runs until told to stop (the signal must not end it).
    writeFileSync(path, `#!/bin/sh\ntouch "${dir}/up"\nwhile [ ! -e "${dir}/stop" ]; do sleep 0.02; done\necho ext-done\n`);
    chmodSync(path, 0o755);
    const { command, args } = withExtensions('/bin/sh', ['-c', 'echo runtime; wait'], [path], TAG);
    const child = spawn(command, [...args], { detached: true });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    await expect.poll(() => existsSync(join(dir, 'up'))).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(out).toBe('');
    process.kill(-(child.pid ?? 0), START_RUNTIME_SIGNAL);
    await expect.poll(() => out).toBe('runtime\n');
    // The extension lived through the signal: it still ends on its own terms.
    writeFileSync(join(dir, 'stop'), '');
    await expect.poll(() => err.split('\n').map((line) => parseExtensionOutput(line, TAG)?.text)).toContain('ext-done');
    expect(out).toBe('runtime\n');
  });
});
