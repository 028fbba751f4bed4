/**
 * The spawner (src/sandbox/spawner.ts, src/sandbox/native/spawner.c) must give the process sandbox
 * what Node's spawn gave it: the pid, the child's output on two streams, a stdin to write, the
 * messages and the listening socket the child sends on its IPC channel (fd 3), the exit code or
 * signal, `close` after the output, an `error` for a command that cannot run, a process group of
 * the child's own, and its own death with the platform's.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/platform/paths.js';
import { buildSandboxLauncher } from '../../src/sandbox/build-launcher.js';
import { Spawner, type SpawnedChild } from '../../src/sandbox/spawner.js';

let work: string;
let spawner: Spawner | undefined;
let binary: string | undefined;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'lamina-spawner-test-'));
  binary = buildSandboxLauncher(join(work, 'lamina-sandbox')).binary;
  if (binary === undefined) console.warn('[spawner] no C compiler: the spawner is not tested');
  else spawner = new Spawner(binary);
});

afterAll(() => {
  spawner?.close();
  rmSync(work, { recursive: true, force: true });
});

interface Outcome {
  readonly out: string;
  readonly err: string;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly events: string[];
}

/** Everything a child said, and how it ended; `close` must come after `exit` and all output. */
function outcome(child: SpawnedChild): Promise<Outcome> {
  let out = '';
  let err = '';
  const events: string[] = [];
  child.on('stdio', (name: string, stream: NodeJS.ReadableStream) => {
    if (name === 'stdout') stream.on('data', (chunk: Buffer) => (out += chunk.toString()));
    if (name === 'stderr') stream.on('data', (chunk: Buffer) => (err += chunk.toString()));
  });
  child.on('spawn', () => events.push('spawn'));
  child.on('exit', () => events.push('exit'));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code: number | null, signal: NodeJS.Signals | null) => resolve({ out, err, code, signal, events: [...events, 'close'] }));
  });
}

const run = (script: string, options: { stdin?: boolean; channel?: boolean; env?: Record<string, string> } = {}): SpawnedChild =>
  (spawner as Spawner).spawn('/bin/sh', ['-c', script], { cwd: work, env: options.env ?? { PATH: '/usr/bin:/bin' }, stdin: options.stdin ?? false, channel: options.channel ?? false });

describe.skipIf(process.platform !== 'linux')('spawner', () => {
  it('passes output, exit code, working directory and environment, with close after exit', async () => {
    if (spawner === undefined) return;
    const result = await outcome(run('echo "out $PWD $GREETING"; echo err >&2; exit 3', { env: { GREETING: 'hi there', PATH: '/bin' } }));
    expect(result).toEqual({ out: `out ${work} hi there\n`, err: 'err\n', code: 3, signal: null, events: ['spawn', 'exit', 'close'] });
  });

  it('waits for output written after the exit of the child by its own child', async () => {
    if (spawner === undefined) return;
    const result = await outcome(run('(sleep 0.3; echo late) & exit 0'));
    expect(result.out).toBe('late\n');
    expect(result.code).toBe(0);
  });

  it('reports a command that cannot run as an error, as Node spawn does', async () => {
    if (spawner === undefined) return;
    const child = (spawner as Spawner).spawn(join(work, 'no-such-command'), [], { cwd: work, env: {}, stdin: false, channel: false });
    const error = await new Promise<NodeJS.ErrnoException>((resolve) => child.once('error', resolve));
    expect(error.code).toBe('ENOENT');
    expect(child.pid).toBeUndefined();
  });

  it('makes each child a process group leader, whose group a signal ends', async () => {
    if (spawner === undefined) return;
    const child = run('sleep 30 & sleep 30');
    const done = outcome(child);
    await new Promise((resolve) => child.once('spawn', resolve));
    const pid = child.pid as number;
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const [, , pgrp, session] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    expect(Number(pgrp)).toBe(pid);
    expect(Number(session)).toBe(pid);
    process.kill(-pid, 'SIGKILL');
    const result = await done;
    expect(result.signal).toBe('SIGKILL');
    expect(result.code).toBeNull();
  });

  it('names a signal Node has no name for (realtime) rather than reporting SIGKILL', async () => {
    if (spawner === undefined) return;
    expect((await outcome(run('kill -s RTMIN+3 $$'))).signal).toBe('SIGRTMIN+3');
  });

  it('gives a child its stdio alone, no other descriptor, and no ignored signal', async () => {
    if (spawner === undefined) return;
    // The spawner ignores SIGPIPE; Node's spawn resets every disposition, so does the spawner.
    const result = await outcome(run('ls /proc/$$/fd; sed -n "s/^SigIgn:[[:space:]]*//p" /proc/$$/status'));
    const lines = result.out.trim().split('\n');
    const ignored = lines.pop();
    // The shell's own descriptors: 0 to 2 only (dash -c keeps no other open).
    expect({ beyondStdio: lines.map(Number).filter((fd) => fd > 2), ignored }).toEqual({ beyondStdio: [], ignored: '0000000000000000' });
  });

  it('hands over a stdin that the child reads to its end', async () => {
    if (spawner === undefined) return;
    const child = run('cat; echo " (eof)"', { stdin: true });
    const done = outcome(child);
    await new Promise<void>((resolve) => child.on('stdio', (name: string) => name === 'stdin' && resolve()));
    child.stdin?.end('a\0b\0');
    expect((await done).out).toBe('a\0b\0 (eof)\n');
  });

  it('relays the JSON lines a child writes on its channel, and a listening socket it sends', async () => {
    if (spawner === undefined) return;
    const child = run('echo \'{"lamina":"runtime-exit","code":7}\' >&3; echo \'not json\' >&3; echo \'{"second":true}\' >&3', { channel: true });
    const messages: unknown[] = [];
    child.on('message', (message: unknown) => messages.push(message));
    await outcome(child);
    expect(messages).toEqual([{ lamina: 'runtime-exit', code: 7 }, { second: true }]);
  });

  it.skipIf(process.getuid?.() !== 0)('passes on the Runtime API listener the launcher hands over (--hold-network, root)', async () => {
    if (spawner === undefined || binary === undefined) return;
    const child = (spawner as Spawner).spawn(binary, ['--hold-network', '--api-fd', '3'], { cwd: work, env: {}, stdin: true, channel: true });
    const server = await new Promise<Server>((resolve) => child.on('message', (_message: unknown, handle: unknown) => handle !== undefined && resolve(handle as Server)));
    expect(server.address()).toMatchObject({ address: '127.0.0.1', port: 9001 });
    // The socket lives in the holder's namespace: the host's 127.0.0.1:9001 is someone else's (or no one's).
    server.close();
    const done = outcome(child);
    child.stdin?.end();
    expect((await done).code).toBe(0);
  });

  it('runs a launcher (its own binary) in the forked child without an exec, with only the stdio it was given', async () => {
    if (spawner === undefined || binary === undefined) return;
    // A standby of the plain launcher: no limits, it waits for its environment on stdin.
    const script = 'echo "released $GREETING"';
    const child = (spawner as Spawner).spawn(binary, ['--env-from-stdin', '-', '-', '0', '-', '-', '0', '/bin/sh', '-c', script], { cwd: work, env: { PATH: '/usr/bin:/bin' }, stdin: true, channel: false });
    const done = outcome(child);
    await new Promise<void>((resolve) => child.on('stdio', (name: string) => name === 'stdin' && resolve()));
    const pid = child.pid as number;
    // No exec: the command line is still the spawner's. Nothing of the spawner's is left open in it
    // (its epoll, signalfd, other children's channels), as an exec's close-on-exec would have made sure.
    expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')).toContain('--spawner');
    await expect.poll(() => readdirSync(`/proc/${pid}/fd`).sort(), { timeout: 5000 }).toEqual(['0', '1', '2']);
    child.stdin?.end('GREETING=hi\0');
    const result = await done;
    expect(result.out).toBe('released hi\n');
    expect(result.code).toBe(0);
  });

  it('keeps a process with nothing else to wait on alive until its child closes, and no longer', () => {
    if (binary === undefined) return;
    // `lamina invoke` has no listener: with an unref'd spawner, Node ended it (exit 13, a top-level
    // await never settled) while its environment was still running. The built module runs in a
    // process of its own (npm test builds before testing).
    const module = pathToFileURL(join(PROJECT_ROOT, 'dist', 'src', 'sandbox', 'spawner.js')).href;
    const script = `
      const { Spawner } = await import(${JSON.stringify(module)});
      const spawner = new Spawner(${JSON.stringify(binary)});
      const child = spawner.spawn('/bin/sh', ['-c', 'sleep 0.3; echo done'], { cwd: '/', env: {}, stdin: false, channel: false });
      child.on('stdio', (name, stream) => stream.resume());
      await new Promise((resolve) => child.once('close', resolve));
      console.log('closed', child.exitCode);`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
    expect(run.stderr).toBe('');
    expect(run.stdout.trim()).toBe('closed 0');
    // Exited on its own once the child was gone (not killed by the timeout).
    expect(run.status).toBe(0);
    expect(run.signal).toBeNull();
  });

  it('dies with its parent, even one killed outright (PR_SET_PDEATHSIG)', () => {
    if (binary === undefined) return;
    // A parent that starts a spawner as the platform does, prints its pid and is SIGKILLed.
    const script = `
      const { spawn } = require('node:child_process');
      const spawner = spawn(${JSON.stringify(binary)}, ['--spawner'], { stdio: ['pipe', 'ignore', 'inherit', 'ipc'], env: {} });
      setTimeout(() => { console.log(spawner.pid); process.kill(process.pid, 'SIGKILL'); }, 200);`;
    const parent = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 20_000 });
    const [spawnerPid] = parent.stdout.trim().split(' ').map(Number);
    expect(spawnerPid).toBeGreaterThan(0);
    const deadline = Date.now() + 5000;
    let alive = true;
    while (alive && Date.now() < deadline) {
      try {
        process.kill(spawnerPid as number, 0);
        spawnSync('sleep', ['0.05']);
      } catch {
        alive = false;
      }
    }
    expect(alive).toBe(false);
  });
});
