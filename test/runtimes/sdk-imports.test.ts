/**
 * Which AWS SDK packages a Node.js function imports without bringing them (sdk-imports.ts), the
 * store's refusals and its link into the client's folder (aws-sdk-store.ts), and what
 * resolveFunctionNodes does when the packages cannot be installed.
 */
import { lstatSync, mkdirSync, mkdtempSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FunctionConfig } from '../../src/config/function-config.js';
import { installSdkPackages, linkIntoRuntime, SDK_PACKAGE } from '../../src/runtimes/aws-sdk-store.js';
import { resolveFunctionNodes } from '../../src/runtimes/function-nodes.js';
import { boundedSdkImports, MAX_PACKAGES, sdkImportsOf, sdkSpecifiersIn } from '../../src/runtimes/sdk-imports.js';
import { customRuntimeFunction } from '../helpers/function-config.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'lamina-sdk-imports-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function write(path: string, text: string): void {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
}

const nodeFunction = (codeDir: string, overrides: Partial<FunctionConfig> = {}): FunctionConfig =>
  customRuntimeFunction('fn', codeDir, { runtime: 'nodejs22.x', handler: 'index.handler', launch: { kind: 'node-ric', runtime: 'nodejs22.x', node: process.execPath }, ...overrides });

describe('sdkSpecifiersIn', () => {
  it('finds static, side-effect, dynamic, re-exported and required SDK packages, subpaths reduced to the package', () => {
    const text = [
      "import { S3Client } from '@aws-sdk/client-s3';",
      'import "@aws-sdk/client-sts";',
      "const { DynamoDBDocumentClient } = await import('@aws-sdk/lib-dynamodb');",
      "export { fromUtf8 } from '@smithy/util-utf8';",
      "const { SQSClient } = require( '@aws-sdk/client-sqs' );",
      "const sub = require('@aws-sdk/client-s3/dist-cjs/index.js');",
      'const minified=require("@aws-sdk/client-sns"),x=1;',
    ].join('\n');
    expect(sdkSpecifiersIn(text)).toEqual(['@aws-sdk/client-s3', '@aws-sdk/client-sns', '@aws-sdk/client-sqs', '@aws-sdk/client-sts', '@aws-sdk/lib-dynamodb', '@smithy/util-utf8']);
  });

  it('ignores other scopes, prose and names that are not package names', () => {
    const text = ["import x from 'aws-sdk';", "import y from '@aws-sdkx/client';", '// the @aws-sdk/client-s3 package', "require('@aws-sdk/../etc')", "import z from '@types/aws-lambda';"].join('\n');
    expect(sdkSpecifiersIn(text)).toEqual([]);
  });
});

describe('sdkImportsOf', () => {
  it('reads the code\'s scripts (not node_modules, hidden folders or other files) and leaves out what the code or a layer brings', () => {
    write('code/index.mjs', "import '@aws-sdk/client-s3'; import '@aws-sdk/client-sqs'; import '@aws-sdk/client-sns'; import '@aws-sdk/client-kms';");
    write('code/lib/deep/util.cjs', "require('@aws-sdk/lib-dynamodb')");
    write('code/node_modules/dep/index.js', "require('@aws-sdk/client-iam')");
    write('code/.cache/x.js', "require('@aws-sdk/client-ec2')");
    write('code/readme.md', "import '@aws-sdk/client-ecs'");
    write('code/node_modules/@aws-sdk/client-sqs/package.json', '{}');
    write('layer1/nodejs/node_modules/@aws-sdk/client-sns/package.json', '{}');
    write('layer2/nodejs/node22/node_modules/@aws-sdk/client-kms/package.json', '{}');
    const fn = nodeFunction(join(root, 'code'), { layers: [join(root, 'layer1'), join(root, 'layer2')] });
    expect(sdkImportsOf(fn)).toEqual(['@aws-sdk/client-s3', '@aws-sdk/lib-dynamodb']);
  });

  it('a package in node_modules of a folder above the code still counts as missing: an environment sees only /var/task', () => {
    write('project/node_modules/@aws-sdk/client-s3/package.json', '{}');
    write('project/fn/index.js', "require('@aws-sdk/client-s3')");
    expect(sdkImportsOf(nodeFunction(join(root, 'project', 'fn')))).toEqual(['@aws-sdk/client-s3']);
  });

  it('asks nothing for other runtimes and container images', () => {
    write('code/index.js', "require('@aws-sdk/client-s3')");
    expect(sdkImportsOf(customRuntimeFunction('fn', join(root, 'code')))).toEqual([]);
    expect(sdkImportsOf(nodeFunction(join(root, 'code'), { image: { uri: 'x:latest' } as FunctionConfig['image'] }))).toEqual([]);
  });
});

describe('hostile code', () => {
  it('naming hundreds of SDK packages gets the first 64 and a warning; other names never reach npm', () => {
    const many = Array.from({ length: 300 }, (_, i) => `require('@aws-sdk/client-fake-${String(i).padStart(3, '0')}');`);
    write('code/index.js', [...many, "require('left-pad'); require('@aws-sdk/client-s3; rm -rf /'); require('../@aws-sdk/x');"].join('\n'));
    const fn = nodeFunction(join(root, 'code'));
    const { names, warning } = boundedSdkImports(fn);
    expect(names).toHaveLength(MAX_PACKAGES);
    expect(names[0]).toBe('@aws-sdk/client-fake-000');
    expect(names.every((name) => /^@aws-sdk\/client-fake-\d{3}$/.test(name))).toBe(true);
    expect(warning).toBe(`fn: imports 300 AWS SDK packages; only the first ${MAX_PACKAGES} (by name) are installed, the others will fail to import (lamina runtimes install @aws-sdk/<name> adds one)`);
  });

  it('a code folder of more files than the scan reads is cut, not read whole', () => {
    // Breadth first: the top folder's 5,000 files are the ones read, the subfolder's file never is.
    for (let i = 0; i < 5_000; i += 1) write(`code/f${i}.js`, i === 0 ? "require('@aws-sdk/client-early')" : '');
    write('code/sub/late.js', "require('@aws-sdk/client-late')");
    expect(sdkImportsOf(nodeFunction(join(root, 'code')))).toEqual(['@aws-sdk/client-early']);
  });
});

describe('the store', () => {
  it('installs only packages of the SDK\'s scopes: never a path, a version or another package', async () => {
    for (const bad of ['lodash', '@aws-sdk/client-s3@3.0.0', '@aws-sdk/../../etc', '--registry=http://evil', '@aws-sdk/Client', 'file:/tmp/x']) {
      expect(SDK_PACKAGE.test(bad), bad).toBe(false);
      await expect(installSdkPackages([bad], { root: join(root, 'store'), ricDir: false })).rejects.toThrow(/is not a package of the AWS SDK for JavaScript/);
    }
  });

  it('links the client\'s folder to the store once it has packages, replaces a stale link, and leaves a real folder alone', () => {
    const ric = join(root, 'ric');
    mkdirSync(ric);
    linkIntoRuntime(ric, join(root, 'store'));
    expect(() => lstatSync(join(ric, 'node_modules'))).toThrow();
    mkdirSync(join(root, 'store', 'node_modules'), { recursive: true });
    symlinkSync(join(root, 'elsewhere'), join(ric, 'node_modules'));
    linkIntoRuntime(ric, join(root, 'store'));
    expect(readlinkSync(join(ric, 'node_modules'))).toBe(join(root, 'store', 'node_modules'));
    const other = join(root, 'ric2');
    mkdirSync(join(other, 'node_modules'), { recursive: true });
    linkIntoRuntime(other, join(root, 'store'));
    expect(lstatSync(join(other, 'node_modules')).isDirectory()).toBe(true);
  });

  it('resolveFunctionNodes: packages that cannot be installed are a warning naming them and the functions, not a failure', async () => {
    write('code/index.mjs', "import { S3Client } from '@aws-sdk/client-s3';");
    const result = await resolveFunctionNodes([nodeFunction(join(root, 'code'))], { offline: true, sdkRoot: join(root, 'store'), ricDir: false, host: { path: process.execPath, version: '22.1.0' } });
    expect(result.sdkInstalled).toEqual([]);
    expect(result.warnings).toEqual([expect.stringMatching(/^fn: the AWS SDK packages @aws-sdk\/client-s3 \(which Lambda's Node\.js runtimes provide\) could not be installed \(offline\); importing them will fail$/)]);
  });
});
