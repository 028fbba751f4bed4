/**
 * SAM's `Metadata: BuildMethod` and, for `esbuild`, `Metadata: BuildProperties` of a function
 * resource, read into a `FunctionBuild` that src/builds/ bundles when `lamina serve` starts and on
 * change (docs/builds.md). Every property is checked here, at template load, so that a typo is a
 * template problem naming the resource and not a surprise at the first invoke.
 */
import { statSync } from 'node:fs';
import { extname, isAbsolute, join, resolve } from 'node:path';
import { isPlainObject, type IntrinsicResolver } from './cfn-intrinsics.js';
import { resolveProperty, show, type TemplateReport } from './function-properties.js';

/** The esbuild settings of one function, SAM's defaults applied (docs/builds.md lists them). */
export interface EsbuildProperties {
  /** Absolute paths of the entry files. Default: the handler's module (`.ts`, else `.js`). */
  readonly entryPoints: readonly string[];
  /** esbuild targets; SAM's default `es2020`. */
  readonly target: readonly string[];
  readonly format: 'cjs' | 'esm';
  /** SAM's default: true. */
  readonly minify: boolean;
  /** A linked `.map` next to each output file, and `--enable-source-maps` in NODE_OPTIONS. */
  readonly sourcemap: boolean;
  /** esbuild's default: true (the sources' text inside the map). */
  readonly sourcesContent: boolean;
  readonly external: readonly string[];
  /** File extension (`.png`) to esbuild loader (`dataurl`). */
  readonly loader: Readonly<Record<string, string>>;
  /** Undefined: esbuild's default for platform node (`main,module`). */
  readonly mainFields?: readonly string[] | undefined;
  /** Output extension (`.js`) to the one written (`.mjs`). */
  readonly outExtension: Readonly<Record<string, string>>;
  /** Kind (`js`, `css`) to the text put at the start / end of each output file of that kind. */
  readonly banner: Readonly<Record<string, string>>;
  readonly footer: Readonly<Record<string, string>>;
}

/** A function that Lamina builds before serving it. */
export interface FunctionBuild {
  readonly method: 'esbuild';
  /** The template's logical id: the build's directory under the state directory is named after it. */
  readonly logicalId: string;
  /** The directory `CodeUri` names: the sources, and where relative entry points start. */
  readonly sourceDir: string;
  readonly properties: EsbuildProperties;
}

/** What the template's function gives the build besides its `Metadata`. */
export interface BuildSubject {
  readonly id: string;
  readonly runtime: string;
  readonly handler: string;
  /** The code directory; undefined when the code is not a directory (a zip, S3, inline). */
  readonly sourceDir: string | undefined;
  readonly environment: Readonly<Record<string, string>>;
}

/** Every `BuildProperties` key Lamina reads for esbuild (anything else is refused: docs/builds.md). */
export const ESBUILD_PROPERTIES = [
  'EntryPoints', 'Target', 'Format', 'Minify', 'Sourcemap', 'SourcesContent', 'External', 'Loader', 'MainFields', 'OutExtension', 'Banner', 'Footer', 'UseNpmCi',
] as const;

/** The loaders esbuild knows (its `Loader` type). */
const LOADERS = new Set(['base64', 'binary', 'copy', 'css', 'dataurl', 'default', 'empty', 'file', 'js', 'json', 'jsx', 'local-css', 'text', 'ts', 'tsx']);
/** SAM's `BuildMethod`s that are not esbuild: Lamina serves their `CodeUri` as it is (a warning says so). */
const OTHER_SAM_METHODS = /^(makefile|rust-cargolambda|(nodejs|python|ruby|java|dotnet|go|provided)[0-9a-z.]*)$/;
const SOURCE_MAPS_FLAG = '--enable-source-maps';

type Reader = (property: string, raw: unknown) => unknown;

/** A boolean, also as CloudFormation's strings `true`/`false`. */
function flag(report: TemplateReport, id: string, property: string, value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  report.problem(id, property, `${show(value)} is not true or false`);
  return undefined;
}

/** A list of strings; `comma` also takes one string of comma-separated items (SAM's `MainFields: module,main`). */
function strings(report: TemplateReport, id: string, property: string, value: unknown, comma: boolean): string[] | undefined {
  if (comma && typeof value === 'string') return value.split(',').map((item) => item.trim()).filter((item) => item !== '');
  if (!Array.isArray(value) || !value.every((item): item is string => typeof item === 'string' && item !== '')) {
    report.problem(id, property, `${show(value)} must be a list of strings${comma ? ' (or one comma-separated string)' : ''}`);
    return undefined;
  }
  return value;
}

/** `KEY=VALUE` items (`.png=dataurl`, `.js=.mjs`, `js=// text`) as a map; the value may hold `=`. */
function pairs(report: TemplateReport, id: string, property: string, value: unknown, check: (key: string, value: string) => string | undefined): Record<string, string> | undefined {
  const items = strings(report, id, property, value, false);
  if (items === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const item of items) {
    const at = item.indexOf('=');
    const key = at <= 0 ? '' : item.slice(0, at);
    const problem = at <= 0 ? 'is not KEY=VALUE' : check(key, item.slice(at + 1));
    if (problem !== undefined) {
      report.problem(id, property, `${show(item)} ${problem}`);
      return undefined;
    }
    out[key] = item.slice(at + 1);
  }
  return out;
}

const extension = (key: string): boolean => /^\.[A-Za-z0-9_.-]+$/.test(key);
const checkLoader = (key: string, value: string): string | undefined =>
  !extension(key) ? 'must start with a file extension such as .png' : LOADERS.has(value) ? undefined : `names no esbuild loader (${[...LOADERS].join(', ')})`;
const checkOutExtension = (key: string, value: string): string | undefined =>
  key !== '.js' && key !== '.css' ? 'can only change .js or .css' : extension(value) ? undefined : 'must give an extension such as .mjs';
const checkBanner = (key: string): string | undefined => (key === 'js' || key === 'css' ? undefined : 'must be for js or css (js=TEXT)');

/**
 * The entry file of a path relative to the code directory: as it is when it has an extension,
 * else with `.ts` or `.js` added, as SAM tries them; undefined when none exists.
 */
function entryFile(sourceDir: string, path: string): string | undefined {
  const full = isAbsolute(path) ? path : resolve(sourceDir, path);
  const candidates = extname(path) === '' ? [`${full}.ts`, `${full}.js`] : [full];
  return candidates.find((file) => statSync(file, { throwIfNoEntry: false })?.isFile() === true);
}

/** The handler's module path (`src/app` of `src/app.handler`: the part before the first dot of the file name). */
export function handlerModule(handler: string): string {
  const slash = handler.lastIndexOf('/');
  const dot = handler.indexOf('.', slash + 1);
  return dot < 0 ? handler : handler.slice(0, dot);
}

function entryPoints(report: TemplateReport, subject: BuildSubject, sourceDir: string, raw: unknown): string[] | undefined {
  const property = 'Metadata.BuildProperties.EntryPoints';
  const given = raw === undefined ? [handlerModule(subject.handler)] : strings(report, subject.id, property, raw, false);
  if (given === undefined) return undefined;
  if (given.length === 0) return void report.problem(subject.id, property, 'must name at least one file');
  const files: string[] = [];
  for (const path of given) {
    const file = entryFile(sourceDir, path);
    const what = raw === undefined ? `the handler's module ${path} (Handler ${subject.handler}; give EntryPoints when the entry is elsewhere)` : path;
    if (file === undefined) report.problem(subject.id, raw === undefined ? 'Handler' : property, `${what}: no such file in ${sourceDir}${extname(path) === '' ? ' (tried .ts and .js)' : ''}`);
    else files.push(file);
  }
  return files.length === given.length ? files : undefined;
}

/** The properties of an esbuild build, SAM's defaults for the ones not given. */
function esbuildProperties(report: TemplateReport, subject: BuildSubject, sourceDir: string, given: Readonly<Record<string, unknown>>, read: Reader): EsbuildProperties | undefined {
  const before = report.problems.length;
  const known: ReadonlySet<string> = new Set(ESBUILD_PROPERTIES);
  for (const key of Object.keys(given)) {
    if (!known.has(key)) report.problem(subject.id, `Metadata.BuildProperties.${key}`, `is not a build property Lamina knows for esbuild (${ESBUILD_PROPERTIES.join(', ')})`);
  }
  const at = (key: string): { property: string; value: unknown } => ({ property: `Metadata.BuildProperties.${key}`, value: read(`Metadata.BuildProperties.${key}`, given[key]) });
  const id = subject.id;
  const optional = <T>(key: string, parse: (property: string, value: unknown) => T | undefined): T | undefined => {
    const { property, value } = at(key);
    return value === undefined ? undefined : parse(property, value);
  };
  const format = optional('Format', (property, value) => (value === 'cjs' || value === 'esm' ? value : void report.problem(id, property, `${show(value)} is not cjs or esm (Lambda loads CommonJS or ES modules)`)));
  const sourcemapGiven = optional('Sourcemap', (property, value) => flag(report, id, property, value));
  // SAM: NODE_OPTIONS with --enable-source-maps turns Sourcemap on when it is not given; Sourcemap: false wins.
  const nodeOptionsAsk = (subject.environment.NODE_OPTIONS ?? '').split(/\s+/).includes(SOURCE_MAPS_FLAG);
  const properties: EsbuildProperties = {
    entryPoints: entryPoints(report, subject, sourceDir, read('Metadata.BuildProperties.EntryPoints', given.EntryPoints)) ?? [],
    target: optional('Target', (property, value) => strings(report, id, property, value, true)) ?? ['es2020'],
    format: format ?? 'cjs',
    minify: optional('Minify', (property, value) => flag(report, id, property, value)) ?? true,
    sourcemap: sourcemapGiven ?? nodeOptionsAsk,
    sourcesContent: optional('SourcesContent', (property, value) => flag(report, id, property, value)) ?? true,
    external: optional('External', (property, value) => strings(report, id, property, value, false)) ?? [],
    loader: optional('Loader', (property, value) => pairs(report, id, property, value, checkLoader)) ?? {},
    mainFields: optional('MainFields', (property, value) => strings(report, id, property, value, true)),
    outExtension: optional('OutExtension', (property, value) => pairs(report, id, property, value, checkOutExtension)) ?? {},
    banner: optional('Banner', (property, value) => pairs(report, id, property, value, checkBanner)) ?? {},
    footer: optional('Footer', (property, value) => pairs(report, id, property, value, checkBanner)) ?? {},
  };
  optional('UseNpmCi', (property, value) => flag(report, id, property, value));
  return report.problems.length > before ? undefined : properties;
}

/**
 * The function's build, when its `Metadata` asks for esbuild; undefined otherwise (other SAM
 * build methods are served from `CodeUri` as it is, with a warning) or on a problem (recorded).
 *
 * @example
 * const build = functionBuild(report, resolver, { id: 'Api', runtime: 'nodejs22.x', handler: 'src/app.handler', sourceDir: '/p', environment: {} }, { BuildMethod: 'esbuild' });
 * build?.properties.entryPoints; // ['/p/src/app.ts']
 */
export function functionBuild(report: TemplateReport, resolver: IntrinsicResolver, subject: BuildSubject, metadata: unknown): FunctionBuild | undefined {
  if (!isPlainObject(metadata) || metadata.BuildMethod === undefined) {
    warnUnbuiltTypeScript(report, subject);
    return undefined;
  }
  const read: Reader = (property, raw) => {
    const value = resolveProperty(report, resolver, subject.id, property, raw);
    return value?.present === true ? value.value : undefined;
  };
  const method = read('Metadata.BuildMethod', metadata.BuildMethod);
  if (typeof method !== 'string') return void report.problem(subject.id, 'Metadata.BuildMethod', `${show(metadata.BuildMethod)} is not a string`);
  if (method !== 'esbuild') {
    if (OTHER_SAM_METHODS.test(method)) {
      report.warn(subject.id, 'Metadata.BuildMethod', `Lamina builds only esbuild functions; ${method} is served from CodeUri as it is (run sam build and serve .aws-sam/build/template.yaml for the built code)`);
    } else {
      report.problem(subject.id, 'Metadata.BuildMethod', `${show(method)} is not a build method SAM knows (esbuild, makefile, rust-cargolambda or a runtime such as nodejs22.x)`);
    }
    return undefined;
  }
  if (!subject.runtime.startsWith('nodejs')) return void report.problem(subject.id, 'Metadata.BuildMethod', `esbuild builds Node.js functions, and the runtime is ${subject.runtime === '' ? 'an image' : subject.runtime}`);
  if (subject.sourceDir === undefined) return void report.problem(subject.id, 'Metadata.BuildMethod', 'esbuild needs the code as a directory (CodeUri), not a package');
  const rawProperties = read('Metadata.BuildProperties', metadata.BuildProperties) ?? {};
  if (!isPlainObject(rawProperties)) return void report.problem(subject.id, 'Metadata.BuildProperties', `${show(rawProperties)} is not a map`);
  const properties = esbuildProperties(report, subject, subject.sourceDir, rawProperties, read);
  return properties === undefined ? undefined : { method: 'esbuild', logicalId: subject.id, sourceDir: subject.sourceDir, properties };
}

/** A Node.js handler whose module exists only as TypeScript cannot load without a build: say how to get one. */
function warnUnbuiltTypeScript(report: TemplateReport, subject: BuildSubject): void {
  if (!subject.runtime.startsWith('nodejs') || subject.sourceDir === undefined) return;
  const module = resolve(subject.sourceDir, handlerModule(subject.handler));
  const exists = (ext: string): boolean => statSync(`${module}${ext}`, { throwIfNoEntry: false })?.isFile() === true;
  if (!['.ts', '.mts', '.cts'].some(exists) || ['', '.js', '.mjs', '.cjs'].some(exists)) return;
  report.warn(subject.id, 'Handler', `${handlerModule(subject.handler)} is TypeScript, which Node.js cannot load as it is; add Metadata: { BuildMethod: esbuild } to have Lamina build it (docs/builds.md)`);
}

/**
 * The function's environment with `--enable-source-maps` added to NODE_OPTIONS when its build
 * writes source maps, as `sam build` adds it (after the function's own options, space-separated).
 *
 * @example
 * withSourceMaps({ NODE_OPTIONS: '--max-old-space-size=100' }, build); // { NODE_OPTIONS: '--max-old-space-size=100 --enable-source-maps' }
 */
export function withSourceMaps(environment: Readonly<Record<string, string>>, build: FunctionBuild | undefined): Readonly<Record<string, string>> {
  if (build?.properties.sourcemap !== true) return environment;
  const options = environment.NODE_OPTIONS ?? '';
  if (options.split(/\s+/).includes(SOURCE_MAPS_FLAG)) return environment;
  return { ...environment, NODE_OPTIONS: options.trim() === '' ? SOURCE_MAPS_FLAG : `${options} ${SOURCE_MAPS_FLAG}` };
}

/** Where a function's build is written: `<state dir>/builds/<logical id>` (docs/builds.md). */
export function buildOutputDir(stateDir: string, build: FunctionBuild): string {
  return join(stateDir, 'builds', build.logicalId);
}
