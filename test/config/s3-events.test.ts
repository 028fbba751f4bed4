/**
 * S3 buckets and notifications of a template (src/config/s3-buckets.ts, s3-events.ts), through
 * the template loader: what a realistic template gives, and the problems S3 and SAM would report.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { loadTemplateText, removeTemplateDirs, resource, samFunction, templateProblems } from '../helpers/template-text.js';

afterEach(removeTemplateDirs);

const TEMPLATE = `Resources:
${resource('Uploads', 'AWS::S3::Bucket', '      BucketName: shop-uploads\n')}${resource('Logs', 'AWS::S3::Bucket', `      NotificationConfiguration:
        LambdaConfigurations:
          - Event: s3:ObjectRemoved:*
            Function: !GetAtt Thumbs.Arn
            Filter: { S3Key: { Rules: [{ Name: Suffix, Value: .log }] } }
        QueueConfigurations: []
`)}${samFunction('Thumbs', `      Environment:
        Variables:
          BUCKET: !Ref Uploads
          BUCKET_ARN: !GetAtt Uploads.Arn
      Events:
        Photos:
          Type: S3
          Properties:
            Bucket: !Ref Uploads
            Events: [s3:ObjectCreated:Put, s3:ObjectCreated:CompleteMultipartUpload]
            Filter:
              S3Key:
                Rules:
                  - Name: prefix
                    Value: photos/
                  - Name: suffix
                    Value: .jpg
        Gone:
          Type: S3
          Properties:
            Bucket: !Ref Uploads
            Events: s3:ObjectRemoved:Delete
`)}`;

describe('S3 buckets and notifications of a template', () => {
  it('reads buckets (named and generated), SAM events and bucket configurations', () => {
    const loaded = loadTemplateText(TEMPLATE);
    expect(loaded.s3Buckets.map((b) => b.logicalId)).toEqual(['Uploads', 'Logs']);
    expect(loaded.s3Buckets[0]?.name).toBe('shop-uploads');
    expect(loaded.s3Buckets[1]?.name).toMatch(/^local-logs-[a-z0-9]{13}$/);
    const logs = loaded.s3Buckets[1]?.name ?? '';
    expect(loaded.s3Notifications.map(({ where: _w, ...n }) => n)).toEqual([
      { id: 'ThumbsPhotos', bucketName: 'shop-uploads', functionName: 'Thumbs', qualifier: undefined, events: ['s3:ObjectCreated:Put', 's3:ObjectCreated:CompleteMultipartUpload'], prefix: 'photos/', suffix: '.jpg' },
      { id: 'ThumbsGone', bucketName: 'shop-uploads', functionName: 'Thumbs', qualifier: undefined, events: ['s3:ObjectRemoved:Delete'], prefix: '', suffix: '' },
      { id: 'LogsLambdaConfiguration1', bucketName: logs, functionName: 'Thumbs', qualifier: undefined, events: ['s3:ObjectRemoved:*'], prefix: '', suffix: '.log' },
    ]);
    expect(loaded.functions[0]?.environment).toMatchObject({ BUCKET: 'shop-uploads', BUCKET_ARN: 'arn:aws:s3:::shop-uploads' });
    expect(loaded.warnings).toContain('Resource Logs: property NotificationConfiguration.QueueConfigurations: ignored: Lamina delivers S3 notifications to functions only');
  });

  it('gives the same generated name on every load and keeps it within 63 lower-case characters', () => {
    const body = `Resources:\n${resource('AVeryLongLogicalIdForABucketThatGoesOnAndOnAndOnForeverAndEver', 'AWS::S3::Bucket')}${samFunction('Fn')}`;
    const first = loadTemplateText(body, { stackName: 'My-Stack' }).s3Buckets[0]?.name ?? '';
    expect(first).toBe(loadTemplateText(body, { stackName: 'My-Stack' }).s3Buckets[0]?.name);
    expect(first.length).toBeLessThanOrEqual(63);
    expect(first).toMatch(/^my-stack-averylong[a-z0-9-]*$/);
  });

  it('warns about event types Lamina never emits', () => {
    const loaded = loadTemplateText(`Resources:\n${resource('B', 'AWS::S3::Bucket')}${samFunction('Fn', '      Events:\n        E:\n          Type: S3\n          Properties:\n            Bucket: !Ref B\n            Events: s3:ObjectRestore:Completed\n')}`);
    expect(loaded.warnings.some((w) => w.includes("Events.E.Properties.Events: s3:ObjectRestore:Completed: Lamina's S3 never emits this event"))).toBe(true);
  });
});

const event = (props: string): string =>
  `Resources:\n${resource('B', 'AWS::S3::Bucket', '      BucketName: my-bucket\n')}${resource('Q', 'AWS::SQS::Queue')}${samFunction('Fn', `      Events:\n        E:\n          Type: S3\n          Properties:\n${props}`)}`;
const P = 'Resource Fn: property Events.E.Properties';

describe('template errors, each naming the resource and property', () => {
  it.each([
    ['            Events: s3:ObjectCreated:*\n', `${P}.Bucket: is required (a !Ref to an AWS::S3::Bucket of this template)`],
    ['            Bucket: my-bucket\n            Events: s3:ObjectCreated:*\n', `${P}.Bucket: "my-bucket" must be a !Ref to an AWS::S3::Bucket of this template (SAM requires it)`],
    ['            Bucket: !Ref Q\n            Events: s3:ObjectCreated:*\n', `${P}.Bucket: Ref Q must be a !Ref to an AWS::S3::Bucket of this template (SAM requires it)`],
    ['            Bucket: !Ref B\n', `${P}.Events: is required`],
    ['            Bucket: !Ref B\n            Events: s3:ObjectCreated\n', `${P}.Events: "s3:ObjectCreated" is not an S3 event type`],
    ['            Bucket: !Ref B\n            Events: []\n', `${P}.Events: [] is not an S3 event type or a non-empty list of them`],
    ['            Bucket: !Ref B\n            Events: s3:ObjectCreated:*\n            Filter: { S3Key: { Rules: [{ Name: infix, Value: a }] } }\n', `${P}.Filter.S3Key.Rules[0]: {"Name":"infix","Value":"a"} is not { Name: prefix | suffix, Value: <string> }`],
    ['            Bucket: !Ref B\n            Events: s3:ObjectCreated:*\n            Filter: { S3Key: { Rules: [{ Name: prefix, Value: a }, { Name: prefix, Value: b }] } }\n', `${P}.Filter.S3Key.Rules[1]: a second prefix rule: S3 takes at most one prefix and one suffix`],
    ['            Bucket: !Ref B\n            Events: s3:ObjectCreated:*\n            Filter: { Key: {} }\n', `${P}.Filter: {"Key":{}} is not { S3Key: { Rules: [{ Name: prefix | suffix, Value }] } }`],
    ['            Bucket: !Ref B\n            Events: s3:ObjectCreated:*\n            Prefix: a/\n', `${P}.Prefix: unknown property (Bucket, Events, Filter)`],
    ['            Bucket: !Ref B\n            Events: [s3:ObjectCreated:*, s3:ObjectCreated:Put]\n', `${P}: s3:ObjectCreated:* and s3:ObjectCreated:Put overlap: S3 refuses overlapping configurations`],
  ])('%s', (props, message) => {
    const problems = templateProblems(event(props));
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0]).toContain(message);
  });

  it('refuses overlapping configurations on one bucket, across SAM events and bucket configurations', () => {
    const body = `Resources:
${resource('B', 'AWS::S3::Bucket', `      BucketName: my-bucket
      NotificationConfiguration:
        LambdaConfigurations:
          - Event: s3:ObjectCreated:Put
            Function: !GetAtt Fn.Arn
            Filter: { S3Key: { Rules: [{ Name: prefix, Value: in/raw/ }] } }
`)}${samFunction('Fn', `      Events:
        Jpg:
          Type: S3
          Properties:
            Bucket: !Ref B
            Events: s3:ObjectCreated:*
            Filter: { S3Key: { Rules: [{ Name: prefix, Value: in/ }, { Name: suffix, Value: .jpg }] } }
        Png:
          Type: S3
          Properties:
            Bucket: !Ref B
            Events: s3:ObjectCreated:*
            Filter: { S3Key: { Rules: [{ Name: prefix, Value: in/ }, { Name: suffix, Value: .png }] } }
        Removed:
          Type: S3
          Properties:
            Bucket: !Ref B
            Events: s3:ObjectRemoved:*
`)}`;
    // Jpg and Png differ by suffix, Removed by event type: only the bucket's own configuration overlaps (with both).
    expect(templateProblems(body)).toEqual([
      'Resource B: property NotificationConfiguration.LambdaConfigurations[0]: overlaps Resource Fn: property Events.Jpg.Properties on bucket my-bucket (event s3:ObjectCreated:*, prefix "in/"/"in/raw/", suffix ".jpg"/""): S3 refuses overlapping configurations',
      'Resource B: property NotificationConfiguration.LambdaConfigurations[0]: overlaps Resource Fn: property Events.Png.Properties on bucket my-bucket (event s3:ObjectCreated:*, prefix "in/"/"in/raw/", suffix ".png"/""): S3 refuses overlapping configurations',
    ]);
  });

  it.each([
    ['      BucketName: My_Bucket\n', 'Resource B: property BucketName: "My_Bucket" must be 3-63 lower-case letters'],
    ['      BucketName: a..b\n', 'Resource B: property BucketName: "a..b" must not contain two adjacent dots'],
    ['      BucketName: 192.168.1.1\n', 'Resource B: property BucketName: "192.168.1.1" must not be formatted as an IP address'],
    ['      BucketName: [x]\n', 'Resource B: property BucketName: ["x"] is not a string'],
    ['      NotificationConfiguration:\n        LambdaConfigurations:\n          - Event: s3:ObjectCreated:*\n            Function: arn:aws:lambda:eu-west-1:123456789012:function:Other\n', 'Resource B: property NotificationConfiguration.LambdaConfigurations[0].Function: "arn:aws:lambda:eu-west-1:123456789012:function:Other" is not the ARN of a function of this template'],
    ['      NotificationConfiguration:\n        LambdaConfigurations:\n          - Event: s3:ObjectCreated:*\n', 'Resource B: property NotificationConfiguration.LambdaConfigurations[0].Function: is required'],
    ['      NotificationConfiguration:\n        LambdaConfigurations:\n          - Events: [s3:ObjectCreated:*]\n            Function: !GetAtt Fn.Arn\n', 'Resource B: property NotificationConfiguration.LambdaConfigurations[0].Events: unknown property (Event, Filter, Function)'],
    ['      NotificationConfiguration:\n        LambdaConfiguration: []\n', 'Resource B: property NotificationConfiguration.LambdaConfiguration: unknown property'],
  ])('bucket %s', (props, message) => {
    const problems = templateProblems(`Resources:\n${resource('B', 'AWS::S3::Bucket', props)}${samFunction('Fn')}`);
    expect(problems[0]).toContain(message);
  });

  it('refuses two buckets of one name', () => {
    expect(templateProblems(`Resources:\n${resource('A', 'AWS::S3::Bucket', '      BucketName: same-name\n')}${resource('B', 'AWS::S3::Bucket', '      BucketName: same-name\n')}${samFunction('Fn')}`)).toEqual([
      'Resource B: property BucketName: bucket name same-name is already used by resource A',
    ]);
  });
});
