import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { albForFunction, targetGroupArn } from '../../src/config/alb-targets.js';
import { loadTemplate } from '../../src/config/sam-template.js';

const OPTIONS = { region: 'eu-west-1', accountId: '123456789012', today: new Date('2026-01-01') };
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function load(resources: string) {
  const dir = mkdtempSync(join(tmpdir(), 'lamina-alb-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'index.mjs'), 'export const handler = async () => 1;\n');
  const path = join(dir, 'template.yaml');
  const fn = (name: string) => `  ${name}:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: nodejs22.x\n      Handler: index.handler\n      CodeUri: .\n`;
  writeFileSync(path, `Transform: AWS::Serverless-2016-10-31\nResources:\n${fn('Web')}${fn('Api')}${resources}`);
  return loadTemplate(path, OPTIONS);
}

const group = (id: string, target: string, multi?: string) =>
  `  ${id}:\n    Type: AWS::ElasticLoadBalancingV2::TargetGroup\n    Properties:\n      TargetType: lambda\n      Targets: [{Id: ${target}}]\n` +
  (multi === undefined ? '' : `      TargetGroupAttributes: [{Key: lambda.multi_value_headers.enabled, Value: "${multi}"}]\n`);

describe('ALB listeners of a template', () => {
  it('reads a listener forwarding to a lambda target group, its rules by priority, and multi-value headers', () => {
    const { albs } = load(
      group('WebTg', '!GetAtt Web.Arn') +
        group('ApiTg', '!GetAtt [Api, Arn]', 'true') +
        '  Listener:\n    Type: AWS::ElasticLoadBalancingV2::Listener\n    Properties:\n      Port: 80\n      Protocol: HTTP\n      DefaultActions: [{Type: forward, TargetGroupArn: !Ref WebTg}]\n' +
        '  Second:\n    Type: AWS::ElasticLoadBalancingV2::ListenerRule\n    Properties:\n      ListenerArn: !Ref Listener\n      Priority: 20\n      Conditions: [{Field: http-header, HttpHeaderConfig: {HttpHeaderName: X-Api, Values: ["yes"]}}]\n      Actions: [{Type: forward, ForwardConfig: {TargetGroups: [{TargetGroupArn: !Ref ApiTg}]}}]\n' +
        '  First:\n    Type: AWS::ElasticLoadBalancingV2::ListenerRule\n    Properties:\n      ListenerArn: !Ref Listener\n      Priority: 10\n      Conditions: [{Field: path-pattern, Values: ["/api/*"]}, {Field: http-request-method, HttpRequestMethodConfig: {Values: [get]}}]\n      Actions: [{Type: fixed-response, FixedResponseConfig: {StatusCode: "418", ContentType: text/plain, MessageBody: teapot}}]\n',
    );
    const webTg = { id: 'WebTg', arn: targetGroupArn('WebTg', 'WebTg', 'eu-west-1', '123456789012'), functionName: 'Web', multiValueHeaders: false };
    const apiTg = { id: 'ApiTg', arn: targetGroupArn('ApiTg', 'ApiTg', 'eu-west-1', '123456789012'), functionName: 'Api', multiValueHeaders: true };
    expect(albs).toEqual([
      {
        id: 'Listener',
        port: 80,
        defaultAction: { kind: 'forward', targetGroup: webTg },
        rules: [
          { priority: 10, conditions: [{ field: 'path-pattern', values: ['/api/*'] }, { field: 'http-request-method', values: ['GET'] }], action: { kind: 'fixed-response', status: 418, contentType: 'text/plain', body: 'teapot' } },
          { priority: 20, conditions: [{ field: 'http-header', name: 'x-api', values: ['yes'] }], action: { kind: 'forward', targetGroup: apiTg } },
        ],
      },
    ]);
    expect(webTg.arn).toMatch(/^arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup\/WebTg\/[0-9a-f]{16}$/);
  });

  it('opens no listener for a template without one', () => {
    expect(load('').albs).toEqual([]);
  });

  it('refuses what it cannot serve, naming the resource and property', () => {
    const bad = (resources: string) => () => load(resources);
    const listener = (action: string, port = '8080') => `  L:\n    Type: AWS::ElasticLoadBalancingV2::Listener\n    Properties:\n      Port: ${port}\n      DefaultActions: [${action}]\n`;
    expect(bad(group('Tg', '!GetAtt Nope.Arn') + listener('{Type: forward, TargetGroupArn: !Ref Tg}'))).toThrow(/Resource Tg: property Targets: must name one function/);
    expect(bad(listener('{Type: forward, TargetGroupArn: !Ref Missing}'))).toThrow(/Resource L: property DefaultActions: must forward to a target group/);
    expect(bad(group('Tg', '!GetAtt Web.Arn') + listener('{Type: forward, TargetGroupArn: !Ref Tg}', '70000'))).toThrow(/Resource L: property Port: must be a port/);
    expect(bad(group('Tg', '!GetAtt Web.Arn', 'maybe') + listener('{Type: forward, TargetGroupArn: !Ref Tg}'))).toThrow(/lambda.multi_value_headers.enabled must be true or false/);
    expect(
      bad(
        group('Tg', '!GetAtt Web.Arn') +
          listener('{Type: forward, TargetGroupArn: !Ref Tg}') +
          '  R:\n    Type: AWS::ElasticLoadBalancingV2::ListenerRule\n    Properties:\n      ListenerArn: !Ref L\n      Priority: 1\n      Conditions: [{Field: source-ip, Values: ["10.0.0.0/8"]}]\n      Actions: [{Type: forward, TargetGroupArn: !Ref Tg}]\n',
      ),
    ).toThrow(/Resource R: property Conditions: Lamina serves path-pattern, http-header and http-request-method/);
    expect(bad('  Tg:\n    Type: AWS::ElasticLoadBalancingV2::TargetGroup\n    Properties:\n      TargetType: ip\n' + listener('{Type: forward, TargetGroupArn: !Ref Tg}'))).toThrow(/TargetType lambda only/);
  });

  it('builds the --alb listener for a function', () => {
    const listener = albForFunction('Web', 80, { region: 'us-east-1', accountId: '000000000000', multiValueHeaders: true });
    expect(listener.rules).toEqual([]);
    expect(listener.defaultAction).toEqual({ kind: 'forward', targetGroup: { id: 'WebTargetGroup', arn: targetGroupArn('WebTargetGroup', 'Web', 'us-east-1', '000000000000'), functionName: 'Web', multiValueHeaders: true } });
  });
});
