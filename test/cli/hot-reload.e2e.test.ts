/**
 * Hot reload in the real `lamina serve` with real Node runtimes (docs/hot-reload.md): a saved
 * handler is served by the next invokes while a loop of invokes never fails, an edited template
 * adds, changes and removes functions, a broken template keeps the previous functions serving,
 * `--no-hot-reload` changes nothing, and a function writing into its own code directory cannot
 * make Lamina reload without end. Limits and isolation are on (the default) unless a test says why.
 */
import { chmodSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type ServeProcess, serveProject } from '../helpers/serve-process.js';

const READY = /Functions, versions, aliases and settings are kept/;

/** A handler that answers its tag; `sleep` in the event holds the invocation that long; `count` counts this environment's invocations. */
const handler = (tag: string): string => `let n = 0;
exports.handler = async (event) => {
  n += 1;
  if (event.sleep) await new Promise((resolve) => setTimeout(resolve, event.sleep));
  return { tag: ${JSON.stringify(tag)}, n };
};
`;

const fn = (name: string, codeUri: string, extra = ''): string => `  ${name}:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: ${codeUri}
      Handler: index.handler
      Runtime: nodejs20.x
      Timeout: 10
${extra}`;

const template = (...functions: string[]): string => `Transform: AWS::Serverless-2016-10-31\nResources:\n${functions.join('')}`;

/** An editor's save: a temporary file renamed over the old one (what vim and VS Code do by default). */
function save(path: string, content: string): void {
  writeFileSync(`${path}.tmp~`, content);
  renameSync(`${path}.tmp~`, path);
}

function code(dir: string, sub: string, content: string): void {
  mkdirSync(join(dir, sub), { recursive: true, mode: 0o755 });
  writeFileSync(join(dir, sub, 'index.js'), content);
}

/** A scratch project whose files the function's own user (isolation) can read. */
function project(prefix: string) {
  const p = serveProject(prefix);
  chmodSync(p.dir, 0o755);
  return p;
}

function baseOf(serve: ServeProcess): string {
  const found = / on (http:\/\/127\.0\.0\.1:\d+)/.exec(serve.output());
  if (found?.[1] === undefined) throw new Error(`no URL in:\n${serve.output()}`);
  return found[1];
}

interface Answer {
  readonly status: number;
  readonly functionError: string | null;
  readonly body: string;
}

async function invoke(base: string, name: string, event: unknown = {}): Promise<Answer> {
  const response = await fetch(`${base}/2015-03-31/functions/${name}/invocations`, { method: 'POST', body: JSON.stringify(event) });
  return { status: response.status, functionError: response.headers.get('x-amz-function-error'), body: await response.text() };
}

const tagOf = (answer: Answer): string | undefined => (answer.status === 200 ? (JSON.parse(answer.body) as { tag?: string }).tag : undefined);

async function until(check: () => boolean | Promise<boolean>, what: string, serve: ServeProcess): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen; lamina serve printed:\n${serve.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('lamina serve hot reload: a saved handler', () => {
  const p = project('lamina-hot-reload-code-');

  it('is served by the next invokes, no invocation fails, the in-flight one finishes on the old code, others stay warm', async () => {
    code(p.dir, 'hello', handler('v1'));
    code(p.dir, 'other', handler('other'));
    const serve = await p.start(template(fn('Hello', 'hello/', '      AutoPublishAlias: live\n'), fn('Other', 'other/')), ['--port', '0'], READY);
    const base = baseOf(serve);
    expect(serve.output()).toMatch(/Hot reload: on \(\d+ directories watched/);
    const shaBefore = ((await (await fetch(`${base}/2015-03-31/functions/Hello`)).json()) as { Configuration: { CodeSha256: string } }).Configuration.CodeSha256;
    expect(tagOf(await invoke(base, 'Hello'))).toBe('v1');
    expect(JSON.parse((await invoke(base, 'Other')).body)).toEqual({ tag: 'other', n: 1 });
    // An invocation under way when the file is saved: it ends on the code it started with.
    const inFlight = invoke(base, 'Hello', { sleep: 1500 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    save(join(p.dir, 'hello', 'index.js'), handler('v2'));
    const answers: Answer[] = [];
    let afterChange = 0;
    while (afterChange < 10) {
      const answer = await invoke(base, 'Hello');
      answers.push(answer);
      if (tagOf(answer) === 'v2') afterChange += 1;
      if (answers.length > 2000) throw new Error(`v2 never served:\n${serve.output()}`);
    }
    expect(answers.filter((a) => a.status !== 200 || a.functionError !== null)).toEqual([]);
    const tags = answers.map(tagOf);
    // Once the new code answered, the old never again.
    expect(tags.slice(tags.indexOf('v2'))).toEqual(Array(10).fill('v2'));
    const slow = await inFlight;
    expect(slow.functionError).toBeNull();
    expect(tagOf(slow)).toBe('v1');
    // $LATEST's CodeSha256 followed the edit; the published version did not change.
    const shaAfter = ((await (await fetch(`${base}/2015-03-31/functions/Hello`)).json()) as { Configuration: { CodeSha256: string } }).Configuration.CodeSha256;
    expect(shaAfter).not.toBe(shaBefore);
    const v1 = (await (await fetch(`${base}/2015-03-31/functions/Hello/configuration?Qualifier=1`)).json()) as { CodeSha256: string };
    expect(v1.CodeSha256).toBe(shaBefore);
    expect(tagOf(await invoke(base, 'Hello:live'))).toBe('v1');
    // The other function's environment is the one it had: its count went on.
    expect(JSON.parse((await invoke(base, 'Other')).body)).toEqual({ tag: 'other', n: 2 });
    expect(serve.output()).toMatch(/Hot reload: Hello: code changed \(CodeSha256 /);
    // A second save of the same file (the case Node 20's recursive fs.watch misses) is served too.
    save(join(p.dir, 'hello', 'index.js'), handler('v3'));
    await until(async () => tagOf(await invoke(base, 'Hello')) === 'v3', 'v3 served', serve);
  });
});

describe('lamina serve hot reload: an edited template', () => {
  const p = project('lamina-hot-reload-template-');

  it('adds, changes and removes functions; a broken edit keeps the previous functions serving', async () => {
    code(p.dir, 'a', handler('a'));
    code(p.dir, 'b', handler('b'));
    code(p.dir, 'c', 'exports.handler = async () => ({ tag: process.env.TAG });\n');
    const serve = await p.start(template(fn('Kept', 'a/'), fn('Removed', 'b/')), ['--port', '0'], READY);
    const base = baseOf(serve);
    expect(tagOf(await invoke(base, 'Removed'))).toBe('b');
    // Broken YAML: a clear message, the previous functions go on.
    writeFileSync(join(p.dir, 'template.yaml'), `${template(fn('Kept', 'a/'))}  Broken: [\n`);
    await until(() => /template\.yaml was not reloaded, the previous functions keep serving/.test(serve.output()), 'the broken template reported', serve);
    expect(tagOf(await invoke(base, 'Removed'))).toBe('b');
    expect(tagOf(await invoke(base, 'Kept'))).toBe('a');
    // Fixed: Removed goes, Added comes, Kept's definition changes (its environment variable).
    const added = fn('Added', 'c/', '      Environment:\n        Variables:\n          TAG: first\n');
    save(join(p.dir, 'template.yaml'), template(fn('Kept', 'a/', '      MemorySize: 256\n'), added));
    await until(async () => (await invoke(base, 'Removed')).status === 404, 'Removed deleted', serve);
    expect(tagOf(await invoke(base, 'Added'))).toBe('first');
    const kept = (await (await fetch(`${base}/2015-03-31/functions/Kept`)).json()) as { Configuration: { MemorySize: number } };
    expect(kept.Configuration.MemorySize).toBe(256);
    save(join(p.dir, 'template.yaml'), template(fn('Kept', 'a/', '      MemorySize: 256\n'), added.replace('TAG: first', 'TAG: second')));
    await until(async () => tagOf(await invoke(base, 'Added')) === 'second', 'Added changed', serve);
    const output = serve.output();
    expect(output).toContain('Hot reload: Removed: removed from the template, deleted');
    expect(output).toMatch(/Hot reload: Added: added from the template/);
    expect(output).toContain('Hot reload: Kept: definition changed in the template');
  });
});

describe('lamina serve --no-hot-reload', () => {
  const p = project('lamina-hot-reload-off-');

  it('changes nothing when code and template are edited', async () => {
    code(p.dir, 'hello', handler('v1'));
    const serve = await p.start(template(fn('Hello', 'hello/')), ['--port', '0', '--no-hot-reload'], READY);
    const base = baseOf(serve);
    expect(serve.output()).toContain('Hot reload: off (--no-hot-reload)');
    expect(tagOf(await invoke(base, 'Hello'))).toBe('v1');
    save(join(p.dir, 'hello', 'index.js'), handler('v2'));
    code(p.dir, 'more', handler('more'));
    save(join(p.dir, 'template.yaml'), template(fn('Hello', 'hello/'), fn('More', 'more/')));
    // Longer than any reload takes (the test of the default shows one within a few invokes).
    for (let i = 0; i < 20; i += 1) {
      expect(tagOf(await invoke(base, 'Hello'))).toBe('v1');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect((await invoke(base, 'More')).status).toBe(404);
    expect(serve.output()).not.toMatch(/Hot reload: (Hello|More):/);
  });
});

/** Writes into its own code directory on every invoke; says whether it could. */
const WRITER = `const { writeFileSync } = require('node:fs');
exports.handler = async () => {
  try {
    writeFileSync(require('node:path').join(process.env.LAMBDA_TASK_ROOT, 'scribble.txt'), String(Date.now() + Math.random()));
    return { wrote: true };
  } catch (error) {
    return { wrote: false, code: error.code };
  }
};
`;

const reloadsOf = (serve: ServeProcess): number => serve.output().split('\n').filter((line) => line.startsWith('Hot reload: Writer: code changed')).length;

describe('lamina serve hot reload: a function writing into its own code directory', () => {
  const isolated = project('lamina-hot-reload-writer-iso-');

  it('cannot write there under isolation (code read-only), so nothing reloads', async () => {
    code(isolated.dir, 'w', WRITER);
    const serve = await isolated.start(template(fn('Writer', 'w/')), ['--port', '0'], READY);
    const base = baseOf(serve);
    const answer = JSON.parse((await invoke(base, 'Writer')).body) as { wrote: boolean; code?: string };
    if (!/code read-only/.test(serve.output())) return; // No isolation on this machine: the next test covers it.
    expect(answer).toEqual({ wrote: false, code: 'EROFS' });
    await invoke(base, 'Writer');
    expect(reloadsOf(serve)).toBe(0);
  });

  const open = project('lamina-hot-reload-writer-open-');

  it('without isolation reloads at most once per invoke, and stops when the invokes stop', async () => {
    code(open.dir, 'w', WRITER);
    // --no-limits: no mount namespace, so the code directory is the project's own and writable
    // (--no-isolation still mounts it read-only); a writable code directory is what this test is about.
    const serve = await open.start(template(fn('Writer', 'w/')), ['--port', '0', '--no-limits'], READY);
    const base = baseOf(serve);
    const invokes = 5;
    for (let i = 0; i < invokes; i += 1) {
      const answer = await invoke(base, 'Writer');
      expect(answer.functionError).toBeNull();
      expect(JSON.parse(answer.body)).toEqual({ wrote: true });
      await until(() => reloadsOf(serve) >= i + 1, `reload ${i + 1}`, serve);
    }
    expect(reloadsOf(serve)).toBe(invokes);
    // No invoke, no write, no reload: a reload never starts an environment, so nothing feeds a loop.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(reloadsOf(serve)).toBe(invokes);
  });
});
