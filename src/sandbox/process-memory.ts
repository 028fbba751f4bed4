/**
 * Peak resident memory of a process tree, read from /proc (Linux). REPORT's Max Memory Used is
 * the environment's peak, so VmHWM (the high-water mark of RSS) of each live process in the tree
 * is summed. Processes that already exited are not counted; the cgroup peak (issue 4) will be
 * exact where cgroups are available.
 *
 * This runs once per invocation, on the hot path: the /proc files stay open and are re-read with
 * one pread each (about 8 µs) instead of open-read-close (about 35 µs), and parsed as bytes in
 * place (no string per file, nothing for the collector).
 */
import { closeSync, openSync, readSync } from 'node:fs';

const SCRATCH = Buffer.allocUnsafe(8192);
/** A fork bomb must not turn a REPORT line into an unbounded walk. */
const MAX_PROCESSES = 4096;

interface ProcFiles {
  readonly status: number;
  readonly children: number;
}

function openProc(pid: number): ProcFiles | undefined {
  let status = -1;
  try {
    status = openSync(`/proc/${pid}/status`, 'r');
    // `children` lists the children of each thread; the main thread's id is the process id.
    return { status, children: openSync(`/proc/${pid}/task/${pid}/children`, 'r') };
  } catch {
    if (status >= 0) closeSync(status);
    return undefined;
  }
}

/** Bytes read from the start of `fd` into SCRATCH, or -1 when the process is gone. */
function readInto(fd: number): number {
  try {
    return readSync(fd, SCRATCH, 0, SCRATCH.length, 0);
  } catch {
    return -1; // the process is gone
  }
}

const VM_HWM = Buffer.from('VmHWM:', 'latin1');
const SPACE = 0x20;
const TAB = 0x09;
const ZERO = 0x30;

/** The decimal number at `at` in SCRATCH after spaces and tabs; 0 when there is none. */
function numberAt(at: number, end: number): number {
  let i = at;
  while (i < end && (SCRATCH[i] === SPACE || SCRATCH[i] === TAB)) i += 1;
  let n = 0;
  for (; i < end; i += 1) {
    const digit = (SCRATCH[i] as number) - ZERO;
    if (digit < 0 || digit > 9) break;
    n = n * 10 + digit;
  }
  return n;
}

/** VmHWM (kB) of a status file's `length` bytes in SCRATCH. */
function hwmKb(length: number): number {
  // The first match in the whole scratch is this file's when it lies within what was read.
  const at = SCRATCH.indexOf(VM_HWM);
  return at < 0 || at + VM_HWM.length >= length ? 0 : numberAt(at + VM_HWM.length, length);
}

/** Push the pids of a `children` file's `length` bytes in SCRATCH ("12 34 ") onto `pending`. */
function pushChildren(length: number, depth: number, pending: number[], depths: number[]): void {
  let n = -1;
  for (let i = 0; i <= length; i += 1) {
    const digit = i < length ? (SCRATCH[i] as number) - ZERO : -1;
    if (digit >= 0 && digit <= 9) {
      n = (n < 0 ? 0 : n * 10) + digit;
    } else if (n >= 0) {
      pending.push(n);
      depths.push(depth);
      n = -1;
    }
  }
}

/**
 * @example
 * const memory = new ProcessTreeMemory(child.pid!);
 * memory.peakMb(); // 57
 * memory.close();
 */
export class ProcessTreeMemory {
  readonly #root: number;
  readonly #uncounted: number;
  readonly #open = new Map<number, ProcFiles>();
  // The walk's state, reused by every call (once per invocation).
  readonly #pending: number[] = [];
  readonly #depths: number[] = [];
  readonly #seen = new Set<number>();
  /** The root's children once seen, when they never change (`fixedRootChildren`). */
  readonly #fixedRoot: boolean;
  #rootChildren: number[] | undefined;

  /**
   * @param uncountedLevels the top levels of the tree that are the platform's, not the function's
   * (an isolated environment's launcher and namespace init: 2).
   * @param fixedRootChildren the root forks its children once and adopts none (the isolated
   * launcher outside the namespace: its one child is the namespace init, which reaps the
   * namespace's orphans; src/sandbox/native/lamina-sandbox.c): its children file is read until
   * it lists some, and again only when one of them is gone.
   */
  constructor(rootPid: number, uncountedLevels = 0, fixedRootChildren = false) {
    this.#root = rootPid;
    this.#uncounted = uncountedLevels;
    this.#fixedRoot = fixedRootChildren;
  }

  /** Sum of VmHWM over the root and its live descendants, in MB (rounded up). */
  peakMb(): number {
    let totalKb = 0;
    /** Processes met whose files stay open. */
    let kept = 0;
    const pending = this.#pending;
    const depths = this.#depths;
    const seen = this.#seen;
    pending.length = 0;
    depths.length = 0;
    seen.clear();
    pending.push(this.#root);
    depths.push(0);
    while (pending.length > 0 && seen.size < MAX_PROCESSES) {
      const pid = pending.pop() as number;
      const depth = depths.pop() as number;
      seen.add(pid);
      const files = this.#files(pid);
      if (files === undefined) {
        if (depth === 1) this.#rootChildren = undefined;
        continue;
      }
      // The platform's own levels (launcher, namespace init) are not counted: their status file,
      // the costly one to generate, is not read at all (once per invocation, on the hot path).
      // Parsed in place: no string is made of either file.
      if (depth >= this.#uncounted) {
        const length = readInto(files.status);
        if (length < 0) {
          this.#gone(pid, depth);
          continue;
        }
        totalKb += hwmKb(length);
      }
      kept += 1;
      const known = depth === 0 ? this.#rootChildren : undefined;
      if (known !== undefined) {
        for (const child of known) {
          pending.push(child);
          depths.push(1);
        }
        continue;
      }
      const length = readInto(files.children);
      if (length < 0) {
        kept -= 1;
        this.#gone(pid, depth);
        continue;
      }
      const before = pending.length;
      pushChildren(length, depth + 1, pending, depths);
      if (depth === 0 && this.#fixedRoot && pending.length > before) this.#rootChildren = pending.slice(before);
    }
    // Files of processes this walk did not meet (they exited): closed. Usually there are none.
    if (this.#open.size > kept) for (const pid of this.#open.keys()) if (!seen.has(pid)) this.#forget(pid);
    return Math.ceil(totalKb / 1024);
  }

  /** Close every /proc file (the sandbox is gone). */
  close(): void {
    for (const pid of [...this.#open.keys()]) this.#forget(pid);
  }

  #files(pid: number): ProcFiles | undefined {
    let files = this.#open.get(pid);
    if (files === undefined) {
      files = openProc(pid);
      if (files !== undefined) this.#open.set(pid, files);
    }
    return files;
  }

  /** A process of the tree ended: its files are closed; a child of the root makes the root's children read again. */
  #gone(pid: number, depth: number): void {
    if (depth === 1) this.#rootChildren = undefined;
    this.#forget(pid);
  }

  #forget(pid: number): void {
    const files = this.#open.get(pid);
    if (files === undefined) return;
    this.#open.delete(pid);
    closeSync(files.status);
    closeSync(files.children);
  }
}
