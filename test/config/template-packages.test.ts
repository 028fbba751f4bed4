/**
 * Template packages (src/config/template-packages.ts): zip `CodeUri` and `ContentUri`, inline
 * `Code.ZipFile`, and `Code.S3Bucket`/`S3Key` of a template bucket, extracted with the
 * management API's package code by `loadTemplatePackaged`.
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadTemplatePackaged, type LoadTemplateOptions } from '../../src/config/sam-template.js';
import { codeSha256 } from '../../src/control/package-limits.js';
import { S3Store } from '../../src/services/s3/s3-store.js';
import { registryFromFunctions } from '../../src/registry/template-load.js';
import { rawZip } from '../control/raw-zip.js';
import { yazlZip } from '../control/yazl-zip.js';

const OPTIONS: LoadTemplateOptions = { region: 'eu-west-1', accountId: '123456789012', today: new Date('2026-01-01') };
let dir: string;
let root: string;
let s3Root: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lamina-tpl-pkg-'));
  root = join(dir, 'state', 'template-packages');
  s3Root = join(dir, 'state', 's3');
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function template(resources: string): string {
  const path = join(dir, 'template.yaml');
  writeFileSync(path, `Resources:\n${resources}`);
  return path;
}

const load = (path: string) => loadTemplatePackaged(path, OPTIONS, root, s3Root);
const failure = (path: string): Promise<string> => load(path).then(() => 'loaded', (error: Error) => error.message);

describe('zip CodeUri', () => {
  it('extracts the zip once into a directory keyed by its digest; CodeSha256 is the zip\'s', async () => {
    const zip = await yazlZip([{ name: 'index.js', data: 'exports.handler = async () => 42;\n' }]);
    writeFileSync(join(dir, 'fn.zip'), zip);
    const path = template(`  Fn:\n    Type: AWS::Serverless::Function\n    Properties: { Runtime: nodejs22.x, Handler: index.handler, CodeUri: fn.zip }\n`);
    const [fn] = (await load(path)).functions;
    expect(fn?.codeDir).toBe(join(root, readdirSync(root).find((name) => !name.startsWith('.')) ?? ''));
    expect(readFileSync(join(fn?.codeDir ?? '', 'index.js'), 'utf8')).toContain('42');
    expect(fn?.codePackage).toEqual({ sha256: codeSha256(zip), size: zip.length });
    expect(registryFromFunctions(fn === undefined ? [] : [fn]).versions(fn?.name ?? '')?.[0]?.code).toEqual({ sha256: codeSha256(zip), size: zip.length });
    const before = statSync(join(fn?.codeDir ?? '', 'index.js')).ino;
    const [again] = (await load(path)).functions;
    expect([again?.codeDir, statSync(join(again?.codeDir ?? '', 'index.js')).ino]).toEqual([fn?.codeDir, before]);
    // A changed zip is a new directory: the old one stays for whatever still uses it.
    writeFileSync(join(dir, 'fn.zip'), await yazlZip([{ name: 'index.js', data: 'exports.handler = async () => 43;\n' }]));
    const [changed] = (await load(path)).functions;
    expect(changed?.codeDir).not.toBe(fn?.codeDir);
  });

  it('refuses a corrupt zip, a zip-slip and a missing file as template problems, writing nothing outside', async () => {
    const good = await yazlZip([{ name: 'index.js', data: 'x'.repeat(500) }]);
    const corrupt = Buffer.from(good);
    corrupt.fill(0xff, 40, 90);
    writeFileSync(join(dir, 'corrupt.zip'), corrupt);
    writeFileSync(join(dir, 'slip.zip'), rawZip([{ name: '../../../escaped.js', data: Buffer.from('x') }]));
    const message = await failure(template(`  Corrupt:
    Type: AWS::Serverless::Function
    Properties: { Runtime: nodejs22.x, Handler: index.handler, CodeUri: corrupt.zip }
  Slip:
    Type: AWS::Serverless::Function
    Properties: { Runtime: nodejs22.x, Handler: index.handler, CodeUri: slip.zip }
  Missing:
    Type: AWS::Serverless::Function
    Properties: { Runtime: nodejs22.x, Handler: index.handler, CodeUri: nowhere.zip }
`));
    expect(message).toContain('Resource Corrupt: property CodeUri: Could not unzip uploaded file. Please check your file, then try to upload again.');
    expect(message).toMatch(/Resource Slip: property CodeUri: .*\.\.\/\.\.\/\.\.\/escaped\.js/);
    expect(message).toContain(`Resource Missing: property CodeUri: zip file ${join(dir, 'nowhere.zip')} does not exist`);
    expect(readdirSync(dir).sort()).toEqual(['corrupt.zip', 'slip.zip', 'state', 'template.yaml']);
    expect(readdirSync(root).filter((name) => !name.startsWith('.'))).toEqual([]);
  });
});

describe('zip ContentUri', () => {
  it('extracts a layer zip; a provided function without its own bootstrap runs the layer\'s', async () => {
    writeFileSync(join(dir, 'layer.zip'), await yazlZip([{ name: 'bootstrap', data: '#!/bin/sh\nexit 0\n', mode: 0o100755 }, { name: 'python/shared.py', data: 'X = 1\n' }]));
    mkdirSync(join(dir, 'code'));
    const [fn] = (await load(template(`  Deps:
    Type: AWS::Serverless::LayerVersion
    Properties: { ContentUri: layer.zip }
  Fn:
    Type: AWS::Serverless::Function
    Properties: { Runtime: provided.al2023, Handler: x, CodeUri: code/, Layers: [!Ref Deps] }
`))).functions;
    const layerDir = fn?.layers?.[0] ?? '';
    expect(layerDir.startsWith(`${root}/`)).toBe(true);
    expect(readFileSync(join(layerDir, 'python', 'shared.py'), 'utf8')).toBe('X = 1\n');
    expect(fn?.launch).toEqual({ kind: 'bootstrap', command: join(layerDir, 'bootstrap'), args: [] });
  });
});

describe('inline Code.ZipFile', () => {
  it('writes Node.js source as index.js and Python source as index.py (CloudFormation\'s names)', async () => {
    const { functions } = await load(template(`  Node:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: nodejs22.x
      Handler: index.handler
      Code:
        ZipFile: |
          exports.handler = async () => 'inline';
  Py:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      Code: { ZipFile: "def handler(event, context):\\n    return 1\\n" }
  Sub:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: nodejs22.x
      Handler: index.handler
      Code:
        ZipFile: !Sub "exports.handler = async () => '\${AWS::Region}';"
`));
    const node = functions.find((fn) => fn.name === 'Node');
    const py = functions.find((fn) => fn.name === 'Py');
    expect(readdirSync(node?.codeDir ?? '')).toEqual(['index.js']);
    expect(readFileSync(join(node?.codeDir ?? '', 'index.js'), 'utf8')).toBe("exports.handler = async () => 'inline';\n");
    const source = Buffer.from("exports.handler = async () => 'inline';\n");
    expect(node?.codePackage).toEqual({ sha256: codeSha256(source), size: source.length });
    expect(readFileSync(join(py?.codeDir ?? '', 'index.py'), 'utf8')).toBe('def handler(event, context):\n    return 1\n');
    const sub = functions.find((fn) => fn.name === 'Sub');
    expect(readFileSync(join(sub?.codeDir ?? '', 'index.js'), 'utf8')).toBe("exports.handler = async () => 'eu-west-1';");
  });

  it('refuses inline source for other runtimes', async () => {
    expect(await failure(template(`  Sh:\n    Type: AWS::Lambda::Function\n    Properties: { Runtime: provided.al2023, Handler: x, Code: { ZipFile: "echo" } }\n`)))
      .toContain('Resource Sh: property Code.ZipFile: inline source is for Node.js and Python runtimes only');
  });
});

describe('Code.S3Bucket / S3Key', () => {
  it('reads the object from the embedded S3\'s files when the bucket is the template\'s; clear problems otherwise', async () => {
    const zip = await yazlZip([{ name: 'index.js', data: 'exports.handler = async () => "s3";\n' }]);
    const store = new S3Store(s3Root);
    store.createBucket('artifacts');
    await store.putObject('artifacts', 'fn.zip', Readable.from([zip]), 1 << 30, (size) => ({ key: 'fn.zip', size, etag: '"x"', lastModified: 0, headers: {}, metadata: {} }));
    const bucket = `  Artifacts:\n    Type: AWS::S3::Bucket\n    Properties: { BucketName: artifacts }\n`;
    const ok = await load(template(`${bucket}  Fn:\n    Type: AWS::Lambda::Function\n    Properties: { Runtime: nodejs22.x, Handler: index.handler, Code: { S3Bucket: artifacts, S3Key: fn.zip } }\n`));
    expect(readFileSync(join(ok.functions[0]?.codeDir ?? '', 'index.js'), 'utf8')).toContain('"s3"');
    expect(ok.functions[0]?.codePackage?.sha256).toBe(codeSha256(zip));
    const message = await failure(template(`${bucket}  Missing:
    Type: AWS::Lambda::Function
    Properties: { Runtime: nodejs22.x, Handler: index.handler, Code: { S3Bucket: artifacts, S3Key: other.zip } }
  Elsewhere:
    Type: AWS::Lambda::Function
    Properties: { Runtime: nodejs22.x, Handler: index.handler, Code: { S3Bucket: my-deploy-bucket, S3Key: fn.zip } }
`));
    expect(message).toContain('Resource Missing: property Code: s3://artifacts/other.zip does not exist in the embedded S3');
    expect(message).toContain('Resource Elsewhere: property Code: s3://my-deploy-bucket/fn.zip is not in a bucket of this template');
  });
});
