import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { pathProblem } from '../../src/config/api-events.js';
import { loadTemplate } from '../../src/config/sam-template.js';

const OPTIONS = { region: 'eu-west-1', accountId: '123456789012', today: new Date('2026-01-01') };
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function load(resources: string) {
  const dir = mkdtempSync(join(tmpdir(), 'lamina-api-events-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'index.mjs'), 'export const handler = async () => 1;\n');
  const path = join(dir, 'template.yaml');
  writeFileSync(path, `Transform: AWS::Serverless-2016-10-31\nResources:\n${resources}`);
  return loadTemplate(path, OPTIONS);
}

const fn = (name: string, events: string) => `  ${name}:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: nodejs22.x\n      Handler: index.handler\n      CodeUri: .\n      Events:\n${events}`;

describe('HttpApi and Api events', () => {
  it('groups routes into the implicit HTTP API, with payload 2.0, 30 s, and $default', () => {
    const { apis } = load(
      fn('Users', '        Get:\n          Type: HttpApi\n          Properties: {Path: "/users/{id}", Method: get}\n        Any:\n          Type: HttpApi\n') +
        fn('Old', '        Legacy:\n          Type: HttpApi\n          Properties: {Path: /legacy, Method: POST, PayloadFormatVersion: "1.0", TimeoutInMillis: 5000}\n'),
    );
    expect(apis).toEqual([
      {
        id: 'ServerlessHttpApi',
        kind: 'http',
        stageName: '$default',
        stageVariables: {},
        binaryMediaTypes: [],
        routes: [
          { method: 'GET', path: '/users/{id}', functionName: 'Users', payloadFormatVersion: '2.0', timeoutMs: 30_000, source: 'Resource Users Events.Get' },
          { method: 'ANY', path: '$default', functionName: 'Users', payloadFormatVersion: '2.0', timeoutMs: 30_000, source: 'Resource Users Events.Any' },
          { method: 'POST', path: '/legacy', functionName: 'Old', payloadFormatVersion: '1.0', timeoutMs: 5000, source: 'Resource Old Events.Legacy' },
        ],
      },
    ]);
  });

  it('puts routes on an explicit API by Ref, with its stage and variables; REST events on the implicit REST API', () => {
    const { apis } = load(
      `  MyApi:\n    Type: AWS::Serverless::HttpApi\n    Properties:\n      StageName: prod\n      StageVariables: {table: users}\n` +
        fn('A', '        Get:\n          Type: HttpApi\n          Properties: {ApiId: !Ref MyApi, Path: /a, Method: GET}\n        Rest:\n          Type: Api\n          Properties: {Path: /r, Method: any}\n'),
    );
    expect(apis.map((api) => [api.id, api.kind, api.stageName, api.stageVariables, api.routes.map((r) => `${r.method} ${r.path} ${r.timeoutMs}`)])).toEqual([
      ['ServerlessRestApi', 'rest', 'Prod', {}, ['ANY /r 29000']],
      ['MyApi', 'http', 'prod', { table: 'users' }, ['GET /a 30000']],
    ]);
  });

  it('refuses bad events with the resource and property named', () => {
    const bad = (events: string, extra = '') => {
      try {
        load(extra + fn('F', events));
      } catch (error) {
        return (error as Error).message;
      }
      return 'loaded';
    };
    expect(bad('        E:\n          Type: HttpApi\n          Properties: {Path: /a}\n')).toMatch(/Resource F: property Events.E: HttpApi events need both Path and Method/);
    expect(bad('        E:\n          Type: HttpApi\n          Properties: {Path: /a, Method: FETCH}\n')).toMatch(/Events.E.Properties.Method: must be one of/);
    expect(bad('        E:\n          Type: HttpApi\n          Properties: {Path: a, Method: GET}\n')).toMatch(/Events.E.Properties.Path: must start with \//);
    expect(bad('        E:\n          Type: HttpApi\n          Properties: {Path: /a, Method: GET, PayloadFormatVersion: "3.0"}\n')).toMatch(/must be 1.0 or 2.0/);
    expect(bad('        E:\n          Type: HttpApi\n          Properties: {Path: /a, Method: GET, TimeoutInMillis: 40000}\n')).toMatch(/TimeoutInMillis: must be an integer from 50 to 30000/);
    expect(bad('        E:\n          Type: HttpApi\n          Properties: {Path: /a, Method: GET, ApiId: !Ref Nope}\n')).toMatch(/ApiId: must be a Ref to an AWS::Serverless::HttpApi resource/);
    expect(bad('        E:\n          Type: Api\n          Properties: {Path: /a, Method: GET, PayloadFormatVersion: "2.0"}\n')).toMatch(/REST APIs \(Type: Api\) send payload 1.0 only/);
    expect(bad('        E:\n          Type: HttpApi\n          Properties: {Path: /a, Method: GET}\n        F:\n          Type: HttpApi\n          Properties: {Path: /a, Method: get}\n')).toMatch(/route GET \/a of ServerlessHttpApi is already taken by Resource F Events.E/);
  });

  it('checks route paths as API Gateway does', () => {
    expect(pathProblem('/')).toBeUndefined();
    expect(pathProblem('/users/{id}/books/{bookId}')).toBeUndefined();
    expect(pathProblem('/{proxy+}')).toBeUndefined();
    expect(pathProblem('/a/{proxy+}/b')).toMatch(/must be the last segment/);
    expect(pathProblem('/a/b{id}')).toMatch(/whole segment/);
    expect(pathProblem('/a//b')).toMatch(/empty segment/);
    expect(pathProblem('/{id}/{id}')).toMatch(/repeats/);
  });
});
