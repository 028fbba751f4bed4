/**
 * Where a function's code is and how its runtime starts: `CodeUri` / `Code` resolved against the
 * template's directory, and the runtime identifier mapped to a RuntimeLaunch.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { RuntimeLaunch } from './function-config.js';
import { isPlainObject, type IntrinsicResolver } from './cfn-intrinsics.js';
import { resolveProperty, show, type TemplateReport } from './function-properties.js';
import { findPython } from './python-runtime.js';
import { classifyRuntime, RUNNABLE_RUNTIMES, RUNTIME_CATALOG, type RuntimeRunner } from './runtime-catalog.js';
import { nodeAtHand } from '../runtimes/function-nodes.js';

const runBy = (runner: RuntimeRunner): readonly string[] => RUNTIME_CATALOG.filter((e) => e.runner === runner).map((e) => e.name);
/** Runtimes that start `<codeDir>/bootstrap`. */
export const BOOTSTRAP_RUNTIMES: readonly string[] = runBy('bootstrap');
/** Runtimes run by Lamina's Node.js runtime interface client. */
export const NODE_RUNTIMES: readonly string[] = runBy('node');
/** Every runtime Lamina runs (src/config/runtime-catalog.ts has their Lambda deprecation dates). */
export const SUPPORTED_RUNTIMES: readonly string[] = RUNNABLE_RUNTIMES;

/** The resource types Lamina loads, and the property that holds each one's code location. */
export type FunctionResourceType = 'AWS::Serverless::Function' | 'AWS::Lambda::Function';

/**
 * The local path of a function's code, as written in the template (default `.`, as SAM CLI does),
 * or undefined when it is not a local path (a problem is recorded).
 */
function codePath(report: TemplateReport, resolver: IntrinsicResolver, id: string, type: FunctionResourceType, props: Readonly<Record<string, unknown>>): string | undefined {
  const property = type === 'AWS::Serverless::Function' ? 'CodeUri' : 'Code';
  if (type === 'AWS::Serverless::Function' && props.InlineCode !== undefined) {
    report.problem(id, 'InlineCode', 'inline code is not supported yet; put the code in a directory and point CodeUri at it');
    return undefined;
  }
  const code = resolveProperty(report, resolver, id, property, props[property]);
  if (code === undefined) return undefined;
  if (!code.present) return '.';
  const value = code.value;
  if (typeof value === 'string') {
    if (/^s3:\/\//i.test(value)) {
      report.problem(id, property, `S3 locations (${value}) are not supported yet; use a local directory`);
      return undefined;
    }
    return value;
  }
  if (isPlainObject(value) && value.ZipFile !== undefined) {
    report.problem(id, `${property}.ZipFile`, 'inline code is not supported yet; use a local directory');
  } else if (isPlainObject(value) && (value.Bucket !== undefined || value.S3Bucket !== undefined)) {
    report.problem(id, property, `S3 locations (${show(value)}) are not supported yet; use a local directory`);
  } else {
    report.problem(id, property, `${show(value)} is not a local directory path`);
  }
  return undefined;
}

/** The absolute code directory, checked to exist; undefined (with a problem recorded) otherwise. */
export function codeDirectory(
  report: TemplateReport,
  resolver: IntrinsicResolver,
  id: string,
  type: FunctionResourceType,
  props: Readonly<Record<string, unknown>>,
  templateDir: string,
): string | undefined {
  const path = codePath(report, resolver, id, type, props);
  if (path === undefined) return undefined;
  const property = type === 'AWS::Serverless::Function' ? 'CodeUri' : 'Code';
  const dir = resolve(templateDir, path);
  const stat = statSync(dir, { throwIfNoEntry: false });
  if (stat === undefined) {
    report.problem(id, property, `directory ${dir} does not exist`);
    return undefined;
  }
  if (!stat.isDirectory()) {
    report.problem(id, property, `${dir} is not a directory (zip archives are not supported yet)`);
    return undefined;
  }
  return dir;
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

/** The layer resource types whose content Lamina can use (a local directory). */
export type LayerResourceType = 'AWS::Serverless::LayerVersion' | 'AWS::Lambda::LayerVersion';
export const LAYER_TYPES: ReadonlySet<string> = new Set<LayerResourceType>(['AWS::Serverless::LayerVersion', 'AWS::Lambda::LayerVersion']);

/** A layer resource of the template, as found (its directory is checked when a function uses it). */
export interface LayerResource {
  readonly type: LayerResourceType;
  readonly props: Readonly<Record<string, unknown>>;
}

/** Lambda's limit on layers per function. */
export const MAX_LAYERS = 5;

/**
 * The local directory of a layer resource: `ContentUri` (SAM) or `Content` (CloudFormation, as the
 * local path that `sam build` / `aws cloudformation package` accept), resolved against the
 * template's directory. Zip files are refused: Lamina has no zip reader; extract the layer into a
 * directory and point at that.
 */
export function layerDirectory(
  report: TemplateReport,
  resolver: IntrinsicResolver,
  id: string,
  layer: LayerResource,
  templateDir: string,
): string | undefined {
  const property = layer.type === 'AWS::Serverless::LayerVersion' ? 'ContentUri' : 'Content';
  const content = resolveProperty(report, resolver, id, property, layer.props[property]);
  if (content === undefined) return undefined;
  if (!content.present) {
    report.problem(id, property, 'is required');
    return undefined;
  }
  const value = content.value;
  if (typeof value !== 'string' || /^s3:\/\//i.test(value)) {
    report.problem(id, property, `${show(value)} is not a local directory (S3 locations are not supported yet)`);
    return undefined;
  }
  const dir = resolve(templateDir, value);
  const stat = statSync(dir, { throwIfNoEntry: false });
  if (stat === undefined) {
    report.problem(id, property, `directory ${dir} does not exist`);
    return undefined;
  }
  if (!stat.isDirectory()) {
    report.problem(id, property, `${dir} is not a directory (zip archives are not supported yet: extract it, e.g. unzip -d DIR layer.zip, and point ${property} at DIR)`);
    return undefined;
  }
  return dir;
}

/**
 * A function's `Layers`: each entry must be a `Ref` to a layer resource of the same template.
 * Layer ARNs (published layers) cannot be fetched: they are skipped with a warning. Directories
 * come back in the order given, which is Lambda's extraction order.
 *
 * @param layerDirs - memo of layer id -> directory, so that a layer's problems are reported once.
 */
export function functionLayers(
  report: TemplateReport,
  resolver: IntrinsicResolver,
  id: string,
  raw: unknown,
  layerResources: ReadonlyMap<string, LayerResource>,
  layerDirs: Map<string, string | undefined>,
  templateDir: string,
): string[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    report.problem(id, 'Layers', `${show(raw)} must be a list of layers`);
    return [];
  }
  if (raw.length > MAX_LAYERS) report.problem(id, 'Layers', `${raw.length} layers: a function can use at most ${MAX_LAYERS}`);
  const dirs: string[] = [];
  for (const entry of raw as unknown[]) {
    const ref = isPlainObject(entry) && Object.keys(entry).length === 1 && typeof entry.Ref === 'string' ? entry.Ref : undefined;
    const layer = ref === undefined ? undefined : layerResources.get(ref);
    if (ref !== undefined && layer !== undefined) {
      if (!layerDirs.has(ref)) layerDirs.set(ref, layerDirectory(report, resolver, ref, layer, templateDir));
      const dir = layerDirs.get(ref);
      if (dir !== undefined) dirs.push(dir);
      continue;
    }
    const resolved = resolver.resolve(entry);
    const shown = resolved.ok ? show(resolved.value) : show(entry);
    report.warn(id, 'Layers', `${shown} is not a layer resource of this template (published layer ARNs are not supported yet); ignored`);
  }
  return dirs;
}
