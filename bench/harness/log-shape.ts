/**
 * An observer doing the per-line work of the log store of `lamina logs` (branch i17-invoke-logs):
 * each line kept in memory per log stream, every stream appended to its file with one write
 * every 200 ms. For the observability bench, until the real store is on this branch.
 */
import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PlatformObserver } from '../../src/observability/platform-observer.js';

/**
 * @example
 * const shape = logShape('/tmp/logs');
 * const remove = platform.observers.add(shape);
 */
export function logShape(dir: string): PlatformObserver & { stop(): void } {
  const pending = new Map<string, string[]>();
  let timer: NodeJS.Timeout | undefined;
  const flush = (): void => {
    timer = undefined;
    for (const [stream, lines] of pending) {
      pending.delete(stream);
      void appendFile(join(dir, encodeURIComponent(stream)), `${lines.join('\n')}\n`);
    }
  };
  return {
    log(environment, line) {
      let lines = pending.get(environment.logStream);
      if (lines === undefined) {
        lines = [];
        pending.set(environment.logStream, lines);
      }
      lines.push(line);
      timer ??= setTimeout(flush, 200);
    },
    stop() {
      if (timer !== undefined) clearTimeout(timer);
    },
  };
}

