/**
 * The embedded EventBridge server on 127.0.0.1, through `@aws-sdk/client-eventbridge` and raw HTTP:
 * PutEvents' per-entry answers, the request-level refusals (11 entries, over 256 KB as EventBridge
 * counts it, oversized or malformed bodies), rules matching on the right bus, and the read-only views.
 */
import { DescribeEventBusCommand, DescribeRuleCommand, EventBridgeClient, ListEventBusesCommand, ListRulesCommand, ListTargetsByRuleCommand, PutEventsCommand, ResourceNotFoundException } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Delivery } from '../../../src/event-sources/eventbridge/rule-router.js';
import { compileTransformer } from '../../../src/event-sources/eventbridge/input-transform.js';
import { DEFAULT_TARGET_RETRY, type EventRuleDefinition, type TargetInput } from '../../../src/event-sources/eventbridge/rule-types.js';
import { startEventBridgeServer, type EventBridgeServer } from '../../../src/services/eventbridge/eventbridge-server.js';

const account = { region: 'us-east-1', accountId: '000000000000' };
const fnArn = (name: string): string => `arn:aws:lambda:us-east-1:000000000000:function:${name}`;
const transformer = compileTransformer({ id: '$.detail.id' }, '{"order": <id>, "rule": "<aws.events.rule-name>"}') as TargetInput;
const rules: EventRuleDefinition[] = [
  { id: 'Orders', name: 'orders-placed', busName: 'default', pattern: { source: ['shop'], 'detail-type': ['Order Placed'] }, enabled: true, targets: [{ id: 't1', arn: fnArn('A'), functionName: 'A', qualifier: undefined, input: { kind: 'event' }, retry: DEFAULT_TARGET_RETRY }] },
  { id: 'Custom', name: 'big-orders', busName: 'sales', pattern: { detail: { amount: [{ numeric: ['>=', 100] }] } }, enabled: true, description: 'big ones', targets: [{ id: 't2', arn: `${fnArn('B')}:live`, functionName: 'B', qualifier: 'live', input: transformer, retry: { maximumRetryAttempts: 3, maximumEventAgeSeconds: 60 } }] },
  { id: 'Off', name: 'disabled', busName: 'default', pattern: { source: ['shop'] }, enabled: false, targets: [{ id: 't3', arn: fnArn('C'), functionName: 'C', qualifier: undefined, input: { kind: 'event' }, retry: DEFAULT_TARGET_RETRY }] },
];
const delivered: Delivery[] = [];
let server: EventBridgeServer;
let client: EventBridgeClient;

beforeAll(async () => {
  server = await startEventBridgeServer({ host: '127.0.0.1', port: 0, ...account, buses: [{ name: 'sales', logicalId: 'Sales' }], rules, deliver: async (d) => delivered.push(d) });
  client = new EventBridgeClient({ endpoint: server.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
});

afterAll(async () => {
  client.destroy();
  await server.close();
});

async function raw(target: string | undefined, body: string): Promise<{ status: number; type: string | null; json: Record<string, unknown> }> {
  const res = await fetch(server.endpoint, { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.1', ...(target === undefined ? {} : { 'x-amz-target': target }) }, body });
  return { status: res.status, type: res.headers.get('x-amzn-errortype'), json: (await res.json()) as Record<string, unknown> };
}

describe('PutEvents', () => {
  it('answers each entry in its place: an EventId, or the error EventBridge gives', async () => {
    delivered.length = 0;
    const out = await client.send(new PutEventsCommand({
      Entries: [
        { Source: 'shop', DetailType: 'Order Placed', Detail: '{"id":1}', Resources: ['arn:aws:s3:::b'], Time: new Date('2026-01-02T03:04:05Z') },
        { DetailType: 'x', Detail: '{}' },
        { Source: 'shop', DetailType: 'x', Detail: '[1,2]' },
        { Source: 'shop', DetailType: 'x', Detail: 'not json' },
        { Source: 'shop', DetailType: 'x', Detail: '{}', EventBusName: 'nope' },
        { Source: 'aws.ec2', DetailType: 'x', Detail: '{}' },
        { Source: 'shop', Detail: '{}' },
        { Source: 'shop', DetailType: 'x' },
      ],
    }));
    expect(out.FailedEntryCount).toBe(7);
    expect(out.Entries?.[0]?.EventId).toMatch(/^[0-9a-f-]{36}$/);
    expect(out.Entries?.slice(1).map((e) => e.ErrorCode)).toEqual(['InvalidArgument', 'MalformedDetail', 'MalformedDetail', 'ResourceNotFoundException', 'NotAuthorizedForSourceException', 'InvalidArgument', 'InvalidArgument']);
    expect(out.Entries?.[1]?.ErrorMessage).toBe('Parameter Source is not valid. Reason: Source is a required argument.');
    expect(delivered.map((d) => d.functionName)).toEqual(['A']);
    const event = JSON.parse(delivered[0]?.payload.toString() ?? '{}') as Record<string, unknown>;
    expect(event).toEqual({ version: '0', id: out.Entries?.[0]?.EventId, 'detail-type': 'Order Placed', source: 'shop', account: '000000000000', time: '2026-01-02T03:04:05Z', region: 'us-east-1', resources: ['arn:aws:s3:::b'], detail: { id: 1 } });
  });

  it('matches only the rules of the entry\'s bus (by name or ARN), with the target\'s transformer', async () => {
    delivered.length = 0;
    await client.send(new PutEventsCommand({ Entries: [
      { Source: 'shop', DetailType: 'Order Placed', Detail: '{"id":2,"amount":150}', EventBusName: 'arn:aws:events:us-east-1:000000000000:event-bus/sales' },
      { Source: 'shop', DetailType: 'Order Placed', Detail: '{"id":3,"amount":50}', EventBusName: 'sales' },
    ] }));
    expect(delivered.map((d) => [d.functionName, d.qualifier, d.payload.toString()])).toEqual([['B', 'live', '{"order": 2, "rule": "big-orders"}']]);
  });

  it('refuses a bus ARN of another account as a bus that does not exist', async () => {
    const out = await client.send(new PutEventsCommand({ Entries: [{ Source: 's', DetailType: 'd', Detail: '{}', EventBusName: 'arn:aws:events:us-east-1:111111111111:event-bus/sales' }] }));
    expect(out.Entries?.[0]?.ErrorCode).toBe('ResourceNotFoundException');
  });

  it('refuses a Detail nested deeper than 1,000 levels as malformed, without harm to the other entries', async () => {
    delivered.length = 0;
    const deep = (n: number): string => `{"a":${'['.repeat(n)}${']'.repeat(n)}}`;
    const out = await client.send(new PutEventsCommand({ Entries: [
      { Source: 'shop', DetailType: 'Order Placed', Detail: deep(100_000) },
      { Source: 'shop', DetailType: 'Order Placed', Detail: deep(998) },
      { Source: 'shop', DetailType: 'Order Placed', Detail: `{"s":"${'['.repeat(5000)}"}` },
    ] }));
    expect(out.Entries?.map((e) => e.ErrorCode ?? 'ok')).toEqual(['MalformedDetail', 'ok', 'ok']);
    expect(delivered).toHaveLength(2);
  });

  it('refuses 11 entries and 0 entries as a whole (ValidationException)', async () => {
    const entry = { Source: 'shop', DetailType: 'x', Detail: '{}' };
    await expect(client.send(new PutEventsCommand({ Entries: new Array(11).fill(entry) }))).rejects.toMatchObject({ name: 'ValidationException', $metadata: { httpStatusCode: 400 } });
    const empty = await raw('AWSEvents.PutEvents', '{"Entries":[]}');
    expect([empty.status, empty.type]).toEqual([400, 'ValidationException']);
    const none = await raw('AWSEvents.PutEvents', '{}');
    expect([none.status, none.type]).toEqual([400, 'ValidationException']);
  });

  it('counts 256 KB as EventBridge does: the Detail bytes, not the JSON around them', async () => {
    delivered.length = 0;
    const fits = `{"a":"${'x'.repeat(256 * 1024 - 8 - 'shop'.length - 'Order Placed'.length)}"}`;
    const ok = await client.send(new PutEventsCommand({ Entries: [{ Source: 'shop', DetailType: 'Order Placed', Detail: fits }] }));
    expect(ok.FailedEntryCount).toBe(0);
    // A multi-byte character counts its UTF-8 bytes: the same length in é is over the limit.
    const over = `{"a":"${'é'.repeat(140 * 1024)}"}`;
    await expect(client.send(new PutEventsCommand({ Entries: [{ Source: 'shop', DetailType: 'Order Placed', Detail: over }] }))).rejects.toMatchObject({ name: 'ValidationException', message: expect.stringContaining('Total size of the entries') });
    expect(delivered).toHaveLength(1);
  });

  it('refuses an oversized body before parsing it, and malformed bodies, in the JSON 1.1 error shape', async () => {
    const huge = await raw('AWSEvents.PutEvents', `{"Entries":[{"Detail":"${'x'.repeat(3 * 1024 * 1024)}"}]}`);
    expect([huge.status, huge.type]).toEqual([413, 'RequestEntityTooLargeException']);
    const notJson = await raw('AWSEvents.PutEvents', '{"Entries":');
    expect(notJson).toMatchObject({ status: 400, type: 'SerializationException', json: { __type: 'SerializationException' } });
    expect((await raw('AWSEvents.PutEvents', '[1]')).type).toBe('SerializationException');
    expect((await raw('AWSEvents.PutEvents', '{"Entries":"x"}')).type).toBe('SerializationException');
    expect((await raw('AWSEvents.PutEvents', '{"Entries":[null, 5, "x"]}')).json).toMatchObject({ FailedEntryCount: 3 });
    expect((await raw('AWSEvents.PutRule', '{}')).type).toBe('UnknownOperationException');
    expect((await raw(undefined, '{}')).type).toBe('UnknownOperationException');
    expect((await raw('AWSEvents.PutEvents', '{"Entries":[{"Source":"s","DetailType":"d","Detail":"{}","Time":"yesterday"}]}')).json).toMatchObject({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InvalidArgument' }] });
  });
});

describe('read-only views', () => {
  it('lists and describes buses, rules and targets', async () => {
    const buses = await client.send(new ListEventBusesCommand({}));
    expect(buses.EventBuses?.map((b) => [b.Name, b.Arn])).toEqual([['default', 'arn:aws:events:us-east-1:000000000000:event-bus/default'], ['sales', 'arn:aws:events:us-east-1:000000000000:event-bus/sales']]);
    expect((await client.send(new DescribeEventBusCommand({ Name: 'sales' }))).Arn).toBe('arn:aws:events:us-east-1:000000000000:event-bus/sales');
    await expect(client.send(new DescribeEventBusCommand({ Name: 'nope' }))).rejects.toBeInstanceOf(ResourceNotFoundException);
    const listed = await client.send(new ListRulesCommand({}));
    expect(listed.Rules?.map((r) => [r.Name, r.State])).toEqual([['orders-placed', 'ENABLED'], ['disabled', 'DISABLED']]);
    const paged = await client.send(new ListRulesCommand({ Limit: 1 }));
    expect([paged.Rules?.length, paged.NextToken]).toEqual([1, '1']);
    const rule = await client.send(new DescribeRuleCommand({ Name: 'big-orders', EventBusName: 'sales' }));
    expect(rule).toMatchObject({ Arn: 'arn:aws:events:us-east-1:000000000000:rule/sales/big-orders', EventBusName: 'sales', Description: 'big ones', State: 'ENABLED' });
    expect(JSON.parse(rule.EventPattern ?? '')).toEqual({ detail: { amount: [{ numeric: ['>=', 100] }] } });
    await expect(client.send(new DescribeRuleCommand({ Name: 'big-orders' }))).rejects.toBeInstanceOf(ResourceNotFoundException);
    const targets = await client.send(new ListTargetsByRuleCommand({ Rule: 'big-orders', EventBusName: 'sales' }));
    expect(targets.Targets).toEqual([{ Id: 't2', Arn: `${fnArn('B')}:live`, InputTransformer: { InputPathsMap: { id: '$.detail.id' }, InputTemplate: '{"order": <id>, "rule": "<aws.events.rule-name>"}' }, RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 60 } }]);
  });
});
