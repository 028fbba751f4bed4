/**
 * `lamina doctor`: what this machine lets Lamina enforce, in plain words.
 */
import { availableParallelism } from 'node:os';
import { detectCgroups } from '../sandbox/cgroups.js';
import { detectFilesystemIsolation, OPEN_FILES_PER_ENVIRONMENT } from '../platform/sandbox-factory.js';
import { STANDBY_SUPPORTED } from '../sandbox/process-sandbox.js';
import { detectIsolation, LAMBDA_UID } from '../sandbox/isolation.js';
import { detectOutbound } from '../sandbox/outbound-network.js';
import { describeRuntimes } from './runtimes-command.js';
import { descriptorLimit } from '../runtime-api/connection-budget.js';
import { RUNTIME_API_MAX_CONNECTIONS } from '../runtime-api/runtime-api-server.js';

/** Under this many descriptors, a few dozen busy environments reach the platform's limit (docs/limits.md). */
const ROOMY_DESCRIPTORS = 4096;

interface Check {
  readonly what: string;
  readonly enforced: boolean;
  readonly detail: string;
}

/** @example const checks = doctorChecks(); */
export function doctorChecks(): Check[] {
  const cgroups = detectCgroups();
  const limited = cgroups.version !== undefined;
  const filesystem = detectFilesystemIsolation();
  const isolation = detectIsolation();
  const outbound = detectOutbound(false);
  const descriptors = descriptorLimit();
  return [
    { what: 'memory limit (MemorySize, OOM kill, Max Memory Used from the cgroup)', enforced: limited, detail: cgroups.summary },
    { what: `CPU share (MemorySize / 1769 vCPU, at most ${availableParallelism()} cores)`, enforced: limited, detail: limited ? `cgroup v${cgroups.version} CPU quota` : 'needs a writable cgroup hierarchy' },
    { what: '1024 processes per environment', enforced: limited, detail: limited ? `cgroup v${cgroups.version} pids controller` : 'needs a writable cgroup hierarchy' },
    { what: `${OPEN_FILES_PER_ENVIRONMENT} open files per environment`, enforced: true, detail: 'RLIMIT_NOFILE set by the launcher (lowered only)' },
    { what: '/var/task read-only, private /tmp sized by EphemeralStorage', enforced: filesystem.available, detail: filesystem.summary },
    {
      what: 'Runtime API reachable only from its own environment',
      // Always: its own network namespace when isolated, else a check of each connection's owner.
      enforced: true,
      detail:
        isolation.available && filesystem.available
          ? 'its own network namespace, the Runtime API at 127.0.0.1:9001 inside'
          : 'a listener on the host\'s loopback that accepts only connections held by the environment\'s own processes (src/runtime-api/peer-check.ts)',
    },
    {
      what: `Runtime API connections: ${RUNTIME_API_MAX_CONNECTIONS} per environment, all environments within half the platform's descriptors`,
      enforced: descriptors >= ROOMY_DESCRIPTORS,
      detail:
        `the platform may open ${descriptors} descriptors (ulimit -n), ${Math.floor(descriptors / 2)} of them for Runtime API connections` +
        (descriptors >= ROOMY_DESCRIPTORS ? '' : `; under ${ROOMY_DESCRIPTORS} a few dozen busy environments reach that: raise the limit (ulimit -Hn, then ulimit -n) before lamina serve`),
    },
    {
      what: `functions as uid ${LAMBDA_UID}, no capabilities, no_new_privs, seccomp, own PID/IPC/cgroup namespaces and root`,
      enforced: isolation.available && filesystem.available,
      detail: isolation.available ? 'the native launcher (src/sandbox/native/) pivots into a root of its own and drops privileges' : isolation.summary,
    },
    { what: '/tmp on disk, not counted as memory', enforced: isolation.available && isolation.diskTmp, detail: isolation.diskTmp ? 'a loop-mounted ext4 copy per environment' : 'needs root, /dev/loop-control and mkfs.ext4' },
    { what: 'outbound network without VpcConfig, none with it', enforced: outbound.available && isolation.available, detail: outbound.summary },
    {
      what: 'fast environment start (native launcher, standby sandboxes)',
      enforced: STANDBY_SUPPORTED,
      detail: STANDBY_SUPPORTED
        ? 'dist/sandbox/lamina-sandbox: one exec per environment, one standby per function waiting in its cgroups'
        : 'no native launcher (npm run build found no C compiler): an sh launcher sets the limits, 15-20 ms slower per cold start',
    },
  ];
}

export async function doctorCommand(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write('Usage: lamina doctor\n\nSays which Lambda limits Lamina can enforce on this machine.\n');
    return 0;
  }
  for (const check of doctorChecks()) {
    process.stdout.write(`${check.enforced ? 'enforced    ' : 'NOT enforced'}  ${check.what}\n              ${check.detail}\n`);
  }
  process.stdout.write(`\n${describeRuntimes().join('\n')}\n`);
  return 0;
}
