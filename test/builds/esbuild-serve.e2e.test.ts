/**
 * `lamina serve` with a SAM `BuildMethod: esbuild` function (docs/builds.md), limits and isolation
 * on (the default): a TypeScript handler importing another .ts module and a package from its
 * node_modules is built at start and served; with `Sourcemap: true` a thrown error's stack trace
 * (Invoke API body and function log) names the .ts file and line; a broken save keeps the last good
 * build serving new environments, and the fix is built and served.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveProject, type ServeProcess } from '../helpers/serve-process.js';


const TEMPLATE = `Resources:
  Greeter:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      Handler: src/handlers/app.handler
      CodeUri: fn/
      Timeout: 10
    Metadata:
      BuildMethod: esbuild
      BuildProperties:
        Sourcemap: true
        Target: es2022
  EsmGreeter:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      Handler: src/handlers/app.handler
      CodeUri: fn/
    Metadata:
      BuildMethod: esbuild
      BuildProperties:
        Format: esm
        OutExtension: [".js=.mjs"]
        Banner: ["js=import { createRequire } from 'module'; const require = createRequire(import.meta.url);"]
`;

const APP = `import { greet } from './lib/greet';
import { shout } from 'shouty';

interface GreetEvent { name?: string; }

export const handler = async (event: GreetEvent): Promise<{ text: string }> => {
  return { text: shout(greet(event.name)) };
};
`;

/** \`throw\` on line 5, column 11 of this file: the stack trace must say so. */
const GREET = (word: string): string => `// Greeting words.
export function greet(name: string | undefined): string {
  if (name === undefined) {
    const why: string = 'no name to greet';
    throw new TypeError(why);
  }
  return '${word}, ' + name;
}
`;

const project = serveProject('lamina-esbuild-serve-');
let serve: ServeProcess;
let base = '';

function write(path: string, text: string): void {
  mkdirSync(dirname(join(project.dir, path)), { recursive: true });
  writeFileSync(join(project.dir, path), text);
}

interface Answer {
  readonly status: number;
  readonly functionError: string | null;
  readonly body: Record<string, unknown>;
  readonly log: string;
}

async function invoke(event: unknown, name = 'Greeter'): Promise<Answer> {
  const response = await fetch(`${base}/2015-03-31/functions/${name}/invocations`, { method: 'POST', body: JSON.stringify(event), headers: { 'X-Amz-Log-Type': 'Tail' } });
  const log = Buffer.from(response.headers.get('x-amz-log-result') ?? '', 'base64').toString('utf8');
  return { status: response.status, functionError: response.headers.get('x-amz-function-error'), body: (await response.json()) as Record<string, unknown>, log };
}

/** An invoke in a new environment (the idle timeout is short): it loads whatever the code directory holds now. */
async function coldInvoke(event: unknown): Promise<Answer> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    await new Promise((resolve) => setTimeout(resolve, 300));
    const answer = await invoke(event);
    if (answer.log.includes('Init Duration')) return answer;
  }
  throw new Error('no cold start within 100 attempts');
}

async function waitForOutput(pattern: RegExp, what: string): Promise<void> {
  for (let i = 0; i < 400; i += 1) {
    if (pattern.test(serve.output())) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out waiting for ${what}:\n${serve.output()}`);
}

beforeAll(async () => {
  write('fn/src/handlers/app.ts', APP);
  write('fn/src/handlers/lib/greet.ts', GREET('Hello'));
  write('fn/node_modules/shouty/package.json', '{"name":"shouty","version":"1.0.0","main":"index.js"}');
  // A CommonJS package that requires a built-in: bundled into esm, it needs the Banner's require.
  write('fn/node_modules/shouty/index.js', 'const { EOL } = require("os");\nexports.shout = (text) => (text.toUpperCase() + "!" + EOL).trim();\n');
  // The idle timeout retires environments 0.2 s after their last invoke, so that an invoke after a
  // rebuild starts a new one (hot reload of running environments is not what is tested here).
  serve = await project.start(TEMPLATE, ['--port', '0', '--idle-timeout', '0.2'], /on (http:\/\/127\.0\.0\.1:\d+)/);
  base = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(serve.output())?.[1] ?? '';
}, 120_000);

afterAll(async () => {
  expect(await serve.stop()).toBe(0);
});

describe('lamina serve with an esbuild function', () => {
  it('builds at start and says where, with the handler rewritten to the bundle', async () => {
    // The start resolves on the line with the address; the banner's later lines may come in a later chunk.
    await waitForOutput(/rebuilt on change/, 'the esbuild banner');
    expect(serve.output()).toMatch(/esbuild builds:\n {2}Greeter: built with esbuild in \d+ ms into .*\/state\/builds\/Greeter \(handler app\.handler\), rebuilt on change/);
  });

  it('serves the TypeScript handler with its module and its package bundled', async () => {
    const answer = await invoke({ name: 'ada' });
    expect(answer.status).toBe(200);
    expect(answer.functionError).toBeNull();
    expect(answer.body).toEqual({ text: 'HELLO, ADA!' });
  });

  it('serves an esm build written as .mjs (Format esm, OutExtension, the Banner that defines require), as SAM documents', async () => {
    expect(serve.output()).toMatch(/ {2}EsmGreeter: built with esbuild in \d+ ms into .*\/state\/builds\/EsmGreeter \(handler app\.handler\)/);
    const answer = await invoke({ name: 'esm' }, 'EsmGreeter');
    expect(answer.functionError).toBeNull();
    expect(answer.body).toEqual({ text: 'HELLO, ESM!' });
  });

  it("a thrown error's stack trace points at the .ts file and line, in the answer and in the log", async () => {
    const answer = await invoke({});
    expect(answer.functionError).toBe('Unhandled');
    expect(answer.body.errorType).toBe('TypeError');
    expect(answer.body.errorMessage).toBe('no name to greet');
    // Lambda's Node.js runtime names the frames `trace`.
    const stack = answer.body.trace as string[];
    expect(stack[0]).toBe('TypeError: no name to greet');
    expect(stack[1]).toMatch(new RegExp(`^\\s*at .*\\(${project.dir}/fn/src/handlers/lib/greet\\.ts:5:11\\)$`));
    expect(stack.some((line) => line.includes(`${project.dir}/fn/src/handlers/app.ts:7:`))).toBe(true);
    expect(answer.log).toContain(`${project.dir}/fn/src/handlers/lib/greet.ts:5:11`);
  });

  it('a broken save keeps the last good build serving; the fix is built and served', async () => {
    write('fn/src/handlers/lib/greet.ts', 'export function greet(name: string): string {\n  return name +;\n}\n');
    await waitForOutput(/lamina: build of Greeter failed; the previous build keeps serving:\n✘ \[ERROR\] Unexpected ";"\n\n\s+src\/handlers\/lib\/greet\.ts:2:15:/, 'the failed rebuild');
    const during = await coldInvoke({ name: 'bo' });
    expect(during.body).toEqual({ text: 'HELLO, BO!' });

    write('fn/src/handlers/lib/greet.ts', GREET('Howdy'));
    await waitForOutput(/Rebuilt Greeter in \d+ ms/, 'the rebuild of the fix');
    const after = await coldInvoke({ name: 'bo' });
    expect(after.functionError).toBeNull();
    expect(after.body).toEqual({ text: 'HOWDY, BO!' });
  });
});

describe('lamina serve with an esbuild function and hot reload', () => {
  it('a saved .ts file is rebuilt and served by the next invokes, none failing meanwhile', async () => {
    expect((await invoke({ name: 'cy' })).body).toEqual({ text: 'HOWDY, CY!' });
    const saved = Date.now();
    write('fn/src/handlers/lib/greet.ts', GREET('Hey'));
    const seen = new Set<string>();
    for (let attempt = 0; attempt < 400 && !seen.has('HEY, CY!'); attempt += 1) {
      const answer = await invoke({ name: 'cy' });
      expect(answer.functionError).toBeNull();
      seen.add((answer.body as { text: string }).text);
      if (!seen.has('HEY, CY!')) await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect([...seen].filter((text) => text !== 'HOWDY, CY!')).toEqual(['HEY, CY!']);
    // For the record, not a bound: the machine is shared.
    process.stdout.write(`esbuild + hot reload: saved .ts served after ${Date.now() - saved} ms\n`);
  });
});

describe('lamina serve with broken TypeScript at start', () => {
  const broken = serveProject('lamina-esbuild-broken-');

  it('refuses to start, showing esbuild\'s error (as sam build stops): there is no build to serve', async () => {
    mkdirSync(join(broken.dir, 'fn'), { recursive: true });
    writeFileSync(join(broken.dir, 'fn/app.ts'), 'export const handler = async () => {\n  return { ok: true ;\n};\n');
    const template = 'Resources:\n  Broken:\n    Type: AWS::Serverless::Function\n    Properties: { Runtime: nodejs20.x, Handler: app.handler, CodeUri: fn/ }\n    Metadata: { BuildMethod: esbuild }\n';
    const error = await broken.start(template, ['--port', '0'], /Lamina is serving/).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/Build of function Broken \(esbuild, .*\/fn\) failed:\n✘ \[ERROR\] Expected "}" but found ";"\n\n\s+app\.ts:2:20:/);
    expect((error as Error).message).not.toMatch(/Lamina is serving/);
  });
});
