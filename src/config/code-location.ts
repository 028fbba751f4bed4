/**
 * Where a function's code is and how its runtime starts: `CodeUri` / `Code` resolved against the
 * template's directory, and the runtime identifier mapped to a RuntimeLaunch.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { RuntimeLaunch } from './function-config.js';
import { isPlainObject, type IntrinsicResolver } from './cfn-intrinsics.js';
import { resolveProperty, show, type TemplateReport } from './function-properties.js';

/** Runtimes that start `<codeDir>/bootstrap`. */
export const BOOTSTRAP_RUNTIMES: readonly string[] = ['provided', 'provided.al2', 'provided.al2023'];
/** Runtimes run by Lamina's Node.js runtime interface client. */
export const NODE_RUNTIMES: readonly string[] = ['nodejs18.x', 'nodejs20.x', 'nodejs22.x', 'nodejs24.x'];
export const SUPPORTED_RUNTIMES: readonly string[] = [...NODE_RUNTIMES, ...BOOTSTRAP_RUNTIMES];

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
 * How the runtime starts. `provided*` needs an executable `<codeDir>/bootstrap`; `nodejs*` a handler.
 * Returns undefined (with a problem recorded) when the runtime cannot start.
 */
export function runtimeLaunch(
  report: TemplateReport,
  id: string,
  type: FunctionResourceType,
  runtime: string,
  handler: string,
  codeDir: string | undefined,
): RuntimeLaunch | undefined {
  if (NODE_RUNTIMES.includes(runtime)) {
    if (handler === '') {
      report.problem(id, 'Handler', `is required for ${runtime} (e.g. index.handler)`);
      return undefined;
    }
    return { kind: 'node-ric', runtime };
  }
  if (!BOOTSTRAP_RUNTIMES.includes(runtime)) {
    report.problem(id, 'Runtime', `${show(runtime)} is not supported; supported runtimes: ${SUPPORTED_RUNTIMES.join(', ')}`);
    return undefined;
  }
  if (codeDir === undefined) return undefined;
  const property = type === 'AWS::Serverless::Function' ? 'CodeUri' : 'Code';
  const command = join(codeDir, 'bootstrap');
  const stat = statSync(command, { throwIfNoEntry: false });
  if (stat === undefined || !stat.isFile()) {
    report.problem(id, property, `${runtime} needs an executable file ${command}, which does not exist`);
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
