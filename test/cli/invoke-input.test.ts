/**
 * What `lamina invoke` reads besides the template (src/cli/invoke-input.ts), and the option
 * parsers of `lamina logs` and the log store (`--since`, `--logs-max-size`).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { applyEnvVars, readEnvVars, readEvent } from '../../src/cli/invoke-input.js';
import { parseByteSize } from '../../src/cli/log-store-start.js';
import { parseSince } from '../../src/cli/logs-command.js';
import { bootstrapFunction } from '../helpers/function-config.js';

const dir = mkdtempSync(join(tmpdir(), 'lamina-invoke-input-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('readEvent', () => {
  it('is {} without --event, the file bytes untouched, or stdin with -', async () => {
    expect((await readEvent(undefined)).toString()).toBe('{}');
    expect((await readEvent(file('e.json', '{ "a" : [1, 2] }\n'))).toString()).toBe('{ "a" : [1, 2] }\n');
    expect((await readEvent('-', Readable.from([Buffer.from('{"from":'), Buffer.from('"stdin"}')]))).toString()).toBe('{"from":"stdin"}');
  });

  it('refuses a missing file, a file that is not JSON, and an event over 6 MB', async () => {
    await expect(readEvent(join(dir, 'missing.json'))).rejects.toThrow(/--event .*missing\.json cannot be read: ENOENT/);
    await expect(readEvent(dir)).rejects.toThrow(/cannot be read: EISDIR/);
    await expect(readEvent(file('bad.json', '{"a":'))).rejects.toThrow(/is not JSON/);
    await expect(readEvent('-', Readable.from([Buffer.from('not json')]))).rejects.toThrow(/--event stdin is not JSON/);
    const big = Buffer.alloc(6_291_457, 0x20);
    await expect(readEvent('-', Readable.from([big]))).rejects.toThrow(ConfigError);
  });
});

describe('readEnvVars and applyEnvVars', () => {
  const fn = { ...bootstrapFunction('Hello'), environment: { STAGE: 'prod', TABLE: 'real', KEEP: 'same' } };

  it('overrides only the variables the template declares: Parameters, then the function own', async () => {
    const vars = await readEnvVars(file('env.json', JSON.stringify({ Parameters: { STAGE: 'dev', TABLE: 'p', UNDECLARED: 'x' }, Hello: { TABLE: 'local', PORT: 8080, DEBUG: true }, Other: { STAGE: 'other' } })));
    const { fn: applied, ignored } = applyEnvVars(fn, vars);
    expect(applied.environment).toEqual({ STAGE: 'dev', TABLE: 'local', KEEP: 'same' });
    expect(ignored.sort()).toEqual(['DEBUG', 'PORT', 'UNDECLARED']);
    expect(fn.environment.STAGE).toBe('prod');
  });

  it('gives numbers and booleans as text', async () => {
    const vars = await readEnvVars(file('typed.json', '{"Hello":{"STAGE":3,"TABLE":false}}'));
    expect(applyEnvVars(fn, vars).fn.environment).toEqual({ STAGE: '3', TABLE: 'false', KEEP: 'same' });
  });

  it('refuses files it cannot read or of another shape', async () => {
    await expect(readEnvVars(join(dir, 'nope.json'))).rejects.toThrow(/--env-vars .*nope\.json cannot be read: ENOENT/);
    await expect(readEnvVars(file('e1.json', '{'))).rejects.toThrow(/not JSON/);
    await expect(readEnvVars(file('e2.json', '[]'))).rejects.toThrow(/must hold a JSON object/);
    await expect(readEnvVars(file('e3.json', '{"Hello":"x"}'))).rejects.toThrow(/"Hello" must be an object/);
    await expect(readEnvVars(file('e4.json', '{"Hello":{"A":{"b":1}}}'))).rejects.toThrow(/Hello\.A must be a string/);
    await expect(readEnvVars(file('e5.json', '{"Hello":{"A":null}}'))).rejects.toThrow(ConfigError);
  });
});

describe('option parsers', () => {
  it('--since: durations ago, or a date', () => {
    const now = Date.UTC(2026, 10, 30, 12);
    expect(parseSince('10m', now)).toBe(now - 600_000);
    expect(parseSince('1h', now)).toBe(now - 3_600_000);
    expect(parseSince('30s', now)).toBe(now - 30_000);
    expect(parseSince('2d', now)).toBe(now - 2 * 86_400_000);
    expect(parseSince('1w', now)).toBe(now - 7 * 86_400_000);
    expect(parseSince('2026-11-30T11:00:00Z', now)).toBe(Date.UTC(2026, 10, 30, 11));
    for (const bad of ['', '10', 'm', '10y', 'yesterday', '-5m']) expect(() => parseSince(bad, now), bad).toThrow(ConfigError);
  });

  it('--logs-max-size: bytes, KB, MB, GB (powers of 1024)', () => {
    expect(parseByteSize('--x', '100MB')).toBe(100 * 1024 * 1024);
    expect(parseByteSize('--x', '512k')).toBe(512 * 1024);
    expect(parseByteSize('--x', '1GiB')).toBe(1024 ** 3);
    expect(parseByteSize('--x', '1.5mb')).toBe(1.5 * 1024 * 1024);
    expect(parseByteSize('--x', '8192')).toBe(8192);
    for (const bad of ['', 'MB', '10XB', '-1MB', '1KB', '4095']) expect(() => parseByteSize('--x', bad), bad).toThrow(ConfigError);
  });
});
