/**
 * The memory figures of one container, read from the cgroup made for it: the peak (the REPORT
 * line's Max Memory Used) and the evidence of an out-of-memory kill. Sampled while the container
 * lives, because the group is removed as soon as the container exits.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** How often a live container's cgroup is sampled (the last sample decides an OOM verdict). */
const SAMPLE_EVERY_MS = 100;

export interface MemorySample {
  /** Highest memory use seen, in bytes. */
  readonly peakBytes: number;
  /** Times the kernel's OOM killer killed a process of the container. */
  readonly oomKills: number;
  /** Times the memory use hit the limit (v1 `memory.failcnt`, v2 `memory.events` max). */
  readonly limitHits: number;
}

interface CgroupFiles {
  readonly peak: string;
  /** File holding `oom_kill N`. */
  readonly events: string;
  /** v1 `memory.failcnt` (a bare number); v2 reads `max N` from events. */
  readonly failcnt: string | undefined;
}

function read(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function counter(text: string, key: string): number {
  const match = new RegExp(`(?:^|\\n)${key} (\\d+)`).exec(text);
  return match?.[1] === undefined ? 0 : Number(match[1]);
}

/**
 * Where the engines put a container's cgroup (podman cgroupfs and systemd, docker both), v1 memory
 * controller first, then the v2 unified hierarchy.
 * @example cgroupCandidates('abc')[0] // '/sys/fs/cgroup/memory/libpod_parent/libpod-abc'
 */
export function cgroupCandidates(id: string, root = '/sys/fs/cgroup'): string[] {
  const parents = ['libpod_parent', 'machine.slice', 'docker', 'system.slice'];
  const names = [`libpod-${id}`, `libpod-${id}.scope`, id, `docker-${id}.scope`];
  return [join(root, 'memory'), root].flatMap((base) => parents.flatMap((parent) => names.map((name) => join(base, parent, name))));
}

function filesOf(dir: string): CgroupFiles {
  if (existsSync(join(dir, 'memory.max_usage_in_bytes'))) {
    return { peak: join(dir, 'memory.max_usage_in_bytes'), events: join(dir, 'memory.oom_control'), failcnt: join(dir, 'memory.failcnt') };
  }
  return { peak: join(dir, 'memory.peak'), events: join(dir, 'memory.events'), failcnt: undefined };
}

/**
 * @example
 * const watch = new ContainerCgroupWatch(() => '/sys/fs/cgroup/memory/libpod_parent/libpod-abc');
 * watch.sample().peakBytes; watch.close();
 */
export class ContainerCgroupWatch {
  #locate: () => string | undefined;
  #files: CgroupFiles | undefined;
  #last: MemorySample = { peakBytes: 0, oomKills: 0, limitHits: 0 };
  #timer: NodeJS.Timeout | undefined;

  /** `locate` says where the container's memory cgroup is, once it exists. */
  constructor(locate: () => string | undefined) {
    this.#locate = locate;
    this.#timer = setInterval(() => this.sample(), SAMPLE_EVERY_MS);
    this.#timer.unref();
  }

  /** Read the figures now (when the group is there) and return the highest seen. */
  sample(): MemorySample {
    if (this.#files === undefined) {
      const dir = this.#locate();
      if (dir !== undefined) this.#files = filesOf(dir);
    }
    const files = this.#files;
    if (files === undefined) return this.#last;
    const peak = Number(read(files.peak).trim()) || 0;
    const events = read(files.events);
    const hits = files.failcnt === undefined ? counter(events, 'max') : Number(read(files.failcnt).trim()) || 0;
    this.#last = {
      peakBytes: Math.max(this.#last.peakBytes, peak),
      oomKills: Math.max(this.#last.oomKills, counter(events, 'oom_kill')),
      limitHits: Math.max(this.#last.limitHits, hits),
    };
    return this.#last;
  }

  /** Stop sampling (the container is gone). */
  close(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
