/**
 * Is Lamina running inside a container? `lamina rie` binds 0.0.0.0 by default, as AWS's RIE does,
 * because inside a container that is the only way to reach it through a published port, and the
 * container runtime decides who can reach it (`-p 127.0.0.1:9000:8080`). On a bare host the same
 * default exposes an unauthenticated way to run code, so Lamina warns there.
 */
import { existsSync, readFileSync } from 'node:fs';

export interface ContainerProbe {
  /** The `container` environment variable (podman, systemd-nspawn), from host-environment. */
  readonly hint: string | undefined;
  readonly exists?: (path: string) => boolean;
  readonly read?: (path: string) => string | undefined;
}

function readOrUndefined(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * @example
 * if (!runningInContainer({ hint: host.rie.containerHint })) warnIfExposed(host);
 */
export function runningInContainer(probe: ContainerProbe): boolean {
  const exists = probe.exists ?? existsSync;
  const read = probe.read ?? readOrUndefined;
  if (probe.hint !== undefined && probe.hint !== '') return true;
  if (exists('/.dockerenv') || exists('/run/.containerenv')) return true;
  const cgroup = read('/proc/1/cgroup') ?? '';
  return /docker|kubepods|containerd|libpod|lxc/.test(cgroup);
}
