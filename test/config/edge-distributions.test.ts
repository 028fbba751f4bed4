import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadTemplate } from '../../src/config/sam-template.js';

const OPTIONS = { region: 'us-east-1', accountId: '123456789012', today: new Date('2026-01-01') };
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function load(body: string) {
  const dir = mkdtempSync(join(tmpdir(), 'lamina-edge-config-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'index.mjs'), 'export const handler = async (e) => e.Records[0].cf.request;\n');
  const path = join(dir, 'template.yaml');
  writeFileSync(path, `Transform: AWS::Serverless-2016-10-31\n${body}`);
  return loadTemplate(path, OPTIONS);
}

const fn = (name: string, extra = '') => `  ${name}:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: nodejs22.x\n      Handler: index.handler\n      CodeUri: .\n${extra}`;
const version = (name: string, target: string) => `  ${name}:\n    Type: AWS::Lambda::Version\n    Properties:\n      FunctionName: !Ref ${target}\n`;
const dist = (associations: string, extra = '') =>
  '  Cdn:\n    Type: AWS::CloudFront::Distribution\n    Properties:\n      DistributionConfig:\n' +
  '        Origins:\n          - Id: Web\n            DomainName: origin.example.com\n            CustomOriginConfig: {HTTPPort: 8080, OriginProtocolPolicy: http-only}\n' +
  `${extra}        DefaultCacheBehavior:\n          TargetOriginId: Web\n          LambdaFunctionAssociations:\n${associations}`;

describe('CloudFront distributions with Lambda@Edge', () => {
  it('reads origins, behaviors (CacheBehaviors first) and associations by AWS::Lambda::Version and <Fn>.Version', () => {
    const { edges } = load(
      `Resources:\n${fn('Viewer', '      Timeout: 5\n')}${fn('Origin', '      AutoPublishAlias: live\n      Timeout: 30\n      MemorySize: 1024\n')}${version('ViewerV', 'Viewer')}` +
        dist(
          '            - {EventType: viewer-request, LambdaFunctionARN: !Ref ViewerV, IncludeBody: true}\n            - {EventType: origin-request, LambdaFunctionARN: !Ref Origin.Version}\n',
          '        CacheBehaviors:\n          - PathPattern: /api/*\n            TargetOriginId: Web\n',
        ),
    );
    expect(edges).toEqual([
      {
        id: 'Cdn',
        origins: [{ id: 'Web', domainName: 'origin.example.com', path: '', protocol: 'http', port: 8080 }],
        behaviors: [
          { pathPattern: '/api/*', targetOriginId: 'Web', associations: [] },
          {
            pathPattern: undefined,
            targetOriginId: 'Web',
            associations: [
              { eventType: 'viewer-request', functionName: 'Viewer', qualifier: undefined, includeBody: true },
              { eventType: 'origin-request', functionName: 'Origin', qualifier: '1', includeBody: false },
            ],
          },
        ],
      },
    ]);
  });

  it('reads a version ARN and refuses $LATEST, aliases and the bare function', () => {
    const { edges } = load(`Resources:\n${fn('A', '      FunctionName: edge-a\n')}${dist('            - {EventType: origin-response, LambdaFunctionARN: "arn:aws:lambda:us-east-1:123456789012:function:edge-a:3"}\n')}`);
    expect(edges[0]?.behaviors[0]?.associations).toEqual([{ eventType: 'origin-response', functionName: 'edge-a', qualifier: undefined, includeBody: false }]);
    expect(() => load(`Resources:\n${fn('A', '      FunctionName: edge-a\n')}${dist('            - {EventType: origin-response, LambdaFunctionARN: "arn:aws:lambda:us-east-1:123456789012:function:edge-a:$LATEST"}\n')}`)).toThrow(/must end with a version number/);
    expect(() => load(`Resources:\n${fn('A', '      AutoPublishAlias: live\n')}${dist('            - {EventType: origin-response, LambdaFunctionARN: !Ref A.Alias}\n')}`)).toThrow(/is an alias/);
    expect(() => load(`Resources:\n${fn('A')}${dist('            - {EventType: origin-response, LambdaFunctionARN: !Ref A}\n')}`)).toThrow(/is the function, not a version/);
    expect(() => load(`Resources:\n${fn('A')}${dist('            - {EventType: origin-response, LambdaFunctionARN: !Ref Nope}\n')}`)).toThrow(/must name a version of a function of this template/);
  });

  it('refuses a function over Lambda@Edge\'s limits, naming the function\'s property and the distribution', () => {
    const viewer = (props: string) => load(`Resources:\n${fn('A', props)}${version('AV', 'A')}${dist('            - {EventType: viewer-response, LambdaFunctionARN: !Ref AV}\n')}`);
    expect(() => viewer('      Timeout: 6\n')).toThrow(/Resource A: property Timeout: 6 s is over Lambda@Edge's 5 s for viewer-response \(associated by Cdn/);
    expect(() => viewer('      Timeout: 5\n      MemorySize: 256\n')).toThrow(/Resource A: property MemorySize: 256 MB is over Lambda@Edge's 128 MB for viewer-response/);
    expect(viewer('      Timeout: 5\n      MemorySize: 128\n').edges).toHaveLength(1);
    const origin = (props: string) => load(`Resources:\n${fn('A', props)}${version('AV', 'A')}${dist('            - {EventType: origin-request, LambdaFunctionARN: !Ref AV}\n')}`);
    expect(origin('      Timeout: 30\n      MemorySize: 2048\n').edges).toHaveLength(1);
    expect(() => origin('      Timeout: 31\n')).toThrow(/31 s is over Lambda@Edge's 30 s for origin-request/);
  });

  it('refuses bad event types, IncludeBody on response events, twice the same event and unknown origins', () => {
    const base = `Resources:\n${fn('A', '      Timeout: 5\n')}${version('AV', 'A')}`;
    expect(() => load(base + dist('            - {EventType: viewer-req, LambdaFunctionARN: !Ref AV}\n'))).toThrow(/EventType: must be one of viewer-request/);
    expect(() => load(base + dist('            - {EventType: origin-response, IncludeBody: true, LambdaFunctionARN: !Ref AV}\n'))).toThrow(/IncludeBody: is only for viewer-request and origin-request/);
    expect(() => load(base + dist('            - {EventType: viewer-request, LambdaFunctionARN: !Ref AV}\n            - {EventType: viewer-request, LambdaFunctionARN: !Ref AV}\n'))).toThrow(/associated twice/);
    expect(() => load(base + dist('            - {EventType: origin-request, LambdaFunctionARN: !Ref AV}\n', '        CacheBehaviors:\n          - {PathPattern: /x, TargetOriginId: Other}\n'))).toThrow(/TargetOriginId "Other" names no origin/);
  });

  it('ignores a distribution without Lambda@Edge, and warns about an origin it cannot resolve', () => {
    const bucket = '  Bucket:\n    Type: AWS::S3::Bucket\n';
    const plain = '  Site:\n    Type: AWS::CloudFront::Distribution\n    Properties:\n      DistributionConfig:\n        Origins:\n          - {Id: S3, DomainName: !GetAtt Bucket.RegionalDomainName, S3OriginConfig: {}}\n        DefaultCacheBehavior: {TargetOriginId: S3}\n';
    const quiet = load(`Resources:\n${fn('A')}${bucket}${plain}`);
    expect(quiet.edges).toEqual([]);
    expect(quiet.warnings.join('\n')).not.toContain('Site');
    const withEdge = plain.replace('DefaultCacheBehavior: {TargetOriginId: S3}', 'DefaultCacheBehavior: {TargetOriginId: S3, LambdaFunctionAssociations: [{EventType: origin-request, LambdaFunctionARN: !Ref AV}]}');
    const loaded = load(`Resources:\n${fn('A')}${version('AV', 'A')}${bucket}${withEdge}`);
    expect(loaded.edges[0]?.origins).toEqual([{ id: 'S3', domainName: 'unresolved.invalid', path: '', protocol: 'https', port: 443 }]);
    expect(loaded.warnings.join('\n')).toMatch(/Resource Site: property DistributionConfig.Origins\[0\].DomainName: cannot be resolved locally .*--edge-origin S3=http/);
  });
});
