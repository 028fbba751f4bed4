/**
 * One-way dependencies (docs/architecture.md): the Runtime API's HTTP layer is handed plain data
 * (`RuntimeEvent`, `StreamEnd`, an opaque answer handle) and never imports the platform.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/platform/paths.js';

describe('src/runtime-api', () => {
  it('imports nothing from src/platform', () => {
    const dir = join(PROJECT_ROOT, 'src', 'runtime-api');
    const offenders = readdirSync(dir)
      .filter((file) => file.endsWith('.ts'))
      .filter((file) => /from '\.\.\/platform\//.test(readFileSync(join(dir, file), 'utf8')));
    expect(offenders).toEqual([]);
  });
});
