/**
 * Where Lamina's own files are, whether it runs compiled (dist/) or from source under vitest.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findProjectRoot(start: string): string {
  let dir = start;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) return start;
    dir = parent;
  }
  return dir;
}

/** The folder holding Lamina's package.json. */
export const PROJECT_ROOT = findProjectRoot(dirname(fileURLToPath(import.meta.url)));

/** The compiled entry point of Lamina's runtime interface client (runtime-interface/). */
export const RIC_ENTRY = join(PROJECT_ROOT, 'dist', 'runtime-interface', 'bootstrap', 'index.js');
