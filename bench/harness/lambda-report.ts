/**
 * The platform's REPORT line (docs/log-format.md) as the benchmarks read it from
 * `X-Amz-Log-Result`: Duration, Max Memory Used and, on a cold start, Init Duration.
 */

export interface Report {
  readonly durationMs: number;
  readonly billedDurationMs: number;
  readonly memorySizeMb: number;
  readonly maxMemoryUsedMb: number;
  readonly initDurationMs: number | undefined;
}

/**
 * The REPORT line of a function log (the last one if there are several), or undefined.
 *
 * @example parseReport('REPORT RequestId: a\tDuration: 1.50 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\tMax Memory Used: 3 MB')
 */
export function parseReport(log: string): Report | undefined {
  const line = log.split('\n').filter((l) => l.startsWith('REPORT ')).pop();
  if (line === undefined) return undefined;
  const field = (name: string): number | undefined => {
    const match = new RegExp(`(?:^|\\t)${name}: ([\\d.]+) (?:ms|MB)`).exec(line);
    return match?.[1] === undefined ? undefined : Number(match[1]);
  };
  const durationMs = field('Duration');
  if (durationMs === undefined) return undefined;
  return {
    durationMs,
    billedDurationMs: field('Billed Duration') ?? Number.NaN,
    memorySizeMb: field('Memory Size') ?? Number.NaN,
    maxMemoryUsedMb: field('Max Memory Used') ?? Number.NaN,
    initDurationMs: field('Init Duration'),
  };
}

/** Decode `X-Amz-Log-Result` (base64 of the log tail) and parse its REPORT line. */
export function reportFromLogResult(header: string | string[] | undefined): Report | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined) return undefined;
  return parseReport(Buffer.from(value, 'base64').toString('utf8'));
}

/** VmRSS from the text of /proc/<pid>/status, in KB. */
export function parseVmRssKb(status: string): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  if (match?.[1] === undefined) throw new Error('no VmRSS line');
  return Number(match[1]);
}
