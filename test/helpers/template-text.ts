/**
 * Load a SAM template given as text (tests of src/config/): a temp directory with `index.mjs` and
 * the template, loaded with a fixed region, account and day.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { loadTemplate, type LoadedTemplate, type LoadTemplateOptions } from '../../src/config/sam-template.js';

export const TEMPLATE_OPTIONS: LoadTemplateOptions = { region: 'eu-west-1', accountId: '123456789012', today: new Date('2026-01-01') };

const dirs: string[] = [];

/** Remove the directories made so far (call from afterEach). */
export function removeTemplateDirs(): void {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Load `body` (the template after its Transform line). */
export function loadTemplateText(body: string, options: Partial<LoadTemplateOptions> = {}): LoadedTemplate {
  const dir = mkdtempSync(join(tmpdir(), 'lamina-template-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'index.mjs'), 'export const handler = async () => 1;\n');
  const path = join(dir, 'template.yaml');
  writeFileSync(path, `Transform: AWS::Serverless-2016-10-31\n${body}`);
  return loadTemplate(path, { ...TEMPLATE_OPTIONS, ...options });
}

/** The problems (one per line) that loading `body` throws; fails the test when it loads. */
export function templateProblems(body: string, options: Partial<LoadTemplateOptions> = {}): string[] {
  try {
    loadTemplateText(body, options);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).message.split('\n').slice(1);
  }
  throw new Error('expected a ConfigError');
}

/** An `AWS::Serverless::Function` resource named `id` running index.handler, with `extra` properties (YAML, 6 spaces in). */
export const samFunction = (id: string, extra = ''): string =>
  `  ${id}:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: nodejs22.x\n      Handler: index.handler\n      CodeUri: .\n${extra}`;

/** An `AWS::Lambda::Function` resource named `id`, with `extra` properties. */
export const lambdaFunction = (id: string, extra = ''): string =>
  `  ${id}:\n    Type: AWS::Lambda::Function\n    Properties:\n      Runtime: nodejs22.x\n      Handler: index.handler\n      Code: .\n${extra}`;

/** A resource of `type` with `props` (YAML flow map or block, 6 spaces in). */
export const resource = (id: string, type: string, props = ''): string => `  ${id}:\n    Type: ${type}\n${props === '' ? '' : `    Properties:\n${props}`}`;
