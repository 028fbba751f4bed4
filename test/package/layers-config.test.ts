/** SAM / CloudFormation `Layers` naming LayerVersion resources of the same template. */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadTemplate } from '../../src/config/sam-template.js';

const OPTIONS = { region: 'us-east-1', accountId: '000000000000' };
let dir: string | undefined;

afterEach(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** A project with code/, layers a/ and b/ (each with an executable bootstrap), and the template. */
function project(template: string, withOwnBootstrap = false): string {
  dir = mkdtempSync(join(tmpdir(), 'lamina-layers-'));
  for (const sub of ['code', 'a', 'b']) mkdirSync(join(dir, sub));
  for (const sub of withOwnBootstrap ? ['a', 'b', 'code'] : ['a', 'b']) {
    writeFileSync(join(dir, sub, 'bootstrap'), '#!/bin/sh\nexit 0\n');
    chmodSync(join(dir, sub, 'bootstrap'), 0o755);
  }
  writeFileSync(join(dir, 'layer.zip'), 'PK\x05\x06' + '\0'.repeat(18));
  writeFileSync(join(dir, 'template.yaml'), template);
  return join(dir, 'template.yaml');
}

const TEMPLATE = (layers: string) => `Resources:
  A:
    Type: AWS::Serverless::LayerVersion
    Properties:
      ContentUri: a/
  B:
    Type: AWS::Lambda::LayerVersion
    Properties:
      Content: b
  Zipped:
    Type: AWS::Serverless::LayerVersion
    Properties:
      ContentUri: layer.zip
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: provided.al2023
      CodeUri: code/
      Layers: ${layers}
`;

describe('Layers', () => {
  it('runs the bootstrap of the LAST layer that has one (later layers overwrite earlier ones in /opt)', () => {
    const path = project(TEMPLATE('[!Ref A, !Ref B]'));
    const [fn] = loadTemplate(path, OPTIONS).functions;
    expect(fn?.layers).toEqual([join(dir!, 'a'), join(dir!, 'b')]);
    expect(fn?.launch).toEqual({ kind: 'bootstrap', command: join(dir!, 'b', 'bootstrap'), args: [] });
  });

  it("prefers the function's own bootstrap (/var/task/bootstrap before /opt/bootstrap)", () => {
    const path = project(TEMPLATE('[!Ref A]'), true);
    const [fn] = loadTemplate(path, OPTIONS).functions;
    expect(fn?.launch).toEqual({ kind: 'bootstrap', command: join(dir!, 'code', 'bootstrap'), args: [] });
  });

  it('leaves a zip ContentUri to the loader that extracts packages (test/config/template-packages.test.ts)', () => {
    const path = project(TEMPLATE('[!Ref Zipped]'));
    expect(() => loadTemplate(path, OPTIONS)).toThrow(/Resource Zipped: property ContentUri: is a package that only `lamina serve` extracts/);
  });

  it('skips published layer ARNs with a warning', () => {
    const path = project(TEMPLATE('[!Ref A, "arn:aws:lambda:us-east-1:123456789012:layer:x:3"]'));
    const { functions, warnings } = loadTemplate(path, OPTIONS);
    expect(functions[0]?.layers).toEqual([join(dir!, 'a')]);
    expect(warnings).toEqual([expect.stringMatching(/^Resource Fn: property Layers: "arn:aws:lambda:.*layer:x:3" is not a layer resource of this template/)]);
  });

  it('finds published layer ARNs through publishedLayers, in the order given; an unknown one is skipped with a warning', () => {
    const known = 'arn:aws:lambda:us-east-1:123456789012:layer:x:3';
    const unknown = 'arn:aws:lambda:us-east-1:123456789012:layer:x:4';
    const path = project(TEMPLATE(`["${known}", !Ref A, "${unknown}"]`));
    const published = (arn: string): string | undefined => (arn === known ? join(dir!, 'b') : undefined);
    const { functions, warnings } = loadTemplate(path, { ...OPTIONS, publishedLayers: published });
    expect(functions[0]?.layers).toEqual([join(dir!, 'b'), join(dir!, 'a')]);
    expect(warnings).toEqual([`Resource Fn: property Layers: "${unknown}" is not a layer resource of this template (nor a layer version published to this Lamina); ignored`]);
  });

  it('keeps Lambda\'s limit of 5 layers', () => {
    const path = project(TEMPLATE('[!Ref A, !Ref A, !Ref A, !Ref A, !Ref A, !Ref B]'));
    expect(() => loadTemplate(path, OPTIONS)).toThrow(/6 layers: a function can use at most 5/);
  });
});
