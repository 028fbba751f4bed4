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
    // Sub-folders too (the lean listener's): any depth of `../` that reaches src/platform.
    const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.ts'));
    expect(files).toContain('lean/lean-connection.ts');
    const offenders = files.filter((file) => /from '(\.\.\/)+platform\//.test(readFileSync(join(dir, file), 'utf8')));
    expect(offenders).toEqual([]);
  });
});
