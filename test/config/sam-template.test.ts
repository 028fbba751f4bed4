import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { parseTemplateText } from '../../src/config/cfn-yaml.js';
import { loadTemplate, type LoadTemplateOptions } from '../../src/config/sam-template.js';
import { findPython } from '../../src/config/python-runtime.js';
import { nodeAtHand } from '../../src/runtimes/function-nodes.js';

// Judged before Lambda deprecated nodejs20.x (2026-04-30), which these tests use throughout; the
// deprecation warnings themselves are tested in test/config/runtime-catalog.test.ts.
const OPTIONS: LoadTemplateOptions = { region: 'eu-west-1', accountId: '123456789012', today: new Date('2026-01-01') };
const dirs: string[] = [];

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A temp project: `src/index.mjs`, an executable `rt/bootstrap`, a non-executable `noexec/bootstrap`. */
function project(template: string, fileName = 'template.yaml'): string {
  const dir = mkdtempSync(join(tmpdir(), 'lamina-sam-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'src'));
  writeFileSync(join(dir, 'src', 'index.mjs'), 'export const handler = async () => 1;\n');
  mkdirSync(join(dir, 'rt'));
  writeFileSync(join(dir, 'rt', 'bootstrap'), '#!/bin/sh\nexit 0\n');
  chmodSync(join(dir, 'rt', 'bootstrap'), 0o755);
  mkdirSync(join(dir, 'noexec'));
  writeFileSync(join(dir, 'noexec', 'bootstrap'), '#!/bin/sh\n');
  chmodSync(join(dir, 'noexec', 'bootstrap'), 0o644);
  writeFileSync(join(dir, 'archive.zip'), 'PK');
  const path = join(dir, fileName);
  writeFileSync(path, template);
  return path;
}

/** The ConfigError message thrown by loading `template`. */
function problems(template: string, options: LoadTemplateOptions = OPTIONS): string {
  const path = project(template);
  try {
    loadTemplate(path, options);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).message;
  }
  throw new Error('expected a ConfigError');
}

const fn = (props: string, type = 'AWS::Serverless::Function', id = 'HelloFunction'): string =>
  `Resources:\n  ${id}:\n    Type: ${type}\n    Properties:\n${props.replace(/^/gm, '      ')}\n`;

const NODE = 'Runtime: nodejs20.x\nHandler: index.handler\nCodeUri: src/';

describe('loadTemplate: AWS::Serverless::Function', () => {
  it('loads a function with the documented defaults', () => {
    const path = project(fn(NODE));
    const { functions, warnings } = loadTemplate(path, OPTIONS);
    expect(warnings).toEqual([]);
    expect(functions).toEqual([
      {
        name: 'HelloFunction',
        arn: 'arn:aws:lambda:eu-west-1:123456789012:function:HelloFunction',
        region: 'eu-west-1',
        accountId: '123456789012',
        runtime: 'nodejs20.x',
        handler: 'index.handler',
        codeDir: join(resolve(path, '..'), 'src'),
        launch: { kind: 'node-ric', runtime: 'nodejs20.x', node: process.execPath },
        memorySize: 128,
        timeout: 3,
        environment: {},
        reservedConcurrency: undefined,
        logFormat: 'Text',
        logLevel: undefined,
        inheritedEnvironment: undefined,
      },
    ]);
  });

  it('accepts every supported node runtime and uses FunctionName when given', () => {
    const hostRuntime = `nodejs${process.versions.node.split('.')[0] ?? ''}.x`;
    for (const runtime of ['nodejs18.x', 'nodejs20.x', 'nodejs22.x', 'nodejs24.x', 'nodejs26.x']) {
      const { functions } = loadTemplate(project(fn(`Runtime: ${runtime}\nHandler: index.handler\nCodeUri: src\nFunctionName: my-fn_1`)), OPTIONS);
      expect(functions[0]?.name).toBe('my-fn_1');
      expect(functions[0]?.arn).toBe('arn:aws:lambda:eu-west-1:123456789012:function:my-fn_1');
      // The host's node for its own major; another major: the cache's, or '' until installed.
      const node = runtime === hostRuntime ? process.execPath : expect.stringMatching(new RegExp(`^$|/node-v${runtime.slice(6, 8)}\\.\\d+\\.\\d+/bin/node$`));
      expect(functions[0]?.launch).toEqual({ kind: 'node-ric', runtime, node });
    }
  });

  it('defaults CodeUri to the template directory (SAM uses ".")', () => {
    const path = project(fn('Runtime: nodejs20.x\nHandler: src/index.handler'));
    expect(loadTemplate(path, OPTIONS).functions[0]?.codeDir).toBe(resolve(path, '..'));
  });

  it('launches provided runtimes through <codeDir>/bootstrap', () => {
    for (const runtime of ['provided', 'provided.al2', 'provided.al2023']) {
      const path = project(fn(`Runtime: ${runtime}\nCodeUri: rt/`));
      const [loaded] = loadTemplate(path, OPTIONS).functions;
      expect(loaded?.launch).toEqual({ kind: 'bootstrap', command: join(resolve(path, '..'), 'rt', 'bootstrap'), args: [] });
      expect(loaded?.handler).toBe('');
    }
  });

  it('merges Globals.Function under each function, environment variables key by key', () => {
    const path = project(`
Globals:
  Function:
    Runtime: nodejs20.x
    Handler: index.handler
    Timeout: 30
    MemorySize: 512
    Layers: [arn:aws:lambda:eu-west-1:123456789012:layer:a:1]
    Environment:
      Variables:
        SHARED: from-globals
        OVERRIDDEN: from-globals
Resources:
  A:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Timeout: 60
      Environment:
        Variables:
          OVERRIDDEN: from-resource
          OWN: a
  B:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Runtime: nodejs22.x
  L:
    Type: AWS::Lambda::Function
    Properties:
      Code: src/
      Runtime: nodejs20.x
      Handler: index.handler
`);
    const { functions, warnings } = loadTemplate(path, OPTIONS);
    const [a, b, l] = functions;
    expect(a).toMatchObject({ timeout: 60, memorySize: 512, runtime: 'nodejs20.x', environment: { SHARED: 'from-globals', OVERRIDDEN: 'from-resource', OWN: 'a' } });
    expect(b).toMatchObject({ timeout: 30, memorySize: 512, runtime: 'nodejs22.x', environment: { SHARED: 'from-globals', OVERRIDDEN: 'from-globals' } });
    // Globals apply to AWS::Serverless::Function only.
    expect(l).toMatchObject({ timeout: 3, memorySize: 128, environment: {} });
    expect(warnings).toEqual([
      'Resource A: property Layers: "arn:aws:lambda:eu-west-1:123456789012:layer:a:1" is not a layer resource of this template (published layer ARNs are found only by `lamina serve`); ignored',
      'Resource B: property Layers: "arn:aws:lambda:eu-west-1:123456789012:layer:a:1" is not a layer resource of this template (published layer ARNs are found only by `lamina serve`); ignored',
    ]);
  });

  it('ignores FunctionName in Globals with a warning', () => {
    const path = project(`Globals:\n  Function:\n    FunctionName: shared\n${fn(NODE)}`);
    const { functions, warnings } = loadTemplate(path, OPTIONS);
    expect(functions[0]?.name).toBe('HelloFunction');
    expect(warnings).toEqual(['Globals: property Function.FunctionName cannot be global (SAM refuses it); ignored']);
  });

  it('reads logging, reserved concurrency and coerces environment values to strings', () => {
    const path = project(
      fn(`${NODE}
MemorySize: "1024"
ReservedConcurrentExecutions: 0
LoggingConfig: { LogFormat: JSON, ApplicationLogLevel: DEBUG }
Environment:
  Variables: { NUM: 42, FLAG: true, TEXT: hi, EMPTY: "" }`),
    );
    expect(loadTemplate(path, OPTIONS).functions[0]).toMatchObject({
      memorySize: 1024,
      reservedConcurrency: 0,
      logFormat: 'JSON',
      logLevel: 'DEBUG',
      environment: { NUM: '42', FLAG: 'true', TEXT: 'hi', EMPTY: '' },
    });
  });

  it('ignores ApplicationLogLevel unless LogFormat is JSON', () => {
    const path = project(fn(`${NODE}\nLoggingConfig: { ApplicationLogLevel: WARN }`));
    const { functions, warnings } = loadTemplate(path, OPTIONS);
    expect(functions[0]).toMatchObject({ logFormat: 'Text', logLevel: undefined });
    expect(warnings).toEqual(['Resource HelloFunction: property LoggingConfig.ApplicationLogLevel: ignored: application log levels apply only when LogFormat is JSON']);
  });

  it('loads container image functions: ImageUri and ImageConfig (issue 6)', () => {
    const path = project(`${fn(NODE)}  Img:\n    Type: AWS::Serverless::Function\n    Properties:\n      PackageType: Image\n      ImageUri: repo:latest\n      MemorySize: 512\n      ImageConfig:\n        Command: [app.handler]\n        EntryPoint: [/lambda-entrypoint.sh]\n        WorkingDirectory: /var/task\n`);
    const { functions, warnings } = loadTemplate(path, OPTIONS);
    expect(functions.map((f) => f.name)).toEqual(['HelloFunction', 'Img']);
    expect(warnings).toEqual([]);
    expect(functions[1]).toMatchObject({
      runtime: '',
      handler: '',
      memorySize: 512,
      image: { uri: 'repo:latest', command: ['app.handler'], entryPoint: ['/lambda-entrypoint.sh'], workingDirectory: '/var/task', dockerfile: undefined },
    });
    expect(functions[0]?.image).toBeUndefined();
  });

  it('tags an image built from Metadata.Dockerfile as sam build does, with its context and build args', () => {
    const path = project(`Resources:\n  MyImg:\n    Type: AWS::Serverless::Function\n    Properties:\n      PackageType: Image\n      Runtime: nodejs20.x\n    Metadata:\n      Dockerfile: Dockerfile\n      DockerContext: src\n      DockerTag: v1\n      DockerBuildArgs: { MODE: fast }\n`);
    writeFileSync(join(path, '..', 'src', 'Dockerfile'), 'FROM scratch\n');
    const { functions, warnings } = loadTemplate(path, OPTIONS);
    expect(functions[0]?.image).toMatchObject({ uri: 'myimg:v1', dockerfile: join(path, '..', 'src', 'Dockerfile'), dockerContext: join(path, '..', 'src'), buildArgs: { MODE: 'fast' } });
    expect(warnings).toEqual(['Resource MyImg: property Runtime: ignored: a container image function takes it from its image']);
  });

  it('reports an image function with neither ImageUri nor Dockerfile, and a missing Dockerfile', () => {
    expect(problems(fn('PackageType: Image'))).toMatch(/property ImageUri: is required for PackageType Image/);
    const message = problems(`Resources:\n  A:\n    Type: AWS::Serverless::Function\n    Properties:\n      PackageType: Image\n    Metadata:\n      Dockerfile: Nope\n      DockerContext: src\n`);
    expect(message).toMatch(/Resource A: property Metadata.Dockerfile: .*src\/Nope does not exist/);
  });

  it('skips a function whose Condition is false', () => {
    const path = project(`
Parameters:
  Env: { Type: String, Default: dev }
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  IsDev: !Not [!Condition IsProd]
${fn(NODE, 'AWS::Serverless::Function', 'Always')}  ProdOnly:
    Type: AWS::Serverless::Function
    Condition: IsProd
    Properties: { Runtime: nodejs20.x, Handler: index.handler, CodeUri: src/ }
  DevOnly:
    Type: AWS::Serverless::Function
    Condition: IsDev
    Properties: { Runtime: nodejs20.x, Handler: index.handler, CodeUri: src/ }
`);
    const { functions, warnings } = loadTemplate(path, OPTIONS);
    expect(functions.map((f) => f.name)).toEqual(['Always', 'DevOnly']);
    expect(warnings).toEqual(['Resource ProdOnly: skipped: condition IsProd is false']);
  });
});

describe('loadTemplate: AWS::Lambda::Function', () => {
  it('loads Handler, Runtime, Code as a local path and the other properties', () => {
    const path = project(
      fn(
        `Runtime: nodejs22.x
Handler: index.handler
Code: ./src
FunctionName: plain-lambda
MemorySize: 2048
Timeout: 900
ReservedConcurrentExecutions: 7
LoggingConfig: { LogFormat: Text }
Environment: { Variables: { A1: x } }`,
        'AWS::Lambda::Function',
        'Plain',
      ),
    );
    expect(loadTemplate(path, OPTIONS).functions[0]).toMatchObject({
      name: 'plain-lambda',
      runtime: 'nodejs22.x',
      codeDir: join(resolve(path, '..'), 'src'),
      memorySize: 2048,
      timeout: 900,
      reservedConcurrency: 7,
      logFormat: 'Text',
      environment: { A1: 'x' },
    });
  });

  it('refuses inline code without a package directory, and S3 code outside the template\'s buckets', () => {
    const message = problems(`Resources:
  Zip:
    Type: AWS::Lambda::Function
    Properties: { Runtime: nodejs20.x, Handler: index.handler, Code: { ZipFile: "exports.handler = 1" } }
  S3:
    Type: AWS::Lambda::Function
    Properties: { Runtime: nodejs20.x, Handler: index.handler, Code: { S3Bucket: b, S3Key: k } }
`);
    expect(message).toContain('Resource Zip: property Code.ZipFile: is a package that only `lamina serve` extracts');
    expect(message).toContain('Resource S3: property Code: s3://b/k is not in a bucket of this template (AWS::S3::Bucket)');
  });
});

describe('loadTemplate: validation', () => {
  it('names the resource and the property, e.g. MemorySize outside its range', () => {
    expect(problems(fn(`${NODE}\nMemorySize: 100`))).toBe(
      `Template ${dirs[0]}/template.yaml has 1 problem:\nResource HelloFunction: property MemorySize: 100 is outside 128-10240 MB`,
    );
  });

  it('reads AutoPublishAlias and ProvisionedConcurrencyConfig, which needs the alias', () => {
    const { functions } = loadTemplate(project(fn(`${NODE}\nAutoPublishAlias: live\nProvisionedConcurrencyConfig:\n  ProvisionedConcurrentExecutions: 2`)), OPTIONS);
    expect(functions[0]).toMatchObject({ publishedAlias: 'live', provisionedConcurrency: 2 });
    expect(problems(fn(`${NODE}\nProvisionedConcurrencyConfig:\n  ProvisionedConcurrentExecutions: 2`))).toContain('Resource HelloFunction: property ProvisionedConcurrencyConfig: needs AutoPublishAlias');
  });

  it('reads EphemeralStorage.Size (512-10240 MB) for /tmp', () => {
    const { functions } = loadTemplate(project(fn(`${NODE}\nEphemeralStorage:\n  Size: 1024`)), OPTIONS);
    expect(functions[0]?.ephemeralStorageMb).toBe(1024);
    expect(loadTemplate(project(fn(NODE)), OPTIONS).functions[0]?.ephemeralStorageMb).toBeUndefined();
    expect(problems(fn(`${NODE}\nEphemeralStorage:\n  Size: 256`))).toContain('Resource HelloFunction: property EphemeralStorage.Size: 256 is outside 512-10240 MB');
  });

  it('collects every problem of every function into one error, one per line', () => {
    const message = problems(`Resources:
  A:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      Handler: index.handler
      CodeUri: src/
      MemorySize: 10241
      Timeout: 0
      ReservedConcurrentExecutions: -1
      Environment:
        Variables:
          1ABC: x
          A: too-short
          A-B: dash
          AWS_REGION: reserved
          _HANDLER: reserved
          NESTED: { a: 1 }
  B:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      Handler: index.handler
      CodeUri: missing-dir/
      MemorySize: 256.5
      Timeout: 901
  C:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: java21
      CodeUri: src/
  D:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      CodeUri: src/
  E:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: archive.zip
      Runtime: nodejs20.x
      Handler: index.handler
  F:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: provided.al2023
      CodeUri: src/
  G:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: provided.al2
      CodeUri: noexec/
  H:
    Type: AWS::Serverless::Function
    Properties:
      Handler: index.handler
      CodeUri: src/
`);
    const lines = message.split('\n');
    expect(lines[0]).toMatch(/^Template .*template\.yaml has 18 problems:$/);
    expect(lines).toHaveLength(19);
    const expected = [
      'Resource A: property MemorySize: 10241 is outside 128-10240 MB',
      'Resource A: property Timeout: 0 is outside 1-900 seconds',
      'Resource A: property ReservedConcurrentExecutions: -1 is below 0',
      'Resource A: property Environment.Variables.1ABC: name "1ABC" must match [a-zA-Z]([a-zA-Z0-9_])+',
      'Resource A: property Environment.Variables.A: name "A" must match [a-zA-Z]([a-zA-Z0-9_])+',
      'Resource A: property Environment.Variables.A-B: name "A-B" must match [a-zA-Z]([a-zA-Z0-9_])+',
      'Resource A: property Environment.Variables.AWS_REGION: AWS_REGION is reserved by Lambda and cannot be set',
      'Resource A: property Environment.Variables._HANDLER: name "_HANDLER" must match [a-zA-Z]([a-zA-Z0-9_])+',
      'Resource A: property Environment.Variables.NESTED: {"a":1} is not a string, number or boolean',
      `Resource B: property CodeUri: directory ${join(dirs[0] ?? '', 'missing-dir')} does not exist`,
      'Resource B: property MemorySize: 256.5 is not an integer',
      'Resource B: property Timeout: 901 is outside 1-900 seconds',
      'Resource C: property Runtime: java21 (Java) is not run by Lamina: use Runtime: provided.al2023 with an executable bootstrap in the code directory (e.g. a GraalVM native image, or a JVM started by the bootstrap), or package the function as a container image (PackageType: Image)',
      'Resource D: property Handler: is required for nodejs20.x (e.g. index.handler)',
      'Resource E: property CodeUri: is a package that only `lamina serve` extracts (this loader has no package directory)',
      `Resource F: property CodeUri: provided.al2023 needs an executable file ${join(dirs[0] ?? '', 'src', 'bootstrap')}, which does not exist`,
      `Resource G: property CodeUri: ${join(dirs[0] ?? '', 'noexec', 'bootstrap')} is not executable (chmod +x it)`,
      'Resource H: property Runtime: is required',
    ];
    for (const line of expected) expect(lines).toContain(line);
  });

  it('rejects reserved environment names that match the name pattern', () => {
    const names = ['AWS_ACCESS_KEY_ID', 'AWS_LAMBDA_RUNTIME_API', 'LAMBDA_TASK_ROOT', 'AWS_EXECUTION_ENV'];
    const message = problems(fn(`${NODE}\nEnvironment:\n  Variables:\n${names.map((n) => `    ${n}: x`).join('\n')}`));
    for (const name of names) expect(message).toContain(`Resource HelloFunction: property Environment.Variables.${name}: ${name} is reserved by Lambda`);
  });

  it('limits environment variables to 4 KB of keys and values', () => {
    // Key "BIG" (3 bytes) + value: exactly 4096 bytes passes, 4097 fails.
    const ok = project(fn(`${NODE}\nEnvironment: { Variables: { BIG: "${'x'.repeat(4093)}" } }`));
    expect(loadTemplate(ok, OPTIONS).functions[0]?.environment.BIG).toHaveLength(4093);
    expect(problems(fn(`${NODE}\nEnvironment: { Variables: { BIG: "${'x'.repeat(4094)}" } }`))).toContain(
      'Resource HelloFunction: property Environment.Variables: total size 4097 bytes exceeds the 4096 byte (4 KB) limit',
    );
  });

  it('counts environment size in UTF-8 bytes', () => {
    expect(problems(fn(`${NODE}\nEnvironment: { Variables: { UNI: "${'é'.repeat(2047)}" } }`))).toContain('total size 4097 bytes');
  });

  it('refuses S3 code outside the template\'s buckets and SAM InlineCode', () => {
    const message = problems(`Resources:
  S3String:
    Type: AWS::Serverless::Function
    Properties: { Runtime: nodejs20.x, Handler: index.handler, CodeUri: s3://bucket/key.zip }
  S3Object:
    Type: AWS::Serverless::Function
    Properties: { Runtime: nodejs20.x, Handler: index.handler, CodeUri: { Bucket: b, Key: k } }
  Inline:
    Type: AWS::Serverless::Function
    Properties: { Runtime: nodejs20.x, Handler: index.handler, InlineCode: "exports.handler = 1" }
`);
    expect(message).toContain('Resource S3String: property CodeUri: s3://bucket/key.zip is not in a bucket of this template');
    expect(message).toContain('Resource S3Object: property CodeUri: s3://b/k is not in a bucket of this template');
    expect(message).toContain('Resource Inline: property InlineCode: inline code is not supported yet');
  });

  it('refuses bad log formats, log levels, package types and function names', () => {
    const message = problems(`Resources:
  A:
    Type: AWS::Serverless::Function
    Properties: { Runtime: nodejs20.x, Handler: index.handler, CodeUri: src/, LoggingConfig: { LogFormat: XML } }
  B:
    Type: AWS::Serverless::Function
    Properties: { Runtime: nodejs20.x, Handler: index.handler, CodeUri: src/, LoggingConfig: { LogFormat: JSON, ApplicationLogLevel: LOUD } }
  C:
    Type: AWS::Serverless::Function
    Properties: { Runtime: nodejs20.x, Handler: index.handler, CodeUri: src/, PackageType: Jar }
  D:
    Type: AWS::Serverless::Function
    Properties: { Runtime: nodejs20.x, Handler: index.handler, CodeUri: src/, FunctionName: "has space" }
`);
    expect(message).toContain('Resource A: property LoggingConfig.LogFormat: "XML" is not Text or JSON');
    expect(message).toContain('Resource B: property LoggingConfig.ApplicationLogLevel: "LOUD" is not one of TRACE, DEBUG, INFO, WARN, ERROR, FATAL');
    expect(message).toContain('Resource C: property PackageType: "Jar" is not Zip or Image');
    expect(message).toContain('Resource D: property FunctionName: "has space" must be 1-64 letters, digits, hyphens or underscores');
  });

  it('refuses two functions with the same name', () => {
    const message = problems(`${fn(NODE, 'AWS::Serverless::Function', 'One')}  Two:
    Type: AWS::Lambda::Function
    Properties: { Runtime: nodejs20.x, Handler: index.handler, Code: src/, FunctionName: One }
`);
    expect(message).toContain('Resource Two: property FunctionName: function name One is already used by resource One');
  });
});

describe('loadTemplate: template files', () => {
  it('reports a missing template with its name', () => {
    expect(() => loadTemplate('/nonexistent/dir/template.yaml', OPTIONS)).toThrow(
      new ConfigError('Cannot read template /nonexistent/dir/template.yaml: no such file'),
    );
  });

  it('reports invalid YAML with the file name and position', () => {
    const message = problems('Resources:\n  A:\n    Type: [unclosed\n');
    expect(message).toMatch(/^Template .*template\.yaml is not valid YAML: .*line \d+, column \d+/s);
  });

  it('reports duplicate keys and unknown tags with their position', () => {
    expect(problems('Resources: {}\nResources: {}\n')).toMatch(/is not valid YAML: Map keys must be unique at line 2, column 1/);
    expect(problems(`${fn(NODE)}Outputs:\n  X: !Bogus y\n`)).toMatch(/unknown tag !Bogus at line \d+, column \d+/);
  });

  it('reports a template without functions', () => {
    expect(problems('Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n')).toMatch(/defines no function Lamina can run/);
    expect(problems('AWSTemplateFormatVersion: "2010-09-09"\n')).toMatch(/has no Resources section/);
    expect(problems('- just\n- a list\n')).toMatch(/the top level must be a map/);
  });

  it('reads JSON templates', () => {
    const template = { Resources: { J: { Type: 'AWS::Lambda::Function', Properties: { Runtime: 'provided.al2', Code: 'rt', Environment: { Variables: { R1: { Ref: 'AWS::Region' } } } } } } };
    const path = project(JSON.stringify(template), 'template.json');
    expect(loadTemplate(path, OPTIONS).functions[0]).toMatchObject({ name: 'J', runtime: 'provided.al2', environment: { R1: 'eu-west-1' } });
    expect(() => loadTemplate(project('{"Resources": ', 'broken.json'), OPTIONS)).toThrow(/broken\.json is not valid JSON/);
  });
});

describe('CloudFormation short-form tags and intrinsics', () => {
  it('turns every short-form tag into its long form', () => {
    const parsed = parseTemplateText(
      `
a: !Ref Param
b: !Sub 'x-\${AWS::Region}'
c: !Sub ['\${A}', { A: !Ref B }]
d: !GetAtt Table.Arn
e: !GetAtt [Table, StreamArn]
f: !Join [',', [a, b]]
g: !If [Cond, 1, 2]
h: !Select [0, !GetAZs '']
i: !Split [',', 'a,b']
j: !FindInMap [Map, K1, K2]
k: !Base64 hello
l: !ImportValue Exported
m: !Equals [a, b]
n: !And [!Condition C1, !Condition C2]
o: !Or [!Condition C1, !Not [!Condition C2]]
p: !Cidr [10.0.0.0/16, 4, 8]
q: !Transform { Name: AWS::Include, Parameters: { Location: s3://b/k } }
r: !GetAZs
`,
      'inline.yaml',
    );
    expect(parsed).toEqual({
      a: { Ref: 'Param' },
      b: { 'Fn::Sub': 'x-${AWS::Region}' },
      c: { 'Fn::Sub': ['${A}', { A: { Ref: 'B' } }] },
      d: { 'Fn::GetAtt': ['Table', 'Arn'] },
      e: { 'Fn::GetAtt': ['Table', 'StreamArn'] },
      f: { 'Fn::Join': [',', ['a', 'b']] },
      g: { 'Fn::If': ['Cond', 1, 2] },
      h: { 'Fn::Select': [0, { 'Fn::GetAZs': '' }] },
      i: { 'Fn::Split': [',', 'a,b'] },
      j: { 'Fn::FindInMap': ['Map', 'K1', 'K2'] },
      k: { 'Fn::Base64': 'hello' },
      l: { 'Fn::ImportValue': 'Exported' },
      m: { 'Fn::Equals': ['a', 'b'] },
      n: { 'Fn::And': [{ Condition: 'C1' }, { Condition: 'C2' }] },
      o: { 'Fn::Or': [{ Condition: 'C1' }, { 'Fn::Not': [{ Condition: 'C2' }] }] },
      p: { 'Fn::Cidr': ['10.0.0.0/16', 4, 8] },
      q: { 'Fn::Transform': { Name: 'AWS::Include', Parameters: { Location: 's3://b/k' } } },
      r: { 'Fn::GetAZs': '' },
    });
  });

  const INTRINSICS = `
Parameters:
  Stage: { Type: String, Default: dev }
  Dir: { Type: String, Default: rc }
  Memory: { Type: Number, Default: 256 }
  Names: { Type: CommaDelimitedList, Default: "a,b,c" }
  NoDefault: { Type: String }
Mappings:
  Sizes:
    dev: { Timeout: 15 }
    prod: { Timeout: 20 }
Conditions:
  IsDev: !Equals [!Ref Stage, dev]
Resources:
  Table:
    Type: AWS::DynamoDB::Table
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: !Sub '\${AWS::StackName}-\${Stage}-fn'
      Runtime: !If [IsDev, nodejs20.x, nodejs22.x]
      Handler: !Join ['.', [index, handler]]
      CodeUri: !Sub 's\${Dir}'
      MemorySize: !Ref Memory
      Timeout: !FindInMap [Sizes, !Ref Stage, Timeout]
      ReservedConcurrentExecutions: !If [IsDev, !Ref AWS::NoValue, 10]
      Environment:
        Variables:
          REGION: !Ref AWS::Region
          ACCOUNT: !Ref AWS::AccountId
          STACK: !Ref AWS::StackName
          PARTITION: !Ref AWS::Partition
          SUFFIX: !Ref AWS::URLSuffix
          LITERAL: !Sub 'keep \${!Literal} and \${Stage}'
          VARS: !Sub ['\${A}+\${B}', { A: !Ref Stage, B: 2 }]
          SECOND: !Select [1, !Ref Names]
          SPLIT: !Select [2, !Split ['-', 'x-y-z']]
          B64: !Base64 hi
          GONE: !Ref AWS::NoValue
          TABLE: !Ref Table
          ARN: !GetAtt Table.Arn
          IMPORTED: !ImportValue shared-thing
          MISSING: !Ref NoDefault
          SUBATTR: !Sub '\${Table.Arn}/index'
`;

  it('resolves parameters, pseudo parameters, Fn::Sub, Fn::Join, Fn::If, Fn::FindInMap and friends', () => {
    const { functions, warnings } = loadTemplate(project(INTRINSICS), { ...OPTIONS, stackName: 'stack' });
    expect(functions).toHaveLength(1);
    expect(functions[0]).toMatchObject({
      name: 'stack-dev-fn',
      runtime: 'nodejs20.x',
      handler: 'index.handler',
      memorySize: 256,
      timeout: 15,
      reservedConcurrency: undefined,
    });
    expect(functions[0]?.codeDir.endsWith('/src')).toBe(true);
    expect(functions[0]?.environment).toEqual({
      REGION: 'eu-west-1',
      ACCOUNT: '123456789012',
      STACK: 'stack',
      PARTITION: 'aws',
      SUFFIX: 'amazonaws.com',
      LITERAL: 'keep ${Literal} and dev',
      VARS: 'dev+2',
      SECOND: 'b',
      SPLIT: 'z',
      B64: 'aGk=',
      TABLE: '',
      ARN: '',
      IMPORTED: '',
      MISSING: '',
      SUBATTR: '',
    });
    expect(warnings).toEqual([
      'Resource Fn: property Environment.Variables.TABLE: cannot resolve Ref Table (Ref Table (a resource) cannot be resolved locally); using an empty string',
      'Resource Fn: property Environment.Variables.ARN: cannot resolve Fn::GetAtt ["Table","Arn"] (Fn::GetAtt ["Table","Arn"] cannot be resolved locally); using an empty string',
      'Resource Fn: property Environment.Variables.IMPORTED: cannot resolve Fn::ImportValue shared-thing (Fn::ImportValue shared-thing cannot be resolved locally); using an empty string',
      'Resource Fn: property Environment.Variables.MISSING: cannot resolve Ref NoDefault (parameter NoDefault has no Default (and no override)); using an empty string',
      'Resource Fn: property Environment.Variables.SUBATTR: cannot resolve Fn::Sub ${Table.Arn}/index (Fn::Sub ${Table.Arn} (Fn::GetAtt) cannot be resolved locally); using an empty string',
    ]);
  });

  it('applies parameter overrides and uses the default stack name "local"', () => {
    const { functions, warnings } = loadTemplate(project(INTRINSICS), { ...OPTIONS, parameterOverrides: { Stage: 'prod', NoDefault: 'given', Nope: 'x' } });
    expect(functions[0]).toMatchObject({ name: 'local-prod-fn', runtime: 'nodejs22.x', timeout: 20, reservedConcurrency: 10 });
    expect(functions[0]?.environment.MISSING).toBe('given');
    expect(warnings[0]).toBe('Parameter override Nope: the template declares no such parameter; ignored');
  });

  it('uses the partition and URL suffix of the region', () => {
    const template = fn(`${NODE}\nEnvironment: { Variables: { PART: !Ref AWS::Partition, SUF: !Ref AWS::URLSuffix } }`);
    expect(loadTemplate(project(template), { region: 'cn-north-1', accountId: '1' }).functions[0]?.environment).toEqual({ PART: 'aws-cn', SUF: 'amazonaws.com.cn' });
    expect(loadTemplate(project(template), { region: 'us-gov-west-1', accountId: '1' }).functions[0]?.environment.PART).toBe('aws-us-gov');
  });

  it('refuses an unresolvable intrinsic in a property Lamina needs', () => {
    const message = problems(`
Parameters:
  Mem: { Type: Number }
Resources:
  Other: { Type: AWS::DynamoDB::Table }
  HelloFunction:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: !ImportValue the-runtime
      Handler: !GetAtt Other.Handler
      CodeUri: !Ref Other
      MemorySize: !Ref Mem
      Timeout: !Ref Unknown
`);
    expect(message).toContain('Resource HelloFunction: property MemorySize: cannot resolve Ref Mem: parameter Mem has no Default (and no override)');
    expect(message).toContain('Resource HelloFunction: property Timeout: cannot resolve Ref Unknown: Ref Unknown: no parameter or resource has this name');
    expect(message).toContain('Resource HelloFunction: property Runtime: cannot resolve Fn::ImportValue the-runtime');
    expect(message).toContain('Resource HelloFunction: property Handler: cannot resolve Fn::GetAtt ["Other","Handler"]');
    expect(message).toContain('Resource HelloFunction: property CodeUri: cannot resolve Ref Other: Ref Other (a resource) cannot be resolved locally');
  });
});

describe('examples/template.yaml', () => {
  it('loads cleanly on the real date (runtimes people deploy now, none deprecated)', () => {
    const { functions, warnings } = loadTemplate('examples/template.yaml', { region: 'us-east-1', accountId: '000000000000' });
    const python = findPython('python3.13');
    expect(warnings).toEqual(python?.warning === undefined ? [] : [expect.stringContaining(python.warning)]);
    const examples = resolve('examples');
    // The node is the installed Node 24 when there is one (else '' until lamina serve installs it).
    const node24 = nodeAtHand('nodejs24.x');
    expect(functions.map((f) => [f.name, f.runtime, f.handler, f.codeDir, f.launch])).toEqual([
      ['HelloNode', 'nodejs24.x', 'index.handler', join(examples, 'hello-node'), { kind: 'node-ric', runtime: 'nodejs24.x', node: node24 }],
      ['HelloShell', 'provided.al2023', 'bootstrap', join(examples, 'shell-runtime'), { kind: 'bootstrap', command: join(examples, 'shell-runtime', 'bootstrap'), args: [] }],
      ['HelloPython', 'python3.13', 'app.lambda_handler', join(examples, 'hello-python'), { kind: 'python-ric', runtime: 'python3.13', python: python?.path }],
      ['Failing', 'nodejs24.x', 'index.handler', join(examples, 'failing'), { kind: 'node-ric', runtime: 'nodejs24.x', node: node24 }],
    ]);
    expect(functions[2]).toMatchObject({ environment: { GREETING_TABLE: 'greetings-local' } });
    expect(functions[0]).toMatchObject({ memorySize: 256, timeout: 10, environment: { POWERED_BY: 'Lamina', STAGE: 'local', APP_NAME: 'hello-local-us-east-1' } });
    expect(functions[1]).toMatchObject({ memorySize: 128, timeout: 5, environment: { POWERED_BY: 'Lamina', STAGE: 'local' } });
  });
});
