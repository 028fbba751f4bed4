/**
 * `Metadata: BuildMethod` and esbuild's `BuildProperties` read by the template loader
 * (src/config/build-properties.ts): SAM's defaults, every property Lamina supports, SAM's
 * NODE_OPTIONS / Sourcemap rules, and refusals that name the resource and the property.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadTemplate, type LoadedTemplate } from '../../src/config/sam-template.js';
import { ConfigError } from '../../src/errors.js';
import { TEMPLATE_OPTIONS } from '../helpers/template-text.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A project with `files` (path -> text) and a template of one function with `extra` lines under its resource. */
function load(resource: string, files: Record<string, string> = { 'src/app.ts': 'export const handler = async () => 1;\n' }): { loaded: LoadedTemplate; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'lamina-build-props-'));
  dirs.push(dir);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  writeFileSync(join(dir, 'template.yaml'), `Transform: AWS::Serverless-2016-10-31\nResources:\n  Api:\n    Type: AWS::Serverless::Function\n${resource}`);
  return { loaded: loadTemplate(join(dir, 'template.yaml'), TEMPLATE_OPTIONS), dir };
}

const props = (extra = '', handler = 'src/app.handler', runtime = 'nodejs20.x'): string => `    Properties:\n      Runtime: ${runtime}\n      Handler: ${handler}\n      CodeUri: .\n${extra}`;
const esbuild = (properties: string): string => `    Metadata:\n      BuildMethod: esbuild\n${properties === '' ? '' : `      BuildProperties:\n${properties}`}`;

function problems(resource: string, files?: Record<string, string>): string {
  try {
    load(resource, files);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('BuildMethod: esbuild', () => {
  it('takes SAM defaults: the handler module (.ts) as entry, es2020, cjs, minified, no source map', () => {
    const { loaded, dir } = load(props() + esbuild(''));
    const fn = loaded.functions[0];
    expect(fn?.codeDir).toBe(dir);
    expect(fn?.build).toEqual({
      method: 'esbuild',
      logicalId: 'Api',
      sourceDir: dir,
      properties: {
        entryPoints: [join(dir, 'src/app.ts')],
        target: ['es2020'],
        format: 'cjs',
        minify: true,
        sourcemap: false,
        sourcesContent: true,
        external: [],
        loader: {},
        mainFields: undefined,
        outExtension: {},
        banner: {},
        footer: {},
      },
    });
    expect(fn?.environment).toEqual({});
  });

  it('falls back to the handler module as .js, as SAM tries .ts then .js', () => {
    const { loaded, dir } = load(props() + esbuild(''), { 'src/app.js': 'exports.handler = async () => 1;\n' });
    expect(loaded.functions[0]?.build?.properties.entryPoints).toEqual([join(dir, 'src/app.js')]);
  });

  it('reads every supported property', () => {
    const files = { 'src/app.ts': 'export const handler = 1;\n', 'src/other.js': '', 'lib/extra.mts': '' };
    const { loaded, dir } = load(
      props() +
        esbuild(
          [
            '        EntryPoints: [src/app.ts, src/other, lib/extra.mts]',
            '        Target: "es2022,node20"',
            '        Format: esm',
            '        Minify: false',
            '        Sourcemap: true',
            '        SourcesContent: "false"',
            '        External: ["@aws-sdk/*", pg-native]',
            '        Loader: [".png=dataurl", ".txt=text"]',
            '        MainFields: module,main',
            '        OutExtension: [".js=.mjs"]',
            "        Banner: [\"js=import { createRequire } from 'module'; const require = createRequire(import.meta.url); const eq = 1 == 1;\"]",
            '        Footer: ["js=// end"]',
            '        UseNpmCi: true',
            '',
          ].join('\n'),
        ),
      files,
    );
    const p = loaded.functions[0]?.build?.properties;
    expect(p?.entryPoints).toEqual([join(dir, 'src/app.ts'), join(dir, 'src/other.js'), join(dir, 'lib/extra.mts')]);
    expect(p?.target).toEqual(['es2022', 'node20']);
    expect(p?.format).toBe('esm');
    expect(p?.minify).toBe(false);
    expect(p?.sourcemap).toBe(true);
    expect(p?.sourcesContent).toBe(false);
    expect(p?.external).toEqual(['@aws-sdk/*', 'pg-native']);
    expect(p?.loader).toEqual({ '.png': 'dataurl', '.txt': 'text' });
    expect(p?.mainFields).toEqual(['module', 'main']);
    expect(p?.outExtension).toEqual({ '.js': '.mjs' });
    // The banner's text keeps its own '=' signs: only the first one splits.
    expect(p?.banner).toEqual({ js: "import { createRequire } from 'module'; const require = createRequire(import.meta.url); const eq = 1 == 1;" });
    expect(p?.footer).toEqual({ js: '// end' });
  });

  it('builds AWS::Lambda::Function resources too (Code a directory)', () => {
    const { loaded } = load(`    Properties:\n      Runtime: nodejs20.x\n      Handler: src/app.handler\n      Code: .\n      Role: arn:aws:iam::1:role/r\n${esbuild('')}`.replace('Type: AWS::Serverless::Function', 'Type: AWS::Lambda::Function'));
    expect(loaded.functions[0]?.build?.method).toBe('esbuild');
  });
});

describe('Sourcemap and NODE_OPTIONS, as sam build does', () => {
  const env = (value: string): string => `      Environment:\n        Variables:\n          NODE_OPTIONS: "${value}"\n`;

  it('Sourcemap: true adds --enable-source-maps to NODE_OPTIONS', () => {
    expect(load(props() + esbuild('        Sourcemap: true\n')).loaded.functions[0]?.environment).toEqual({ NODE_OPTIONS: '--enable-source-maps' });
  });

  it("appends it after the function's own NODE_OPTIONS", () => {
    const fn = load(props(env('--max-old-space-size=100')) + esbuild('        Sourcemap: true\n')).loaded.functions[0];
    expect(fn?.environment.NODE_OPTIONS).toBe('--max-old-space-size=100 --enable-source-maps');
  });

  it('NODE_OPTIONS with --enable-source-maps turns Sourcemap on when it is not given, and is left as it is', () => {
    const fn = load(props(env('--enable-source-maps --trace-warnings')) + esbuild('')).loaded.functions[0];
    expect(fn?.build?.properties.sourcemap).toBe(true);
    expect(fn?.environment.NODE_OPTIONS).toBe('--enable-source-maps --trace-warnings');
  });

  it('Sourcemap: false wins over NODE_OPTIONS', () => {
    const fn = load(props(env('--enable-source-maps')) + esbuild('        Sourcemap: false\n')).loaded.functions[0];
    expect(fn?.build?.properties.sourcemap).toBe(false);
    expect(fn?.environment.NODE_OPTIONS).toBe('--enable-source-maps');
  });

  it('a function without a build keeps its environment untouched', () => {
    const fn = load(props(env('--enable-source-maps'), 'index.handler'), { 'index.js': '' }).loaded.functions[0];
    expect(fn?.build).toBeUndefined();
    expect(fn?.environment).toEqual({ NODE_OPTIONS: '--enable-source-maps' });
  });
});

describe('refusals name the resource and the property', () => {
  it('an unknown build property, listing the ones Lamina knows', () => {
    const message = problems(props() + esbuild('        Minfy: true\n        Splitting: true\n        constructor: x\n'));
    expect(message).toMatch(/Resource Api: property Metadata\.BuildProperties\.Minfy: is not a build property Lamina knows for esbuild \(EntryPoints, Target, Format, Minify/);
    expect(message).toMatch(/Metadata\.BuildProperties\.Splitting: is not a build property/);
    expect(message).toMatch(/Metadata\.BuildProperties\.constructor: is not a build property/);
  });

  it.each([
    ['        Format: iife\n', /Metadata\.BuildProperties\.Format: "iife" is not cjs or esm/],
    ['        Minify: yes\n', /Metadata\.BuildProperties\.Minify: "yes" is not true or false/],
    ['        Sourcemap: 1\n', /Metadata\.BuildProperties\.Sourcemap: 1 is not true or false/],
    ['        External: aws-sdk\n', /Metadata\.BuildProperties\.External: "aws-sdk" must be a list of strings/],
    ['        External: [aws-sdk, 3]\n', /Metadata\.BuildProperties\.External: \["aws-sdk",3\] must be a list/],
    ['        Loader: [".png=pdf"]\n', /Metadata\.BuildProperties\.Loader: "\.png=pdf" names no esbuild loader/],
    ['        Loader: ["png=text"]\n', /Metadata\.BuildProperties\.Loader: "png=text" must start with a file extension/],
    ['        Loader: [".png="]\n', /Metadata\.BuildProperties\.Loader: "\.png=" names no esbuild loader/],
    ['        Loader: ["=text"]\n', /Metadata\.BuildProperties\.Loader: "=text" is not KEY=VALUE/],
    ['        OutExtension: [".ts=.mjs"]\n', /Metadata\.BuildProperties\.OutExtension: "\.ts=\.mjs" can only change \.js or \.css/],
    ['        OutExtension: [".js=mjs"]\n', /Metadata\.BuildProperties\.OutExtension: "\.js=mjs" must give an extension/],
    ['        Banner: ["ts=x"]\n', /Metadata\.BuildProperties\.Banner: "ts=x" must be for js or css/],
    ['        EntryPoints: []\n', /Metadata\.BuildProperties\.EntryPoints: must name at least one file/],
    ['        EntryPoints: [src/missing.ts]\n', /Metadata\.BuildProperties\.EntryPoints: src\/missing\.ts: no such file in .*$/m],
    ['        EntryPoints: [src/nothing]\n', /src\/nothing: no such file in .* \(tried \.ts and \.js\)/],
    ['        Target: [es2020, 7]\n', /Metadata\.BuildProperties\.Target: .* must be a list of strings \(or one comma-separated string\)/],
  ])('%s', (properties, expected) => {
    expect(problems(props() + esbuild(properties))).toMatch(expected);
  });

  it("the handler's module when there is no such file and no EntryPoints", () => {
    expect(problems(props('', 'src/gone.handler') + esbuild(''))).toMatch(/Resource Api: property Handler: the handler's module src\/gone \(Handler src\/gone\.handler; give EntryPoints when the entry is elsewhere\): no such file .*\(tried \.ts and \.js\)/);
  });

  it('BuildProperties that are not a map', () => {
    expect(problems(props() + '    Metadata:\n      BuildMethod: esbuild\n      BuildProperties: [Minify]\n')).toMatch(/Metadata\.BuildProperties: \["Minify"\] is not a map/);
  });

  it('esbuild on a runtime that is not Node.js', () => {
    expect(problems(props('', 'app.handler', 'python3.12') + esbuild(''), { 'app.py': '' })).toMatch(/Metadata\.BuildMethod: esbuild builds Node\.js functions, and the runtime is python3\.12/);
  });

  it('a BuildMethod SAM does not know', () => {
    expect(problems(props() + '    Metadata:\n      BuildMethod: esbuidl\n')).toMatch(/Metadata\.BuildMethod: "esbuidl" is not a build method SAM knows/);
    expect(problems(props() + '    Metadata:\n      BuildMethod: 7\n')).toMatch(/Metadata\.BuildMethod: 7 is not a string/);
  });
});

describe('other SAM build methods', () => {
  it.each(['makefile', 'nodejs20.x', 'rust-cargolambda', 'python3.12'])('%s is served from CodeUri as it is, with a warning', (method) => {
    const { loaded, dir } = load(props('', 'index.handler') + `    Metadata:\n      BuildMethod: ${method}\n      BuildProperties:\n        Anything: 1\n`, { 'index.js': '' });
    expect(loaded.functions[0]?.build).toBeUndefined();
    expect(loaded.functions[0]?.codeDir).toBe(dir);
    expect(loaded.warnings.join('\n')).toMatch(new RegExp(`Resource Api: property Metadata\\.BuildMethod: Lamina builds only esbuild functions; ${method.replace('.', '\\.')} is served from CodeUri as it is`));
  });

  it('a TypeScript handler without a build is warned about, with the way to build it', () => {
    const { loaded } = load(props());
    expect(loaded.functions[0]?.build).toBeUndefined();
    expect(loaded.warnings).toEqual(["Resource Api: property Handler: src/app is TypeScript, which Node.js cannot load as it is; add Metadata: { BuildMethod: esbuild } to have Lamina build it (docs/builds.md)"]);
    expect(load(props(), { 'src/app.ts': '', 'src/app.js': '' }).loaded.warnings).toEqual([]);
  });

  it('Metadata without BuildMethod (Dockerfile keys, tooling notes) is no build', () => {
    const { loaded } = load(props('', 'index.handler') + '    Metadata:\n      cfn-lint: { config: { ignore_checks: [E3012] } }\n', { 'index.js': '' });
    expect(loaded.functions[0]?.build).toBeUndefined();
    expect(loaded.warnings).toEqual([]);
  });
});
