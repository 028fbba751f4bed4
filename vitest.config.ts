import { availableParallelism } from 'node:os';
import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Files that measure time or load the machine on purpose (benchmarks, containers, sandbox limits,
 * hostile functions, the fuzz suite, debuggers, file watchers, timeouts close to their margins):
 * they run one at a time, after the others, on an otherwise quiet machine.
 */
const SERIAL = [
  'test/bench/**/*.test.ts',
  'test/containers/**/*.test.ts',
  'test/sandbox/**/*.test.ts',
  'test/fuzz/**/*.test.ts',
  'test/conformance/**/*.test.ts',
  'test/**/*hostile*.test.ts',
  'test/e2e/extension-shutdown.e2e.test.ts',
  'test/e2e/extensions.e2e.test.ts',
  'test/e2e/dashboard-browser.e2e.test.ts',
  'test/cli/logs-command.e2e.test.ts',
  'test/cli/hot-reload.e2e.test.ts',
  'test/builds/esbuild-serve.e2e.test.ts',
  'test/async/event-queue.e2e.test.ts',
  'test/debug/*.e2e.test.ts',
];

export default defineConfig({
  test: {
    // End-to-end tests start real servers and runtime processes; a slow machine needs headroom.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        // Everything else: two files at a time (most of an end-to-end test's time is waiting).
        test: { name: 'parallel', include: ['test/**/*.test.ts'], exclude: [...configDefaults.exclude, ...SERIAL], maxWorkers: Math.max(2, Math.min(4, availableParallelism())), sequence: { groupOrder: 0 } },
      },
      {
        extends: true,
        test: { name: 'serial', include: SERIAL, maxWorkers: 1, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
