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

function load(resources: string) {
  const dir = mkdtempSync(join(tmpdir(), 'lamina-api-auth-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'index.mjs'), 'export const handler = async () => 1;\n');
  const path = join(dir, 'template.yaml');
  writeFileSync(path, `Transform: AWS::Serverless-2016-10-31\nResources:\n${resources}`);
  return loadTemplate(path, OPTIONS);
}

const fn = (name: string, events = '') => `  ${name}:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: nodejs22.x\n      Handler: index.handler\n      CodeUri: .\n${events === '' ? '' : `      Events:\n${events}`}`;

const REST = `  MyApi:
    Type: AWS::Serverless::Api
    Properties:
      StageName: dev
      Cors: {AllowOrigin: "'https://app.example.com'", AllowHeaders: "'authorization,content-type'", MaxAge: "'600'"}
      Auth:
        DefaultAuthorizer: Tok
        Authorizers:
          Tok:
            FunctionArn: !GetAtt TokenFn.Arn
            Identity: {Header: X-Token, ValidationExpression: "Bearer .+", ReauthorizeEvery: 0}
          Req:
            FunctionArn: !GetAtt ReqFn.Arn
            FunctionPayloadType: REQUEST
            Identity: {Headers: [X-User], QueryStrings: [tenant]}
`;

describe('REST API Auth and Cors', () => {
  it('reads TOKEN and REQUEST authorizers, the default one, NONE and per-event authorizers, and Cors literals', () => {
    const { apis } = load(
      REST +
        fn('TokenFn') +
        fn('ReqFn') +
        fn('Items', '        Get:\n          Type: Api\n          Properties: {RestApiId: !Ref MyApi, Path: /items, Method: GET}\n        Open:\n          Type: Api\n          Properties: {RestApiId: !Ref MyApi, Path: /open, Method: GET, Auth: {Authorizer: NONE}}\n        ByReq:\n          Type: Api\n          Properties: {RestApiId: !Ref MyApi, Path: /req, Method: GET, Auth: {Authorizer: Req}}\n'),
    );
    const api = apis[0];
    expect(api?.routes.map((r) => [r.path, r.authorizer])).toEqual([['/items', 'Tok'], ['/open', undefined], ['/req', 'Req']]);
    expect(api?.auth).toEqual({
      defaultAuthorizer: 'Tok',
      authorizePreflight: true,
      ignored: [],
      authorizers: {
        Tok: { name: 'Tok', functionName: 'TokenFn', type: 'TOKEN', payloadFormatVersion: '1.0', simpleResponses: false, headers: ['x-token'], queryStrings: [], validationExpression: 'Bearer .+', ttlSeconds: 0 },
        Req: { name: 'Req', functionName: 'ReqFn', type: 'REQUEST', payloadFormatVersion: '1.0', simpleResponses: false, headers: ['x-user'], queryStrings: ['tenant'], validationExpression: undefined, ttlSeconds: 300 },
      },
    });
    expect(api?.cors).toEqual({ allowOrigins: ['https://app.example.com'], allowMethods: [], allowHeaders: ['authorization', 'content-type'], exposeHeaders: [], maxAge: 600, allowCredentials: false });
  });

  it('takes a TOKEN authorizer\'s Authorization header by default, and a bare quoted origin as Cors', () => {
    const { apis } = load(
      `  A:\n    Type: AWS::Serverless::Api\n    Properties:\n      StageName: x\n      Cors: "'*'"\n      Auth:\n        Authorizers:\n          T:\n            FunctionArn: !GetAtt Auth.Arn\n` +
        fn('Auth') +
        fn('F', '        G:\n          Type: Api\n          Properties: {RestApiId: !Ref A, Path: /g, Method: GET, Auth: {Authorizer: T}}\n'),
    );
    expect(apis[0]?.auth?.authorizers.T?.headers).toEqual(['authorization']);
    expect(apis[0]?.auth?.defaultAuthorizer).toBeUndefined();
    expect(apis[0]?.cors?.allowOrigins).toEqual(['*']);
  });

  it('warns about a Cognito authorizer and leaves its routes open, named or by default', () => {
    const { apis, warnings } = load(
      `  A:\n    Type: AWS::Serverless::Api\n    Properties:\n      StageName: x\n      Auth:\n        DefaultAuthorizer: Pool\n        Authorizers:\n          Pool:\n            UserPoolArn: arn:aws:cognito-idp:eu-west-1:123456789012:userpool/x\n` +
        fn('F', '        G:\n          Type: Api\n          Properties: {RestApiId: !Ref A, Path: /g, Method: GET}\n        H:\n          Type: Api\n          Properties: {RestApiId: !Ref A, Path: /h, Method: GET, Auth: {Authorizer: Pool}}\n'),
    );
    expect(apis[0]?.routes.map((r) => r.authorizer)).toEqual([undefined, undefined]);
    expect(apis[0]?.auth?.ignored).toEqual(['Pool']);
    expect(warnings.join('\n')).toContain('only Lambda authorizers (FunctionArn) are served');
  });

  it('refuses unknown authorizers and functions, with the resource and property named', () => {
    const bad = (api: string, events: string) => {
      try {
        load(api + fn('Auth') + fn('F', events));
      } catch (error) {
        return (error as Error).message;
      }
      return 'loaded';
    };
    const api = (arn: string, extra = '') => `  A:\n    Type: AWS::Serverless::Api\n    Properties:\n      StageName: x\n      Auth:\n${extra}        Authorizers:\n          T:\n            FunctionArn: ${arn}\n`;
    const event = (auth = '') => `        G:\n          Type: Api\n          Properties: {RestApiId: !Ref A, Path: /g, Method: GET${auth}}\n`;
    expect(bad(api('!GetAtt Missing.Arn'), event())).toContain('Resource A: property Auth.Authorizers.T.FunctionArn: must name a function of this template, got Fn::GetAtt ["Missing","Arn"]');
    expect(bad(api('!GetAtt Auth.Arn'), event(', Auth: {Authorizer: Nope}'))).toMatch(/Resource F: property Events\.G\.Auth\.Authorizer: names no Lambda authorizer of its API: "Nope"/);
    expect(bad(api('!GetAtt Auth.Arn', '        DefaultAuthorizer: Other\n'), event())).toContain('Auth.DefaultAuthorizer: names no authorizer of Auth.Authorizers: "Other"');
    expect(bad(api('!GetAtt Auth.Arn\n            FunctionPayloadType: COOKIE'), event())).toContain('FunctionPayloadType: must be TOKEN or REQUEST, got "COOKIE"');
    expect(bad(api('!GetAtt Auth.Arn\n            Identity: {ReauthorizeEvery: 7200}'), event())).toContain('Identity.ReauthorizeEvery: must be an integer from 0 to 3600, got 7200');
    expect(bad(api('arn:aws:lambda:eu-west-1:123456789012:function:Auth'), event())).toBe('loaded');
  });
});

describe('HTTP API Auth and CorsConfiguration', () => {
  it('reads payload 2.0 simple-response authorizers and CorsConfiguration', () => {
    const { apis } = load(
      `  H:\n    Type: AWS::Serverless::HttpApi\n    Properties:\n      CorsConfiguration: {AllowOrigins: [https://a.example], AllowMethods: [get, post], AllowHeaders: [authorization], ExposeHeaders: [x-total], MaxAge: 300, AllowCredentials: true}\n      Auth:\n        DefaultAuthorizer: L\n        Authorizers:\n          L:\n            FunctionArn: !GetAtt Auth.Arn\n            AuthorizerPayloadFormatVersion: "2.0"\n            EnableSimpleResponses: true\n            Identity: {Headers: [Authorization], ReauthorizeEvery: 60}\n` +
        fn('Auth') +
        fn('F', '        G:\n          Type: HttpApi\n          Properties: {ApiId: !Ref H, Path: /g, Method: GET}\n'),
    );
    expect(apis[0]?.routes[0]?.authorizer).toBe('L');
    expect(apis[0]?.auth?.authorizers.L).toEqual({ name: 'L', functionName: 'Auth', type: 'REQUEST', payloadFormatVersion: '2.0', simpleResponses: true, headers: ['authorization'], queryStrings: [], validationExpression: undefined, ttlSeconds: 60 });
    expect(apis[0]?.cors).toEqual({ allowOrigins: ['https://a.example'], allowMethods: ['GET', 'POST'], allowHeaders: ['authorization'], exposeHeaders: ['x-total'], maxAge: 300, allowCredentials: true });
  });

  it('needs AuthorizerPayloadFormatVersion, and 2.0 for simple responses; CorsConfiguration: true allows everything', () => {
    const load2 = (authorizer: string, cors = '') => {
      try {
        return load(`  H:\n    Type: AWS::Serverless::HttpApi\n    Properties:\n${cors}      Auth:\n        Authorizers:\n          L:\n            FunctionArn: !GetAtt Auth.Arn\n${authorizer}` + fn('Auth') + fn('F', '        G:\n          Type: HttpApi\n          Properties: {ApiId: !Ref H}\n'));
      } catch (error) {
        return (error as Error).message;
      }
    };
    expect(load2('')).toContain('AuthorizerPayloadFormatVersion: must be 1.0 or 2.0, got undefined');
    expect(load2('            AuthorizerPayloadFormatVersion: "1.0"\n            EnableSimpleResponses: true\n')).toContain('EnableSimpleResponses: needs AuthorizerPayloadFormatVersion 2.0');
    const loaded = load2('            AuthorizerPayloadFormatVersion: "2.0"\n', '      CorsConfiguration: true\n');
    expect(typeof loaded === 'string' ? loaded : loaded.apis[0]?.cors).toEqual({ allowOrigins: ['*'], allowMethods: ['*'], allowHeaders: ['*'], exposeHeaders: [], maxAge: undefined, allowCredentials: false });
  });
});
