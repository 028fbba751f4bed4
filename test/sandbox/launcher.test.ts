/**
 * The two environment launchers (src/sandbox/process-sandbox.ts): the native one
 * (src/sandbox/native/lamina-sandbox.c, one exec) and the sh one (unshare + sh + mount) must set up
 * the same environment: cgroup membership, the open-files limit, /var/task read-only and the
 * working directory, layers at /opt, a private tmpfs /tmp of the asked size, an /etc/hosts naming
 * `sandbox` and `sandbox.localdomain`, and the runtime's exit
 * status. The cgroup.procs "files" here are plain files, so only the write of the pid is checked.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectFilesystemIsolation } from '../../src/platform/sandbox-factory.js';
import { buildSandboxLauncher } from '../../src/sandbox/build-launcher.js';
import { detectCgroups } from '../../src/sandbox/cgroups.js';
import { launcherCommand, type SandboxSpec } from '../../src/sandbox/process-sandbox.js';

let work: string;
let native: string | undefined;
const isolation = detectFilesystemIsolation();
if (!isolation.available) console.warn(`[launcher] the /var/task, /opt and /tmp checks are skipped: ${isolation.summary}`);

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'lamina-launcher-test-'));
  const built = buildSandboxLauncher(join(work, 'lamina-sandbox'));
  native = built.binary;
  if (native === undefined) console.warn(`[launcher] the native launcher is not tested: ${built.problem ?? ''}`);
  for (const dir of ['code', 'layer-a', 'layer-b', 'runtime']) mkdirSync(join(work, dir));
  writeFileSync(join(work, 'runtime', 'ric.txt'), 'runtime\n');
  writeFileSync(join(work, 'code', 'handler.txt'), 'code\n');
  writeFileSync(join(work, 'layer-a', 'a.txt'), 'layer a\n');
  writeFileSync(join(work, 'layer-b', 'b.txt'), 'layer b\n');
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

/** What the environment looks like from inside, one fact per line. */
const PROBE = [
  'echo "nofile $(ulimit -n)"',
  'echo "cwd $(pwd)"',
  'cat handler.txt 2>/dev/null || echo "no handler.txt"',
  'touch /var/task/written 2>/dev/null && echo "task writable" || echo "task read-only"',
  'cat /opt/a.txt /opt/b.txt 2>/dev/null || echo "no layers"',
  'cat /var/runtime/ric.txt 2>/dev/null || echo "no runtime"',
  'echo "tmp $(df -k /tmp | tail -1 | awk \'{print $2}\') KB"',
  'exit 7',
].join('; ');

function run(launcher: 'native' | 'sh', spec: SandboxSpec): { status: number | null; stdout: string; stderr: string } {
  const [command, args] = launcherCommand(spec, launcher === 'native' ? native : undefined);
  const result = spawnSync(command, args, { cwd: spec.cwd, env: spec.env, encoding: 'utf8', timeout: 10_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function spec(procsFiles: string[], filesystem: SandboxSpec['filesystem']): SandboxSpec {
  return {
    command: '/bin/sh',
    args: ['-c', PROBE],
    cwd: join(work, 'code'),
    env: { PATH: '/usr/bin:/bin' },
    cgroup: { procsFiles, peakMemoryBytes: () => undefined, oomKills: () => 0, remove: () => undefined },
    maxOpenFiles: 1024,
    filesystem,
  };
}

describe.each(['native', 'sh'] as const)('%s launcher', (launcher) => {
  it('joins the cgroups, lowers the open-files limit and passes the exit status through', ({ skip }) => {
    if (launcher === 'native' && native === undefined) skip();
    const procs = [join(work, `${launcher}-procs-1`), join(work, `${launcher}-procs-2`)];
    for (const file of procs) writeFileSync(file, '');
    const result = run(launcher, spec(procs, undefined));
    expect(result.status, result.stderr).toBe(7);
    expect(result.stdout).toContain('nofile 1024\n');
    expect(result.stdout).toContain(`cwd ${join(work, 'code')}\n`);
    const pids = procs.map((file) => readFileSync(file, 'utf8').trim());
    expect(pids[0]).toMatch(/^\d+$/);
    expect(pids[1]).toBe(pids[0]); // the same process joins every controller, then execs
  });

  it('makes deferred cgroups (directories, then limits) before it joins them, as the platform would', ({ skip }) => {
    if (launcher === 'native' && native === undefined) skip();
    // A fake hierarchy: the launcher (native) or the platform (sh launcher) makes what setup lists.
    const root = join(work, `${launcher}-hierarchy`);
    for (const c of ['memory', 'cpu', 'pids']) mkdirSync(join(root, c, 'lamina'), { recursive: true });
    const group = detectCgroups(root, 2).create('p1-9', { memoryMb: 256 }, { deferred: true });
    expect(group?.setup?.dirs).toHaveLength(3);
    expect(existsSync(join(root, 'pids', 'lamina', 'p1-9'))).toBe(false); // nothing made yet
    for (const file of group?.procsFiles ?? []) expect(file.endsWith('/cgroup.procs')).toBe(true);
    const result = run(launcher, { ...spec([...(group?.procsFiles ?? [])], undefined), cgroup: group });
    expect(result.status, result.stderr).toBe(7);
    expect(readFileSync(join(root, 'memory', 'lamina', 'p1-9', 'memory.limit_in_bytes'), 'utf8')).toBe(String(256 * 1024 * 1024));
    expect(readFileSync(join(root, 'cpu', 'lamina', 'p1-9', 'cpu.cfs_quota_us'), 'utf8')).toBe('14471');
    expect(readFileSync(join(root, 'pids', 'lamina', 'p1-9', 'pids.max'), 'utf8')).toBe('1024');
    expect(readFileSync(join(root, 'pids', 'lamina', 'p1-9', 'cgroup.procs'), 'utf8').trim()).toMatch(/^\d+$/);
  });

  it('fails with 125 when a cgroup cannot be joined', ({ skip }) => {
    if (launcher === 'native' && native === undefined) skip();
    const result = run(launcher, spec([join(work, 'missing-dir', 'cgroup.procs')], undefined));
    expect(result.status).toBe(125);
  });

  it.skipIf(!isolation.available)('shows the code read-only at /var/task, layers at /opt, the runtime at /var/runtime and a private /tmp of the asked size', ({ skip }) => {
    if (launcher === 'native' && native === undefined) skip();
    const result = run(launcher, spec([], { codeDir: join(work, 'code'), tmpMb: 16, layers: [join(work, 'layer-a'), join(work, 'layer-b')], runtimeDir: join(work, 'runtime') }));
    expect(result.status, result.stderr).toBe(7);
    expect(result.stdout.split('\n')).toEqual(['nofile 1024', 'cwd /var/task', 'code', 'task read-only', 'layer a', 'layer b', 'runtime', 'tmp 16384 KB', '']);
    expect(existsSync(join(work, 'code', 'written'))).toBe(false);
  });

  it.skipIf(!isolation.available)('gives the environment an /etc/hosts of its own: sandbox and sandbox.localdomain on 127.0.0.1, then the host\'s entries', ({ skip }) => {
    if (launcher === 'native' && native === undefined) skip();
    const probe = { ...spec([], { codeDir: join(work, 'code'), tmpMb: 16 }), args: ['-c', 'cat /etc/hosts; echo "--"; getent hosts sandbox sandbox.localdomain; echo "tmp [$(ls -A /tmp)]"'] };
    const result = run(launcher, probe);
    expect(result.status, result.stderr).toBe(0);
    const [hosts, resolved] = result.stdout.split('--\n');
    expect(hosts).toBe(`127.0.0.1\tsandbox.localdomain sandbox\n${readFileSync('/etc/hosts', 'utf8')}`);
    expect(resolved?.split('\n').filter((line) => line.startsWith('127.0.0.1')).length).toBe(2);
    // The file's throwaway tmpfs is gone: the function's /tmp is its own and empty.
    expect(resolved).toContain('tmp []');
    // The host's own file is untouched.
    expect(readFileSync('/etc/hosts', 'utf8')).not.toContain('sandbox.localdomain');
  });
});

describe('native launcher as a standby (--env-from-stdin)', () => {
  it('waits for the environment on stdin, then runs the command with exactly that environment', ({ skip }) => {
    if (native === undefined) skip();
    const result = spawnSync(native as string, ['--env-from-stdin', '-', '-', '0', '-', '-', '0', 'env'], {
      input: 'PATH=/usr/bin:/bin\0GREETING=hello world\0EMPTY=\0',
      env: { HOST_ONLY: 'must not leak' },
      encoding: 'utf8',
    });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout.split('\n').filter(Boolean).sort()).toEqual(['EMPTY=', 'GREETING=hello world', 'PATH=/usr/bin:/bin']);
  });

  it('ends without running anything when stdin closes empty (the platform is gone)', ({ skip }) => {
    if (native === undefined) skip();
    const marker = join(work, 'standby-ran');
    const result = spawnSync(native as string, ['--env-from-stdin', '-', '-', '0', '-', '-', '0', 'touch', marker], { input: '', encoding: 'utf8' });
    expect(result.status).toBe(0);
    expect(existsSync(marker)).toBe(false);
  });
});

