/** `lamina doctor`: one line per limit, saying whether this machine lets Lamina enforce it. */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { doctorChecks } from '../../src/cli/doctor-command.js';
import { detectCgroups } from '../../src/sandbox/cgroups.js';
import { SANDBOX_LAUNCHER } from '../../src/platform/paths.js';
import { detectIsolation } from '../../src/sandbox/isolation.js';
import { detectFilesystemIsolation } from '../../src/platform/sandbox-factory.js';
import { descriptorLimit } from '../../src/runtime-api/connection-budget.js';

describe('lamina doctor', () => {
  const checks = doctorChecks();
  const find = (prefix: string) => checks.find((check) => check.what.startsWith(prefix));

  it('lists memory, CPU, processes, open files, the filesystem, isolation, Runtime API connections, /tmp, the network and the launcher', () => {
    expect(checks.map((check) => check.what.split(' ')[0])).toEqual(['memory', 'CPU', '1024', '1024', '/var/task', 'Runtime', 'Runtime', 'functions', '/tmp', 'outbound', 'fast']);
  });

  it('says full isolation is enforced exactly when the platform would isolate', () => {
    const isolated = detectIsolation().available && detectFilesystemIsolation().available;
    expect(find('Runtime API reachable only')?.enforced).toBe(true); // a namespace, or the peer check
    expect(find('Runtime API reachable only')?.detail).toContain(isolated ? '127.0.0.1:9001 inside' : 'accepts only connections');
    expect(find('functions as uid 993')?.enforced).toBe(isolated);
  });

  it('says the cgroup limits are enforced exactly when a writable cgroup hierarchy exists', () => {
    const writable = detectCgroups().version !== undefined;
    expect(find('memory limit')?.enforced).toBe(writable);
    expect(find('CPU share')?.enforced).toBe(writable);
  });

  it('says how many descriptors the platform has for Runtime API connections, and when that is too few', () => {
    const check = find('Runtime API connections: 64 per environment');
    const limit = descriptorLimit();
    expect(check?.enforced).toBe(limit >= 4096);
    expect(check?.detail).toContain(`may open ${limit} descriptors (ulimit -n), ${Math.floor(limit / 2)} of them`);
    expect(check?.detail.includes('raise the limit')).toBe(limit < 4096);
  });

  it('reports the native launcher when the build made it', () => {
    expect(find('fast environment start')?.enforced).toBe(existsSync(SANDBOX_LAUNCHER));
  });
});
