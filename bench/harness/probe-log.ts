/**
 * Reading the probe runtime's lines (bench/floor/probe-loop.ts) out of `lamina serve`'s output, for
 * the SQS mapping benchmark: when each invocation's handler started, by probe key, and how many
 * SQS records each batch held. The output only grows; each read parses what arrived since the last.
 */
import { performance } from 'node:perf_hooks';

export interface ProbeLine {
  /** Wall-clock ms (µs precision) when the handler got the event. */
  readonly at: number;
  readonly key: string;
  /** The batch's record count; 0 for a synchronous invoke. */
  readonly records: number;
}

/** Now on the wall clock the probe uses, with µs precision (same machine, same clock). */
export const wallNow = (): number => performance.timeOrigin + performance.now();

const LINE = /PROBE (\d+\.\d+) (\S+) (\d+)\n/g;

export class ProbeLog {
  #offset = 0;
  readonly #byKey = new Map<string, ProbeLine>();
  readonly #all: ProbeLine[] = [];

  constructor(private readonly output: () => string) {}

  /** Parse what arrived; answers the lines new since the last call. */
  read(): ProbeLine[] {
    const text = this.output();
    const end = text.lastIndexOf('\n') + 1;
    if (end <= this.#offset) return [];
    const fresh: ProbeLine[] = [];
    for (const m of text.slice(this.#offset, end).matchAll(LINE)) {
      const line = { at: Number(m[1]), key: m[2] ?? '-', records: Number(m[3]) };
      fresh.push(line);
      this.#all.push(line);
      this.#byKey.set(line.key, line);
    }
    this.#offset = end;
    return fresh;
  }

  /** Every line read since `mark` (an index from `mark()`). */
  since(mark: number): readonly ProbeLine[] {
    this.read();
    return this.#all.slice(mark);
  }

  /** Where the lines read so far end. */
  mark(): number {
    this.read();
    return this.#all.length;
  }

  /**
   * The line of `key`, polled every `everyMs` until `timeoutMs` has passed.
   *
   * @throws Error when it never came (the function did not run for it).
   */
  async waitFor(key: string, timeoutMs = 30_000, everyMs = 1): Promise<ProbeLine> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      this.read();
      const line = this.#byKey.get(key);
      if (line !== undefined) return line;
      if (performance.now() > deadline) throw new Error(`no handler start for probe ${key} within ${timeoutMs / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  }

  /** Waits until the batches read since `mark` hold `records` records in all; answers those lines. */
  async waitForRecords(mark: number, records: number, timeoutMs: number): Promise<readonly ProbeLine[]> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const lines = this.since(mark).filter((l) => l.records > 0);
      const got = lines.reduce((sum, l) => sum + l.records, 0);
      if (got >= records) return lines;
      if (performance.now() > deadline) throw new Error(`only ${got} of ${records} SQS records reached the function within ${timeoutMs / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
}
