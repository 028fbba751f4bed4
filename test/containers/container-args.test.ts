/**
 * The container sandbox's engine command line, env file, image build arguments and cgroup
 * lookup: checked without an engine.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { baseImageChanges, sharedLibraries } from '../../src/containers/base-image.js';
import { cgroupCandidates, ContainerCgroupWatch } from '../../src/containers/container-cgroup.js';
import { containerRunArgs, envFileText, OWNER_LABEL, type ContainerSpec } from '../../src/containers/container-sandbox.js';
import type { ContainerEngine } from '../../src/containers/engine.js';
import { detectEngine } from '../../src/containers/engine.js';
import { imageBuildArgs } from '../../src/containers/image-build.js';
import { ociConfig, PRIVATE_HOSTS, removeStaleEnvironmentCgroups } from '../../src/containers/runc-direct.js';
import { RIC_BUNDLE } from '../../src/platform/paths.js';
import { customRuntimeFunction } from '../helpers/function-config.js';

const podman: ContainerEngine = { name: 'podman', globalArgs: ['--runtime', 'runc'], cgroupVersion: 'v1', summary: 'podman' };
const dir = mkdtempSync(join(tmpdir(), 'lamina-container-args-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const spec: ContainerSpec = {
  engine: podman,
  image: 'hello:latest',
  name: 'lamina-1-1-hello',
  entrypoint: ['/var/runtime/bootstrap'],
  command: ['index.handler'],
  workdir: '/var/task',
  env: { AWS_LAMBDA_RUNTIME_API: '127.0.0.1:9001' },
  mounts: [{ source: '/code', target: '/var/task' }],
  memoryMb: 256,
  vcpus: 256 / 1769,
  tmpMb: 1024,
  maxProcesses: 1024,
  maxOpenFiles: 1024,
  envFile: '/private/x.env',
  cidFile: '/private/x.cid',
};

describe('containerRunArgs', () => {
  const args = containerRunArgs(spec);
  const after = (flag: string): string[] => args.flatMap((arg, i) => (arg === flag ? [args[i + 1] ?? ''] : []));

  it('applies the limits of docs/limits.md with the engine\'s flags', () => {
    expect(after('--memory')).toEqual(['256m']);
    expect(after('--memory-swap')).toEqual(['256m']);
    expect(after('--cpus')).toEqual(['0.145']);
    expect(after('--pids-limit')).toEqual(['1024']);
    expect(after('--ulimit')).toEqual(['nofile=1024:1024', 'nproc=1024:1024']);
    expect(after('--tmpfs')).toEqual(['/tmp:rw,size=1024m,mode=1777']);
    expect(args).toContain('--read-only');
    expect(args).toContain('--read-only-tmpfs=false');
  });

  it('labels the container with its platform, reaches the host loopback, and keeps secrets off argv', () => {
    expect(after('--label')).toEqual([`${OWNER_LABEL}=${process.pid}`]);
    expect(after('--network')).toEqual(['host']);
    expect(after('--env-file')).toEqual(['/private/x.env']);
    expect(args.join(' ')).not.toContain('127.0.0.1:9001');
    expect(after('--volume')).toEqual(['/code:/var/task:ro']);
    expect(after('--entrypoint')).toEqual(['["/var/runtime/bootstrap"]']);
    expect(args.slice(-2)).toEqual(['hello:latest', 'index.handler']);
  });

  it('joins a private network by its path instead of the host\'s, with Lambda\'s name for its loopback', () => {
    const own = containerRunArgs({ ...spec, networkNamespace: '/proc/4242/ns/net' });
    const value = (flag: string): string[] => own.flatMap((arg, i) => (arg === flag ? [own[i + 1] ?? ''] : []));
    expect(value('--network')).toEqual(['ns:/proc/4242/ns/net']);
    expect(value('--add-host')).toEqual(['sandbox.localdomain:127.0.0.1']);
    expect(own.indexOf('--network')).toBeLessThan(own.indexOf('hello:latest'));
  });

  it('leaves out podman-only flags for docker', () => {
    const docker = containerRunArgs({ ...spec, engine: { ...podman, name: 'docker', globalArgs: [] } });
    expect(docker).not.toContain('--read-only-tmpfs=false');
  });
});

describe('envFileText', () => {
  it('writes NAME=value lines and refuses a value with a line break', () => {
    expect(envFileText({ A: '1', B: 'x=y' })).toBe('A=1\nB=x=y\n');
    expect(() => envFileText({ A: 'x\ny' })).toThrow(/A: a value with a line break/);
  });
});

describe('imageBuildArgs', () => {
  const fn = { ...customRuntimeFunction('Img', '/ctx'), image: { uri: 'img:latest', dockerfile: '/ctx/Dockerfile', dockerContext: '/ctx', buildArgs: { MODE: 'fast' } } };

  it('points ARG BASE_IMAGE / NODE_IMAGE at the local base and passes the RIC as a named context', () => {
    const args = imageBuildArgs(fn, 'ARG BASE_IMAGE=x\nARG NODE_IMAGE=y\nFROM x\nCOPY --from=lamina-ric . /var/runtime/\n', { baseImage: 'lamina/base:local' });
    expect(args).toEqual([
      'build', '--tag', 'img:latest', '--file', '/ctx/Dockerfile',
      '--build-arg', 'BASE_IMAGE=lamina/base:local', '--build-arg', 'NODE_IMAGE=lamina/base:local', '--build-arg', 'MODE=fast',
      '--build-context', `lamina-ric=${join(RIC_BUNDLE, '..')}`, '/ctx',
    ]);
  });

  it('passes no base when none is given and the Dockerfile declares none', () => {
    expect(imageBuildArgs(fn, 'FROM scratch\n', {})).toEqual(['build', '--tag', 'img:latest', '--file', '/ctx/Dockerfile', '--build-arg', 'MODE=fast', '/ctx']);
  });
});

describe('base image', () => {
  it('finds the shared libraries node links, loader included', () => {
    const libraries = sharedLibraries(process.execPath);
    expect(libraries.some((path) => /\/libc\.so\.6$/.test(path))).toBe(true);
    expect(libraries.some((path) => /ld-linux/.test(path))).toBe(true);
  });

  it('configures the image like AWS\'s base images', () => {
    expect(baseImageChanges()).toEqual(expect.arrayContaining(['ENV LAMBDA_TASK_ROOT=/var/task', 'ENV LAMBDA_RUNTIME_DIR=/var/runtime', 'WORKDIR /var/task', 'ENTRYPOINT ["/lambda-entrypoint.sh"]']));
  });
});

describe('container cgroup', () => {
  it('reads peak, limit hits and OOM kills from the container\'s v1 group found by its id', () => {
    const root = join(dir, 'cgroup');
    const group = join(root, 'memory', 'libpod_parent', 'libpod-abc');
    mkdirSync(group, { recursive: true });
    writeFileSync(join(group, 'memory.max_usage_in_bytes'), '1048576\n');
    writeFileSync(join(group, 'memory.failcnt'), '3\n');
    writeFileSync(join(group, 'memory.oom_control'), 'oom_kill_disable 0\nunder_oom 0\noom_kill 1\n');
    expect(cgroupCandidates('abc', root)[0]).toBe(group);
    const watch = new ContainerCgroupWatch(() => cgroupCandidates('abc', root).find((candidate) => existsSync(candidate)));
    expect(watch.sample()).toEqual({ peakBytes: 1048576, oomKills: 1, limitHits: 3 });
    rmSync(group, { recursive: true });
    expect(watch.sample()).toEqual({ peakBytes: 1048576, oomKills: 1, limitHits: 3 });
    watch.close();
  });
});

describe('detectEngine', () => {
  it('uses runc with podman when installed, and says why nothing works', () => {
    const engine = detectEngine({ run: (command, args) => ({ status: 0, stdout: command === 'podman' && args.includes('info') ? '1\n' : '', stderr: '' }) });
    expect(engine).toMatchObject({ name: 'podman', globalArgs: ['--runtime', 'runc'], cgroupVersion: 'v1' });
    expect(() => detectEngine({ run: (command) => ({ status: command === 'runc' ? null : 125, stdout: '', stderr: `${command} says no\n` }) }))
      .toThrow('no container engine can be used: podman: podman says no; docker: docker says no');
  });
});

describe('ociConfig (runc directly)', () => {
  const image = { rootfs: dir, env: ['PATH=/var/lang/bin:/bin', 'LAMBDA_TASK_ROOT=/var/task'], entrypoint: ['/lambda-entrypoint.sh'], cmd: ['index.handler'], workingDir: '/var/task' };
  const config = ociConfig(
    { name: 'lamina-1-2-fn', image, args: ['/lambda-entrypoint.sh', 'index.handler'], workdir: '/var/task', env: { AWS_LAMBDA_RUNTIME_API: '127.0.0.1:9001', PATH: '/x' }, mounts: [{ source: '/code', target: '/var/task' }], memoryMb: 256, vcpus: 0.5, tmpMb: 512, maxProcesses: 1024, maxOpenFiles: 1024 },
    '/usr/bin/catatonit',
  );

  it('holds the limits of docs/limits.md in the container\'s own cgroup', () => {
    expect(config.linux.resources).toMatchObject({ memory: { limit: 268435456, swap: 268435456 }, cpu: { quota: 50_000, period: 100_000 }, pids: { limit: 1024 } });
    expect(config.linux.cgroupsPath).toBe('/lamina-containers/lamina-1-2-fn');
    expect(config.process.rlimits).toEqual([{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }]);
    expect(config.root).toEqual({ path: dir, readonly: true });
    expect(config.mounts).toContainEqual({ destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'mode=1777', 'size=512m'] });
    expect(config.mounts).toContainEqual({ destination: '/var/task', type: 'bind', source: '/code', options: ['rbind', 'nosuid', 'nodev', 'ro'] });
  });

  it('shares the host network, runs under an init, and puts Lambda\'s variables over the image\'s', () => {
    expect(config.linux.namespaces.map((ns) => ns.type)).toEqual(['pid', 'ipc', 'uts', 'mount']);
    expect(config.process.args).toEqual(['/dev/init', '--', '/lambda-entrypoint.sh', 'index.handler']);
    expect(config.process.env).toEqual(['PATH=/x', 'LAMBDA_TASK_ROOT=/var/task', 'AWS_LAMBDA_RUNTIME_API=127.0.0.1:9001']);
  });
});

describe('ociConfig with a private network', () => {
  const image = { rootfs: dir, env: [], entrypoint: ['/bootstrap'], cmd: [], workingDir: '/' };
  const base = { name: 'lamina-1-3-fn', image, args: ['/bootstrap'], workdir: '/', env: {}, mounts: [], memoryMb: 128, vcpus: 0.1, tmpMb: 16, maxProcesses: 64, maxOpenFiles: 64 };
  mkdirSync(join(dir, 'etc'), { recursive: true });
  writeFileSync(join(dir, 'etc', 'hosts'), '127.0.0.1 localhost\n');

  it('joins the holder\'s namespace by path and shows its own /etc/hosts where the image has one', () => {
    const config = ociConfig({ ...base, networkNamespace: '/proc/4242/ns/net' }, undefined, '/bundle/hosts');
    expect(config.linux.namespaces).toContainEqual({ type: 'network', path: '/proc/4242/ns/net' });
    expect(config.mounts).toContainEqual({ destination: '/etc/hosts', type: 'bind', source: '/bundle/hosts', options: ['rbind', 'nosuid', 'nodev', 'ro'] });
    // No /etc/resolv.conf in this image: no mount point is made in its shared root.
    expect(config.mounts.map((mount) => mount.destination)).not.toContain('/etc/resolv.conf');
  });

  it('keeps the host\'s network and /etc/hosts without one', () => {
    const config = ociConfig(base, undefined, '/bundle/hosts');
    expect(config.linux.namespaces.map((ns) => ns.type)).not.toContain('network');
    expect(config.mounts).toContainEqual({ destination: '/etc/hosts', type: 'bind', source: '/etc/hosts', options: ['rbind', 'nosuid', 'nodev', 'ro'] });
  });

  it('names sandbox.localdomain in the private /etc/hosts', () => {
    expect(PRIVATE_HOSTS).toMatch(/^127\.0\.0\.1\tlocalhost sandbox\.localdomain\n/);
  });
});

describe('removeStaleEnvironmentCgroups', () => {
  it('removes the groups (and container groups inside) of dead platforms in every controller, and only those', () => {
    const root = join(dir, 'stale-cgroups');
    const dead = [join(root, 'blkio', 'lamina', 'p999999-1-fn', 'ctr'), join(root, 'freezer', 'lamina-containers', 'lamina-999999-2-fn')];
    const live = join(root, 'blkio', 'lamina', `p${process.pid}-1-fn`);
    for (const path of [...dead, live]) mkdirSync(path, { recursive: true });
    removeStaleEnvironmentCgroups((pid) => pid === process.pid, root);
    expect(existsSync(join(root, 'blkio', 'lamina', 'p999999-1-fn'))).toBe(false);
    expect(existsSync(dead[1] ?? '')).toBe(false);
    expect(existsSync(live)).toBe(true);
  });
});
