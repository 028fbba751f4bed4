/**
 * esbuild builds of template functions (src/builds/): a TypeScript handler importing another
 * module and a package from node_modules bundled into the state directory and run by node; a
 * failed rebuild leaves the last good build in place; the watcher rebuilds on a save; a broken
 * build at start is a ConfigError with esbuild's message.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadTemplate } from '../../src/config/sam-template.js';
import type { FunctionConfig } from '../../src/config/function-config.js';
import { buildFunctionsOnce, startBuilds, type StartedBuilds } from '../../src/builds/function-builds.js';
import { ConfigError } from '../../src/errors.js';
import { TEMPLATE_OPTIONS } from '../helpers/template-text.js';
import { PROJECT_ROOT } from '../../src/platform/paths.js';

const dirs: string[] = [];
const started: StartedBuilds[] = [];
afterEach(async () => {
  for (const builds of started.splice(0)) await builds.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const APP = `import { greet } from './lib/greet';\nimport { shout } from 'shouty';\nexport const handler = async (event: { name: string }): Promise<string> => shout(greet(event.name));\n`;
const GREET = (word: string): string => `export function greet(name: string): string {\n  return '${word}, ' + name;\n}\n`;

function reload(dir: string, properties: string): FunctionConfig[] {
  writeFileSync(join(dir, 'template.yaml'), templateText(properties));
  return loadTemplate(join(dir, 'template.yaml'), TEMPLATE_OPTIONS).functions;
}

const templateText = (properties: string): string =>
  `Resources:\n  Api:\n    Type: AWS::Serverless::Function\n    Properties: { Runtime: nodejs20.x, Handler: src/handlers/app.handler, CodeUri: fn/ }\n    Metadata:\n      BuildMethod: esbuild\n${properties}`;

function project(properties = ''): { dir: string; state: string; functions: FunctionConfig[] } {
  const dir = mkdtempSync(join(tmpdir(), 'lamina-builds-'));
  dirs.push(dir);
  const files: Record<string, string> = {
    'fn/src/handlers/app.ts': APP,
    'fn/src/handlers/lib/greet.ts': GREET('Hello'),
    'fn/node_modules/shouty/package.json': '{"name":"shouty","main":"index.js"}',
    'fn/node_modules/shouty/index.js': 'exports.shout = (text) => text.toUpperCase() + "!";\n',
  };
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return { dir, state: join(dir, 'state'), functions: reload(dir, properties) };
}

/** Run the built handler with node, as the runtime client would load it (`require` of the module, then the export). */
function runHandler(fn: FunctionConfig, event: unknown): string {
  const module = fn.handler.slice(0, fn.handler.indexOf('.'));
  const script = `const m = require(${JSON.stringify(join(fn.codeDir, module))}); m.handler(${JSON.stringify(event)}).then((r) => process.stdout.write(r));`;
  return execFileSync(process.execPath, ['-e', script], { cwd: fn.codeDir, encoding: 'utf8' });
}

async function waitFor(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i += 1) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('buildFunctionsOnce', () => {
  it('bundles the handler, its modules and its packages into <state>/builds/<id>, served as app.handler', async () => {
    const { dir, state, functions } = project();
    const [fn] = await buildFunctionsOnce(functions, state);
    expect(fn?.codeDir).toBe(join(state, 'builds', 'Api'));
    expect(fn?.handler).toBe('app.handler');
    expect(fn?.build?.sourceDir).toBe(join(dir, 'fn'));
    if (fn === undefined) throw new Error('no function');
    expect(runHandler(fn, { name: 'ada' })).toBe('HELLO, ADA!');
    // The package is inside the bundle: nothing is resolved from the sources at run time.
    expect(readFileSync(join(fn.codeDir, 'app.js'), 'utf8')).toMatch(/toUpperCase/);
    expect(JSON.parse(readFileSync(join(fn.codeDir, 'package.json'), 'utf8'))).toEqual({ type: 'commonjs' });
  });

  it('leaves functions without a build as they are', async () => {
    const { state, functions } = project();
    const plain = { ...functions[0], build: undefined } as FunctionConfig;
    expect(await buildFunctionsOnce([plain], state)).toEqual([plain]);
  });

  it('refuses broken TypeScript with esbuild message: file, line and the text', async () => {
    const { dir, state, functions } = project();
    writeFileSync(join(dir, 'fn/src/handlers/lib/greet.ts'), 'export function greet(name: string): string {\n  return (name;\n}\n');
    const error = await buildFunctionsOnce(functions, state).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/Build of function Api \(esbuild, .*fn\) failed:/);
    expect((error as Error).message).toMatch(/\[ERROR\] Expected "\)" but found ";"\n\n\s+src\/handlers\/lib\/greet\.ts:2:14:\n\s+2 │   return \(name;/);
  });

  it('esm with OutExtension .mjs, as SAM documents for ES modules', async () => {
    const { state, functions } = project('      BuildProperties:\n        Format: esm\n        OutExtension: [".js=.mjs"]\n        Minify: false\n');
    const [fn] = await buildFunctionsOnce(functions, state);
    if (fn === undefined) throw new Error('no function');
    const text = readFileSync(join(fn.codeDir, 'app.mjs'), 'utf8');
    expect(text).toMatch(/^export \{/m);
    const script = `import(${JSON.stringify(join(fn.codeDir, 'app.mjs'))}).then((m) => m.handler({ name: 'bo' })).then((r) => process.stdout.write(r));`;
    expect(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })).toBe('HELLO, BO!');
  });
});

describe('startBuilds with watching', () => {
  it('rebuilds on a save; a broken save keeps the last good build; the fix is built', async () => {
    const { dir, state, functions } = project();
    const errors: string[] = [];
    const infos: string[] = [];
    const builds = await startBuilds(functions, { stateDir: state, watch: true, log: { info: (line) => infos.push(line), error: (text) => errors.push(text) } });
    started.push(builds);
    const [fn] = builds.functions;
    if (fn === undefined) throw new Error('no function');
    expect(builds.banner[0]).toMatch(/Api: built with esbuild in \d+ ms into .*builds\/Api \(handler app\.handler\), rebuilt on change/);
    const bundle = join(fn.codeDir, 'app.js');

    writeFileSync(join(dir, 'fn/src/handlers/lib/greet.ts'), GREET('Hi'));
    await waitFor(() => readFileSync(bundle, 'utf8').includes('Hi, '), 'the rebuild of a save');
    expect(runHandler(fn, { name: 'x' })).toBe('HI, X!');
    await waitFor(() => infos.some((line) => /^Rebuilt Api in \d+ ms$/.test(line)), 'the rebuild line');

    const good = readFileSync(bundle);
    writeFileSync(join(dir, 'fn/src/handlers/lib/greet.ts'), 'export function greet(name: string): string {\n  return name +;\n}\n');
    await waitFor(() => errors.length > 0, 'the failed rebuild');
    expect(errors[0]).toMatch(/^lamina: build of Api failed; the previous build keeps serving:\n✘ \[ERROR\] Unexpected ";"\n\n\s+src\/handlers\/lib\/greet\.ts:2:15:/);
    expect(readFileSync(bundle).equals(good)).toBe(true);
    expect(runHandler(fn, { name: 'x' })).toBe('HI, X!');

    writeFileSync(join(dir, 'fn/src/handlers/lib/greet.ts'), GREET('Howdy'));
    await waitFor(() => readFileSync(bundle, 'utf8').includes('Howdy, '), 'the rebuild of the fix');
    expect(runHandler(fn, { name: 'x' })).toBe('HOWDY, X!');
  });

  it('a module added by a save (a new import in a new directory) is built and then watched too', async () => {
    const { dir, state, functions } = project();
    const builds = await startBuilds(functions, { stateDir: state, watch: true, log: { info: () => undefined, error: () => undefined } });
    started.push(builds);
    const bundle = join(builds.functions[0]?.codeDir ?? '', 'app.js');
    mkdirSync(join(dir, 'fn/src/words'));
    writeFileSync(join(dir, 'fn/src/words/word.ts'), "export const WORD = 'Salut';\n");
    writeFileSync(join(dir, 'fn/src/handlers/lib/greet.ts'), "import { WORD } from '../../words/word';\nexport function greet(name: string): string {\n  return WORD + ', ' + name;\n}\n");
    await waitFor(() => readFileSync(bundle, 'utf8').includes('Salut'), 'the rebuild with the new module');
    writeFileSync(join(dir, 'fn/src/words/word.ts'), "export const WORD = 'Ciao';\n");
    await waitFor(() => readFileSync(bundle, 'utf8').includes('Ciao'), 'the rebuild of a change in the new directory');
  });
});

describe('update after a template reload', () => {
  it('keeps an unchanged build, rebuilds a changed one, keeps the last good build when the new one fails', async () => {
    const { dir, state, functions } = project();
    const builds = await startBuilds(functions, { stateDir: state, watch: true, log: { info: () => undefined, error: () => undefined } });
    started.push(builds);
    const bundle = join(state, 'builds', 'Api', 'app.js');
    const inode = statSync(bundle).ino;

    const same = await builds.update(reload(dir, ''));
    expect(same.failures).toEqual([]);
    expect(same.functions).toEqual(builds.functions);
    expect(statSync(bundle).ino).toBe(inode);

    const changed = await builds.update(reload(dir, '      BuildProperties: { Minify: false }\n'));
    expect(changed.failures).toEqual([]);
    expect(changed.functions[0]?.build?.properties.minify).toBe(false);
    expect(readFileSync(bundle, 'utf8')).toMatch(/function greet\(name\) \{/);

    const broken = await builds.update(reload(dir, '      BuildProperties: { Minify: false, Loader: [".ts=json"] }\n'));
    expect(broken.failures[0]).toMatch(/^Build of function Api \(esbuild, .*\) failed:\n/);
    expect(broken.functions[0]?.build?.properties.loader).toEqual({});
    expect(readFileSync(bundle, 'utf8')).toMatch(/function greet\(name\) \{/);

    expect((await builds.update([])).functions).toEqual([]);
    expect(builds.banner).toEqual([]);
  });
});

describe('examples/typescript', () => {
  it('builds, answers, and names greeting.ts in the stack trace of a refused name', async () => {
    const state = mkdtempSync(join(tmpdir(), 'lamina-example-ts-'));
    dirs.push(state);
    const [fn] = await buildFunctionsOnce(loadTemplate(join(PROJECT_ROOT, 'examples/typescript/template.yaml'), TEMPLATE_OPTIONS).functions, state);
    if (fn === undefined) throw new Error('no function');
    expect(fn.handler).toBe('app.handler');
    expect(fn.environment.NODE_OPTIONS).toBe('--enable-source-maps');
    const run = (name: string): string =>
      execFileSync(process.execPath, ['--enable-source-maps', '-e', `require(${JSON.stringify(join(fn.codeDir, 'app.js'))}).handler({ name: ${JSON.stringify(name)} }, { awsRequestId: 'r1' }).then((r) => process.stdout.write(JSON.stringify(r)), (e) => process.stdout.write(e.stack))`], { encoding: 'utf8' });
    expect(JSON.parse(run('Ada'))).toEqual({ message: 'Hello, Ada, from TypeScript', requestId: 'r1' });
    expect(run(' ')).toMatch(new RegExp(`RangeError: name must not be empty\\n\\s+at greeting \\(${join(PROJECT_ROOT, 'examples/typescript/src/greeting.ts')}:4:11\\)`));
  });
});
