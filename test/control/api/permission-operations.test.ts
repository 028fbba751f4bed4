import { describe, expect, it } from 'vitest';
import { controlWith } from './control-fixture.js';

const F = '/2015-03-31/functions';
const ARN = 'arn:aws:lambda:us-east-1:000000000000:function:f';

describe('resource policies', () => {
  it('adds statements as Lambda writes them and answers the policy document with its RevisionId', async () => {
    const { call } = await controlWith(['f']);
    const added = await call('POST', `${F}/f/policy`, { StatementId: 's3', Action: 'lambda:InvokeFunction', Principal: 's3.amazonaws.com', SourceArn: 'arn:aws:s3:::bucket', SourceAccount: '123456789012' });
    expect(added.status).toBe(201);
    expect(JSON.parse(added.json['Statement'] as string)).toEqual({
      Sid: 's3',
      Effect: 'Allow',
      Principal: { Service: 's3.amazonaws.com' },
      Action: 'lambda:InvokeFunction',
      Resource: ARN,
      Condition: { StringEquals: { 'AWS:SourceAccount': '123456789012' }, ArnLike: { 'AWS:SourceArn': 'arn:aws:s3:::bucket' } },
    });
    await call('POST', `${F}/f/policy`, { StatementId: 'acct', Action: 'lambda:*', Principal: '210987654321' });
    const policy = await call('GET', `${F}/f/policy`);
    const document = JSON.parse(policy.json['Policy'] as string) as { Version: string; Id: string; Statement: { Sid: string; Principal: unknown }[] };
    expect(document.Version).toBe('2012-10-17');
    expect(document.Id).toBe('default');
    expect(document.Statement.map((s) => s.Sid)).toEqual(['s3', 'acct']);
    expect(document.Statement[1]?.Principal).toEqual({ AWS: 'arn:aws:iam::210987654321:root' });
    expect(policy.json['RevisionId']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses a statement id twice, a stale RevisionId, unknown statements and bad members', async () => {
    const { call, refused } = await controlWith(['f']);
    await call('POST', `${F}/f/policy`, { StatementId: 'one', Action: 'lambda:InvokeFunction', Principal: '*' });
    expect(await refused('POST', `${F}/f/policy`, { StatementId: 'one', Action: 'lambda:InvokeFunction', Principal: '*' })).toMatchObject({ name: 'ResourceConflictException', status: 409 });
    const revision = (await call('GET', `${F}/f/policy`)).json['RevisionId'] as string;
    expect(await refused('POST', `${F}/f/policy`, { StatementId: 'two', Action: 'lambda:InvokeFunction', Principal: '*', RevisionId: 'stale' })).toMatchObject({ name: 'PreconditionFailedException' });
    await call('POST', `${F}/f/policy`, { StatementId: 'two', Action: 'lambda:InvokeFunction', Principal: '*', RevisionId: revision });
    expect(await refused('DELETE', `${F}/f/policy/one?RevisionId=${revision}`)).toMatchObject({ name: 'PreconditionFailedException' });
    expect(await refused('DELETE', `${F}/f/policy/three`)).toMatchObject({ name: 'ResourceNotFoundException' });
    expect(await refused('POST', `${F}/f/policy`, { StatementId: 'bad id', Action: 'lambda:InvokeFunction', Principal: '*' })).toMatchObject({ name: 'ValidationException' });
    expect(await refused('POST', `${F}/f/policy`, { StatementId: 'x', Action: 's3:GetObject', Principal: '*' })).toMatchObject({ name: 'ValidationException' });
    expect(await refused('POST', `${F}/f/policy`, { StatementId: 'x', Action: 'lambda:InvokeFunction' })).toMatchObject({ name: 'ValidationException' });
    expect((await call('DELETE', `${F}/f/policy/one`)).status).toBe(204);
    expect((await call('DELETE', `${F}/f/policy/two`)).status).toBe(204);
    expect(await refused('GET', `${F}/f/policy`)).toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('keeps a qualifier\'s policy apart, naming the qualified ARN, and caps the policy at 20 KB', async () => {
    const { call, refused } = await controlWith(['f']);
    await call('POST', `${F}/f/versions`, {});
    const added = await call('POST', `${F}/f/policy?Qualifier=1`, { StatementId: 'v1', Action: 'lambda:InvokeFunction', Principal: '*' });
    expect(JSON.parse(added.json['Statement'] as string)).toMatchObject({ Resource: `${ARN}:1` });
    expect(await refused('GET', `${F}/f/policy`)).toMatchObject({ name: 'ResourceNotFoundException' });
    expect(await refused('POST', `${F}/f/policy?Qualifier=5`, { StatementId: 'v5', Action: 'lambda:InvokeFunction', Principal: '*' })).toMatchObject({ name: 'ResourceNotFoundException' });
    let refusal: { name: string } | undefined;
    for (let i = 0; i < 200 && refusal === undefined; i += 1) {
      try {
        await call('POST', `${F}/f/policy`, { StatementId: `s${i}`, Action: 'lambda:InvokeFunction', Principal: 'events.amazonaws.com', SourceArn: `arn:aws:events:us-east-1:000000000000:rule/${'r'.repeat(60)}${i}` });
      } catch (error) {
        refusal = error as { name: string };
      }
    }
    expect(refusal?.name).toBe('PolicyLengthExceededException');
    expect((await call('GET', `${F}/f/policy`)).json['Policy'] as string).toSatisfy((text: string) => Buffer.byteLength(text) <= 20_480);
  });
});
