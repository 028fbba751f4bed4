import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadTemplate } from '../../src/config/sam-template.js';

const OPTIONS = { region: 'eu-west-1', accountId: '123456789012', today: new Date('2026-01-01') };
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function load(body: string) {
  const dir = mkdtempSync(join(tmpdir(), 'lamina-function-urls-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'index.mjs'), 'export const handler = async () => 1;\n');
  const path = join(dir, 'template.yaml');
  writeFileSync(path, `Transform: AWS::Serverless-2016-10-31\n${body}`);
  return loadTemplate(path, OPTIONS);
}

const sam = (name: string, extra: string) => `  ${name}:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: nodejs22.x\n      Handler: index.handler\n      CodeUri: .\n${extra}`;
const cfn = (name: string) => `  ${name}:\n    Type: AWS::Lambda::Function\n    Properties:\n      FunctionName: cfn-${name.toLowerCase()}\n      Runtime: nodejs22.x\n      Handler: index.handler\n      Code: .\n`;

describe('function URLs in a template', () => {
  it('reads SAM FunctionUrlConfig with Lambda\'s defaults (BUFFERED, no CORS) and names it <Function>Url', () => {
    const { urls } = load(`Resources:\n${sam('Hello', '      FunctionUrlConfig:\n        AuthType: NONE\n')}`);
    expect(urls).toEqual([{ id: 'HelloUrl', functionName: 'Hello', qualifier: undefined, authType: 'NONE', invokeMode: 'BUFFERED', cors: undefined }]);
  });

  it('reads Cors (methods upper-cased, headers lower-cased, MaxAge and AllowCredentials) and RESPONSE_STREAM', () => {
    const cors = '        Cors:\n          AllowOrigins: ["https://a.example"]\n          AllowMethods: [get, POST]\n          AllowHeaders: [X-Custom]\n          ExposeHeaders: [X-Out]\n          MaxAge: 300\n          AllowCredentials: true\n';
    const { urls } = load(`Resources:\n${sam('Streamer', `      FunctionUrlConfig:\n        AuthType: AWS_IAM\n        InvokeMode: RESPONSE_STREAM\n${cors}`)}`);
    expect(urls[0]).toMatchObject({
      authType: 'AWS_IAM',
      invokeMode: 'RESPONSE_STREAM',
      cors: { allowOrigins: ['https://a.example'], allowMethods: ['GET', 'POST'], allowHeaders: ['x-custom'], exposeHeaders: ['X-Out'], maxAge: 300, allowCredentials: true },
    });
  });

  it('takes FunctionUrlConfig from Globals, and puts the URL on the AutoPublishAlias alias as SAM does', () => {
    const { urls } = load(`Globals:\n  Function:\n    FunctionUrlConfig: {AuthType: NONE}\nResources:\n${sam('Aliased', '      AutoPublishAlias: live\n')}`);
    expect(urls).toEqual([expect.objectContaining({ id: 'AliasedUrl', functionName: 'Aliased', qualifier: 'live' })]);
  });

  it('reads AWS::Lambda::Url by !Ref, !GetAtt .Arn, name and ARN (with a qualifier)', () => {
    const { urls } = load(
      `Resources:\n${cfn('A')}${cfn('B')}${sam('C', '')}${sam('D', '')}` +
        '  UrlA:\n    Type: AWS::Lambda::Url\n    Properties: {TargetFunctionArn: !Ref A, AuthType: NONE}\n' +
        '  UrlB:\n    Type: AWS::Lambda::Url\n    Properties: {TargetFunctionArn: !GetAtt B.Arn, AuthType: AWS_IAM, Qualifier: $LATEST}\n' +
        '  UrlC:\n    Type: AWS::Lambda::Url\n    Properties: {TargetFunctionArn: C, AuthType: NONE}\n' +
        '  UrlD:\n    Type: AWS::Lambda::Url\n    Properties: {TargetFunctionArn: !Sub "arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:function:D:live", AuthType: NONE}\n',
    );
    expect(urls.map((u) => [u.id, u.functionName, u.qualifier, u.authType])).toEqual([
      ['UrlA', 'cfn-a', undefined, 'NONE'],
      ['UrlB', 'cfn-b', '$LATEST', 'AWS_IAM'],
      ['UrlC', 'C', undefined, 'NONE'],
      ['UrlD', 'D', 'live', 'NONE'],
    ]);
  });

  it('refuses bad settings, naming the resource and the property, all at once', () => {
    const bad = '        Cors:\n          AllowMethods: [GET, TRACE]\n          MaxAge: 90000\n          AllowCredentials: maybe\n          AllowOrigin: ["*"]\n';
    const run = () =>
      load(
        `Resources:\n${sam('Bad', `      FunctionUrlConfig:\n        AuthType: OPEN\n        InvokeMode: STREAM\n${bad}`)}` +
          '  Stray:\n    Type: AWS::Lambda::Url\n    Properties: {TargetFunctionArn: nowhere, AuthType: NONE}\n',
      );
    expect(run).toThrow(/Resource Bad: property FunctionUrlConfig\.AuthType: must be NONE or AWS_IAM, got "OPEN"/);
    expect(run).toThrow(/Resource Bad: property FunctionUrlConfig\.InvokeMode: must be BUFFERED or RESPONSE_STREAM/);
    expect(run).toThrow(/FunctionUrlConfig\.Cors\.AllowMethods: "TRACE" is not one of/);
    expect(run).toThrow(/FunctionUrlConfig\.Cors\.MaxAge: must be an integer from 0 to 86400, got 90000/);
    expect(run).toThrow(/FunctionUrlConfig\.Cors\.AllowCredentials: must be a boolean/);
    expect(run).toThrow(/FunctionUrlConfig\.Cors\.AllowOrigin: is not a Cors property/);
    expect(run).toThrow(/Resource Stray: property TargetFunctionArn: must name a function of this template/);
  });

  it('refuses a second URL for the same function and qualifier', () => {
    const run = () => load(`Resources:\n${sam('One', '      FunctionUrlConfig: {AuthType: NONE}\n')}  Again:\n    Type: AWS::Lambda::Url\n    Properties: {TargetFunctionArn: !Ref One, AuthType: AWS_IAM}\n`);
    expect(run).toThrow(/Resource Again: function One already has a function URL \(OneUrl\)/);
  });

  it('finds no URL in a template without any', () => {
    expect(load(`Resources:\n${sam('Plain', '')}`).urls).toEqual([]);
  });
});
