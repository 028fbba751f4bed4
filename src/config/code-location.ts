/**
 * Where a function's code is and how its runtime starts: `CodeUri` / `Code` resolved against the
 * template's directory (a directory, a .zip, an object of a template bucket, inline `ZipFile`
 * source; packages are extracted by ./template-packages.ts), and the runtime identifier mapped to
 * a RuntimeLaunch. Layers' content is found the same way (./layer-resources.ts).
 */
import { accessSync, constants, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { RuntimeLaunch } from './function-config.js';
import { isPlainObject, type IntrinsicResolver } from './cfn-intrinsics.js';
import { resolveProperty, show, type TemplateReport } from './function-properties.js';
import { findPython } from './python-runtime.js';
import { classifyRuntime, RUNNABLE_RUNTIMES, RUNTIME_CATALOG, type RuntimeRunner } from './runtime-catalog.js';
import { nodeAtHand } from '../runtimes/function-nodes.js';
import type { PackageLookup, PackagedCode, TemplatePackages } from './template-packages.js';

const runBy = (runner: RuntimeRunner): readonly string[] => RUNTIME_CATALOG.filter((e) => e.runner === runner).map((e) => e.name);
/** Runtimes that start `<codeDir>/bootstrap`. */
export const BOOTSTRAP_RUNTIMES: readonly string[] = runBy('bootstrap');
/** Runtimes run by Lamina's Node.js runtime interface client. */
export const NODE_RUNTIMES: readonly string[] = runBy('node');
/** Every runtime Lamina runs (src/config/runtime-catalog.ts has their Lambda deprecation dates). */
export const SUPPORTED_RUNTIMES: readonly string[] = RUNNABLE_RUNTIMES;

/** The resource types Lamina loads, and the property that holds each one's code location. */
export type FunctionResourceType = 'AWS::Serverless::Function' | 'AWS::Lambda::Function';

/** Where a template says a function's code (or a layer's content) is. */
export type CodeSource =
  | { readonly kind: 'path'; readonly path: string }
  | { readonly kind: 's3'; readonly bucket: string; readonly key: string }
  | { readonly kind: 'inline'; readonly source: string };

/** What code location needs beyond the template: its packages (./template-packages.ts) and its S3 buckets. */
export interface PackageContext {
  readonly packages: TemplatePackages | undefined;
  /** Names of the template's `AWS::S3::Bucket`s: the only buckets `Code.S3Bucket` can name here. */
  readonly buckets: ReadonlySet<string>;
}

/** A function's code or a layer's content as found: a directory, and the zip's identity when it was one. */
export interface CodeLocation {
  readonly dir: string;
  readonly code?: PackagedCode | undefined;
}

export const NO_PACKAGES: PackageContext = { packages: undefined, buckets: new Set() };

/**
 * The code source as written in the template (default `.`, as SAM CLI does), or undefined when
 * it is not one Lamina can use (a problem is recorded).
 */
function codeSource(report: TemplateReport, resolver: IntrinsicResolver, id: string, type: FunctionResourceType, props: Readonly<Record<string, unknown>>): CodeSource | undefined {
  const property = type === 'AWS::Serverless::Function' ? 'CodeUri' : 'Code';
  if (type === 'AWS::Serverless::Function' && props.InlineCode !== undefined) {
    report.problem(id, 'InlineCode', 'inline code is not supported yet; put the code in a directory and point CodeUri at it');
    return undefined;
  }
  const code = resolveProperty(report, resolver, id, property, props[property]);
  if (code === undefined) return undefined;
  if (!code.present) return { kind: 'path', path: '.' };
  const value = code.value;
  if (typeof value === 'string') {
    const s3 = /^s3:\/\/([^/]+)\/(.+)$/i.exec(value);
    if (s3 !== null) return { kind: 's3', bucket: s3[1] ?? '', key: s3[2] ?? '' };
    return { kind: 'path', path: value };
  }
  if (isPlainObject(value) && typeof value.ZipFile === 'string' && type === 'AWS::Lambda::Function') return { kind: 'inline', source: value.ZipFile };
  const bucket = isPlainObject(value) ? (value.S3Bucket ?? value.Bucket) : undefined;
  const key = isPlainObject(value) ? (value.S3Key ?? value.Key) : undefined;
  if (typeof bucket === 'string' && typeof key === 'string') return { kind: 's3', bucket, key };
  report.problem(id, property, `${show(value)} is not a local directory, a .zip file, ${type === 'AWS::Lambda::Function' ? 'inline ZipFile source, ' : ''}or an S3 location of a template bucket`);
  return undefined;
}

/** The runtime's file for CloudFormation's inline `ZipFile` (CloudFormation names it index.js or index.py). */
function inlineFileName(runtime: string | undefined): string | undefined {
  if (runtime?.startsWith('nodejs') === true) return 'index.js';
  if (runtime?.startsWith('python') === true) return 'index.py';
  return undefined;
}

/** A packaged location: ready, or the problem (pending extraction, refusal) recorded. */
function packagedLocation(report: TemplateReport, id: string, property: string, lookup: PackageLookup): CodeLocation | undefined {
  if (lookup.kind === 'ready') return { dir: lookup.code.dir, code: lookup.code };
  report.problem(id, property, lookup.kind === 'pending' ? 'is being extracted (loadTemplatePackaged extracts it, then loads again)' : lookup.message);
  return undefined;
}

/**
 * A code source (a function's code, a layer's content) to a directory: a local directory as it is; a .zip file or an object of a
 * template bucket extracted by the template's packages; inline source written as index.js/.py.
 *
 * @example
 * locate(report, 'Deps', 'ContentUri', { kind: 'path', path: 'layer.zip' }, templateDir, packageContext)?.dir;
 */
export function locate(report: TemplateReport, id: string, property: string, source: CodeSource, templateDir: string, context: PackageContext, runtime?: string): CodeLocation | undefined {
  const { packages } = context;
  const unpackaged = 'is a package that only `lamina serve` extracts (this loader has no package directory)';
  if (source.kind === 'inline') {
    const fileName = inlineFileName(runtime);
    if (fileName === undefined) {
      report.problem(id, `${property}.ZipFile`, `inline source is for Node.js and Python runtimes only (CloudFormation writes it as index.js or index.py), not ${runtime ?? 'this runtime'}`);
      return undefined;
    }
    if (packages === undefined) return void report.problem(id, `${property}.ZipFile`, unpackaged);
    const code = packages.inline(source.source, fileName);
    return { dir: code.dir, code };
  }
  if (source.kind === 's3') {
    if (!context.buckets.has(source.bucket)) {
      report.problem(id, property, `s3://${source.bucket}/${source.key} is not in a bucket of this template (AWS::S3::Bucket); Lamina reads code only from the embedded S3's buckets, or from a local directory or .zip`);
      return undefined;
    }
    if (packages === undefined) return void report.problem(id, property, unpackaged);
    return packagedLocation(report, id, property, packages.s3Object(source.bucket, source.key));
  }
  const path = resolve(templateDir, source.path);
  const stat = statSync(path, { throwIfNoEntry: false });
  if (stat === undefined) {
    report.problem(id, property, `${/\.zip$/i.test(path) ? 'zip file' : 'directory'} ${path} does not exist`);
    return undefined;
  }
  if (stat.isFile() && /\.zip$/i.test(path)) {
    if (packages === undefined) return void report.problem(id, property, unpackaged);
    return packagedLocation(report, id, property, packages.zipFile(path));
  }
  if (!stat.isDirectory()) {
    report.problem(id, property, `${path} is not a directory or a .zip file`);
    return undefined;
  }
  return { dir: path };
}

/** The function's code directory (extracted when it is a package); undefined (with a problem recorded) otherwise. */
export function codeDirectory(
  report: TemplateReport,
  resolver: IntrinsicResolver,
  id: string,
  type: FunctionResourceType,
  props: Readonly<Record<string, unknown>>,
  templateDir: string,
  context: PackageContext = NO_PACKAGES,
  runtime?: string,
): CodeLocation | undefined {
  const source = codeSource(report, resolver, id, type, props);
  if (source === undefined) return undefined;
  return locate(report, id, type === 'AWS::Serverless::Function' ? 'CodeUri' : 'Code', source, templateDir, context, runtime);
}

/**
 * How the runtime starts. `provided*` needs an executable `<codeDir>/bootstrap`; `nodejs*` and
 * `python3.*` a handler (and the latter a Python 3 on the machine). Whether the runtime is known,
 * deprecated (a warning) or not run at all is src/config/runtime-catalog.ts's verdict at `today`.
 * Returns undefined (with a problem recorded) when the runtime cannot start.
 */
export function runtimeLaunch(
  report: TemplateReport,
  id: string,
  type: FunctionResourceType,
  runtime: string,
  handler: string,
  codeDir: string | undefined,
  layers: readonly string[] = [],
  today: Date = new Date(),
): RuntimeLaunch | undefined {
  // Unknown, retired or other-language runtimes fail here with the way out; deprecated ones warn.
  const verdict = classifyRuntime(runtime, today);
  if (!verdict.ok) {
    report.problem(id, 'Runtime', verdict.problem);
    return undefined;
  }
  if (verdict.warning !== undefined) report.warn(id, 'Runtime', verdict.warning);
  const runner = verdict.entry.runner;
  if (runner === 'node') {
    if (handler === '') {
      report.problem(id, 'Handler', `is required for ${runtime} (e.g. index.handler)`);
      return undefined;
    }
    return { kind: 'node-ric', runtime, node: nodeAtHand(runtime) };
  }
  if (runner === 'python') {
    if (handler === '') {
      report.problem(id, 'Handler', `is required for ${runtime} (e.g. app.lambda_handler)`);
      return undefined;
    }
    const python = findPython(runtime);
    if (python === undefined) {
      report.problem(id, 'Runtime', `${runtime} needs Python 3 on this machine, and there is no ${runtime} (in /usr/bin, /usr/local/bin, PATH or pyenv's versions) nor /usr/bin/python3`);
      return undefined;
    }
    if (python.warning !== undefined && verdict.entry.exactInterpreter === true) {
      report.problem(id, 'Runtime', `${runtime} is deprecated on Lambda and runs only on its own interpreter, and this machine has no ${runtime} (in /usr/bin, /usr/local/bin, PATH or pyenv's versions; its python3 is ${python.version}); move the function to python${python.version}`);
      return undefined;
    }
    if (python.warning !== undefined) report.warn(id, 'Runtime', python.warning);
    return { kind: 'python-ric', runtime, python: python.path };
  }
  if (codeDir === undefined) return undefined;
  const property = type === 'AWS::Serverless::Function' ? 'CodeUri' : 'Code';
  const isFile = (path: string): boolean => statSync(path, { throwIfNoEntry: false })?.isFile() === true;
  // Lambda runs /var/task/bootstrap, else /opt/bootstrap: the layers are extracted into /opt in
  // order, a later layer overwriting an earlier one, so the LAST layer holding a bootstrap wins.
  const own = join(codeDir, 'bootstrap');
  const fromLayer = [...layers].reverse().map((dir) => join(dir, 'bootstrap')).find(isFile);
  const command = isFile(own) ? own : (fromLayer ?? own);
  if (!isFile(command)) {
    const where = layers.length > 0 ? ` (nor does any of its layers have a bootstrap)` : '';
    report.problem(id, property, `${runtime} needs an executable file ${command}, which does not exist${where}`);
    return undefined;
  }
  try {
    accessSync(command, constants.X_OK);
  } catch {
    report.problem(id, property, `${command} is not executable (chmod +x it)`);
    return undefined;
  }
  return { kind: 'bootstrap', command, args: [] };
}
