/**
 * Runtime identifiers as Lambda has them: the catalogue's verdicts, and how they surface through
 * the SAM template loader (deprecations as warnings, the rest as problems that stop loading).
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BOOTSTRAP_RUNTIMES, NODE_RUNTIMES, SUPPORTED_RUNTIMES } from '../../src/config/code-location.js';
import { findPython } from '../../src/config/python-runtime.js';
import { classifyRuntime, nodeMajorOf, RETIRED_RUNTIMES, RUNTIME_CATALOG } from '../../src/config/runtime-catalog.js';
import { loadTemplate } from '../../src/config/sam-template.js';
import { ConfigError } from '../../src/errors.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const NOV_2026 = new Date('2026-11-29T12:00:00Z');

describe('classifyRuntime', () => {
  it('runs the current runtimes quietly, nodejs26.x (a preview on Lambda) included', () => {
    for (const name of ['nodejs22.x', 'nodejs24.x', 'nodejs26.x', 'python3.12', 'python3.13', 'python3.14', 'provided.al2023']) {
      expect(classifyRuntime(name, NOV_2026)).toMatchObject({ ok: true, warning: undefined });
    }
    expect(classifyRuntime('nodejs26.x', NOV_2026)).toMatchObject({ ok: true, entry: { runner: 'node', preview: true } });
  });

  it("warns from Lambda's deprecation day on, not the day before, and names the runtime to move to", () => {
    expect(classifyRuntime('nodejs20.x', new Date('2026-04-29T23:59:59Z'))).toMatchObject({ ok: true, warning: undefined });
    expect(classifyRuntime('nodejs20.x', new Date('2026-04-30T00:00:00Z'))).toEqual({
      ok: true,
      entry: { name: 'nodejs20.x', runner: 'node', deprecated: '2026-04-30' },
      warning: 'nodejs20.x is deprecated on Lambda since 2026-04-30 (AWS "Lambda runtimes" page); Lamina still runs it, but new functions should use nodejs24.x',
    });
    expect(classifyRuntime('nodejs18.x', NOV_2026)).toMatchObject({ ok: true, warning: expect.stringContaining('since 2025-09-01') });
    expect(classifyRuntime('python3.9', NOV_2026)).toMatchObject({ ok: true, entry: { exactInterpreter: true }, warning: expect.stringContaining('since 2025-12-15 (AWS "Lambda runtimes" page); Lamina still runs it, but new functions should use python3.14') });
    expect(classifyRuntime('provided', NOV_2026)).toMatchObject({ ok: true, warning: expect.stringContaining('should use provided.al2023') });
  });

  it('refuses Java, .NET, Ruby and go1.x with the way out: provided.al2023 with a bootstrap, or a container image', () => {
    for (const name of ['java21', 'java8.al2', 'java25', 'dotnet8', 'dotnetcore3.1', 'ruby3.4', 'ruby2.7', 'go1.x']) {
      const verdict = classifyRuntime(name, NOV_2026);
      expect(verdict.ok).toBe(false);
      const problem = verdict.ok ? '' : verdict.problem;
      expect(problem).toMatch(new RegExp(`^${name.replace('.', '\\.')} \\((Java|\\.NET|Ruby|Go)\\) is not run by Lamina: use Runtime: provided\\.al2023 with an executable bootstrap`));
      expect(problem).toContain('container image (PackageType: Image)');
    }
    expect(classifyRuntime('go1.x')).toMatchObject({ ok: false, problem: expect.stringContaining('go build -o bootstrap') });
  });

  it('refuses retired runtimes with their date, and unknown names (hostile ones too) with the list of supported ones', () => {
    expect(classifyRuntime('nodejs14.x')).toEqual({ ok: false, problem: 'nodejs14.x was deprecated on Lambda on 2023-12-04 and Lamina does not run it; move the function to nodejs24.x' });
    expect(classifyRuntime('python2.7')).toMatchObject({ ok: false, problem: expect.stringContaining('move the function to python3.14') });
    for (const name of ['nodejs99.x', 'Nodejs22.x', 'nodejs22.x ', 'python3', 'java', '', '__proto__', 'toString', 'provided.al2023\n']) {
      expect(classifyRuntime(name)).toEqual({ ok: false, problem: `${JSON.stringify(name)} is not a runtime Lamina knows; supported runtimes: ${SUPPORTED_RUNTIMES.join(', ')}` });
    }
  });

  it('keeps the lists code-location exports consistent with the catalogue', () => {
    expect(NODE_RUNTIMES).toEqual(['nodejs26.x', 'nodejs24.x', 'nodejs22.x', 'nodejs20.x', 'nodejs18.x', 'nodejs16.x']);
    expect(BOOTSTRAP_RUNTIMES).toEqual(['provided.al2023', 'provided.al2', 'provided']);
    expect(SUPPORTED_RUNTIMES).toEqual(RUNTIME_CATALOG.map((e) => e.name));
    // Every date is a real YYYY-MM-DD day, and no name is both runnable and retired.
    for (const date of [...RUNTIME_CATALOG.flatMap((e) => (e.deprecated === undefined ? [] : [e.deprecated])), ...Object.values(RETIRED_RUNTIMES)]) {
      expect(new Date(`${date}T00:00:00Z`).toISOString().slice(0, 10)).toBe(date);
    }
    expect(SUPPORTED_RUNTIMES.filter((name) => name in RETIRED_RUNTIMES)).toEqual([]);
    expect([nodeMajorOf('nodejs24.x'), nodeMajorOf('nodejs8.10'), nodeMajorOf('python3.12')]).toEqual([24, undefined, undefined]);
  });
});

describe('runtime names through the template loader', () => {
  function load(runtimes: Readonly<Record<string, string>>, today: Date) {
    const dir = mkdtempSync(join(tmpdir(), 'lamina-runtimes-'));
    dirs.push(dir);
    mkdirSync(join(dir, 'src'));
    writeFileSync(join(dir, 'src', 'index.js'), 'exports.handler = async () => 1;\n');
    writeFileSync(join(dir, 'src', 'app.py'), 'def lambda_handler(event, context):\n    return 1\n');
    writeFileSync(join(dir, 'src', 'bootstrap'), '#!/bin/sh\n');
    chmodSync(join(dir, 'src', 'bootstrap'), 0o755);
    const resources = Object.entries(runtimes).map(([id, runtime]) => {
      const handler = runtime.startsWith('python') ? 'app.lambda_handler' : 'index.handler';
      return `  ${id}:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: ${runtime}\n      Handler: ${handler}\n      CodeUri: src/\n`;
    });
    const path = join(dir, 'template.yaml');
    writeFileSync(path, `Resources:\n${resources.join('')}`);
    try {
      return { ...loadTemplate(path, { region: 'us-east-1', accountId: '000000000000', today }), error: undefined };
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      return { functions: [], warnings: [], error: error.message };
    }
  }

  it('loads deprecated runtimes it can run, with one warning each giving the date', () => {
    const { functions, warnings, error } = load({ Old: 'nodejs20.x', Older: 'nodejs18.x', Al2: 'provided.al2', New: 'nodejs24.x' }, NOV_2026);
    expect(error).toBeUndefined();
    expect(functions.map((f) => [f.name, f.launch.kind])).toEqual([['Old', 'node-ric'], ['Older', 'node-ric'], ['Al2', 'bootstrap'], ['New', 'node-ric']]);
    expect(warnings).toEqual([
      'Resource Old: property Runtime: nodejs20.x is deprecated on Lambda since 2026-04-30 (AWS "Lambda runtimes" page); Lamina still runs it, but new functions should use nodejs24.x',
      'Resource Older: property Runtime: nodejs18.x is deprecated on Lambda since 2025-09-01 (AWS "Lambda runtimes" page); Lamina still runs it, but new functions should use nodejs24.x',
      'Resource Al2: property Runtime: provided.al2 is deprecated on Lambda since 2026-06-30 (AWS "Lambda runtimes" page); Lamina still runs it, but new functions should use provided.al2023',
    ]);
    // The same template a year earlier: nothing to say.
    expect(load({ Old: 'nodejs20.x', Al2: 'provided.al2' }, new Date('2025-11-29')).warnings).toEqual([]);
  });

  it('fails loading, every bad runtime in one error, for other languages, retired and unknown names', () => {
    const { error } = load({ J: 'java21', D: 'dotnet8', R: 'ruby3.3', G: 'go1.x', N: 'nodejs12.x', U: 'nodejs99.x', Ok: 'nodejs22.x' }, NOV_2026);
    const lines = (error ?? '').split('\n').slice(1);
    expect(lines.map((l) => l.replace(/: property Runtime: .*/, ''))).toEqual(['Resource J', 'Resource D', 'Resource R', 'Resource G', 'Resource N', 'Resource U']);
    expect(lines[0]).toContain('java21 (Java) is not run by Lamina: use Runtime: provided.al2023 with an executable bootstrap');
    expect(lines[4]).toBe('Resource N: property Runtime: nodejs12.x was deprecated on Lambda on 2023-03-31 and Lamina does not run it; move the function to nodejs24.x');
    expect(lines[5]).toBe(`Resource U: property Runtime: "nodejs99.x" is not a runtime Lamina knows; supported runtimes: ${SUPPORTED_RUNTIMES.join(', ')}`);
  });

  it('runs a deprecated Python only on its own interpreter', () => {
    const found = findPython('python3.9');
    const result = load({ Py: 'python3.9' }, NOV_2026);
    if (found?.version === '3.9') expect(result.functions[0]?.launch).toMatchObject({ kind: 'python-ric', python: found.path });
    else expect(result.error).toContain(`Resource Py: property Runtime: python3.9 is deprecated on Lambda and runs only on its own interpreter, and this machine has no python3.9`);
  });
});
