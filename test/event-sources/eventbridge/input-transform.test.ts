/**
 * Target input of EventBridge rules: JSON paths of EventBridge's subset, InputPath, and
 * InputTransformer templates (placeholders in and out of quotes, predefined variables, missing
 * values, hostile values that try to break out of a string), plus the checks at template load.
 */
import { describe, expect, it } from 'vitest';
import { eventBridgeEvent } from '../../../src/event-sources/eventbridge/eventbridge-event.js';
import { compileJsonPath, compileTransformer, readPath, renderTargetInput } from '../../../src/event-sources/eventbridge/input-transform.js';
import type { JsonPath, TargetInput } from '../../../src/event-sources/eventbridge/rule-types.js';

const event = eventBridgeEvent({
  id: 'e-1',
  source: 'shop',
  detailType: 'Order Placed',
  detail: { id: 7, name: 'say "hi"\n', items: [{ sku: 'a' }, { sku: 'b' }], nested: { ok: true }, 'with-dash': 'd' },
  resources: ['arn:aws:s3:::bucket'],
  time: new Date('2026-01-02T03:04:05.678Z'),
  account: '000000000000',
});
const facts = { ruleArn: 'arn:aws:events:us-east-1:000000000000:rule/r', ruleName: 'r', ingestionTime: '2026-01-02T03:04:06.000Z' };

const path = (text: string): JsonPath => {
  const p = compileJsonPath(text);
  if (typeof p === 'string') throw new Error(`refused ${text}: ${p}`);
  return p;
};
const transformer = (paths: Record<string, string>, template: string): TargetInput => {
  const t = compileTransformer(paths, template);
  if (!('kind' in t)) throw new Error(`refused: ${t.property} ${t.problem}`);
  return t;
};
const render = (input: TargetInput): string => renderTargetInput(input, event, facts);

describe('the event envelope', () => {
  it('has EventBridge\'s fields and its time to the second', () => {
    expect(event).toEqual({ version: '0', id: 'e-1', 'detail-type': 'Order Placed', source: 'shop', account: '000000000000', time: '2026-01-02T03:04:05Z', region: 'us-east-1', resources: ['arn:aws:s3:::bucket'], detail: event.detail });
  });
});

describe('JSON paths', () => {
  it('reads keys, dashes, indices and wildcards; reports what is missing', () => {
    expect(readPath(path('$'), event).value).toBe(event);
    expect(readPath(path('$.detail.id'), event)).toEqual({ found: true, value: 7 });
    expect(readPath(path('$.detail-type'), event)).toEqual({ found: true, value: 'Order Placed' });
    expect(readPath(path('$.detail.with-dash'), event)).toEqual({ found: true, value: 'd' });
    expect(readPath(path('$.detail.items[1].sku'), event)).toEqual({ found: true, value: 'b' });
    expect(readPath(path('$.detail.items[*].sku'), event)).toEqual({ found: true, value: ['a', 'b'] });
    expect(readPath(path('$.detail.items.*.sku'), event)).toEqual({ found: true, value: ['a', 'b'] });
    expect(readPath(path('$.detail.items[5]'), event).found).toBe(false);
    expect(readPath(path('$.detail.id.deeper'), event).found).toBe(false);
    expect(readPath(path('$.detail.constructor'), event).found).toBe(false);
  });

  it.each([
    ['detail', 'must start with "$"'],
    ['$.', 'empty or invalid step'],
    ['$..a', 'empty or invalid step'],
    ["$['a']", 'only [n] and [*]'],
    ['$.a b', 'where "." or "[" was expected'],
    [`$.${'a'.repeat(300)}`, 'at most 256'],
  ])('refuses %s', (text, problem) => {
    expect(compileJsonPath(text)).toContain(problem);
  });
});

describe('InputPath and Input', () => {
  it('sends the part at the path as JSON, null when nothing is there; Input as it is', () => {
    expect(render({ kind: 'path', path: path('$.detail') })).toBe(JSON.stringify(event.detail));
    expect(render({ kind: 'path', path: path('$.source') })).toBe('"shop"');
    expect(render({ kind: 'path', path: path('$.detail.missing') })).toBe('null');
    expect(render({ kind: 'constant', text: '{"fixed": 1}' })).toBe('{"fixed": 1}');
    expect(JSON.parse(render({ kind: 'event' }))).toEqual(event);
  });
});

describe('InputTransformer', () => {
  it('writes JSON outside quotes and escaped text inside them', () => {
    const out = render(transformer({ id: '$.detail.id', name: '$.detail.name', nested: '$.detail.nested' }, '{"id": <id>, "text": "order <id> from <name>", "nested": <nested>, "inQuotes": "<nested>"}'));
    expect(JSON.parse(out)).toEqual({ id: 7, text: 'order 7 from say "hi"\n', nested: { ok: true }, inQuotes: '{"ok":true}' });
  });

  it('fills the predefined variables', () => {
    const out = JSON.parse(render(transformer({}, '{"arn": "<aws.events.rule-arn>", "name": "<aws.events.rule-name>", "at": "<aws.events.event.ingestion-time>", "envelope": <aws.events.event>, "all": <aws.events.event.json>}'))) as Record<string, Record<string, unknown>>;
    expect(out).toMatchObject({ arn: facts.ruleArn, name: 'r', at: facts.ingestionTime });
    expect(out.envelope).not.toHaveProperty('detail');
    expect(out.envelope).toMatchObject({ source: 'shop', id: 'e-1' });
    expect(out.all).toEqual(event);
  });

  it('gives null outside quotes and nothing inside them for a path with no value', () => {
    expect(JSON.parse(render(transformer({ gone: '$.detail.gone' }, '{"v": <gone>, "t": "[<gone>]"}')))).toEqual({ v: null, t: '[]' });
  });

  it('leaves unknown <words> alone and sends a quoted text template as a JSON string', () => {
    expect(JSON.parse(render(transformer({ id: '$.detail.id' }, '"order <id> is <not-a-variable>"')))).toBe('order 7 is <not-a-variable>');
  });

  it('keeps a hostile value inside its string: quotes, backslashes and placeholders in the data stay data', () => {
    const hostile = eventBridgeEvent({ source: 's', detailType: 'd', detail: { v: '", "injected": true, "x": "\\<id>' } });
    const out = renderTargetInput(transformer({ v: '$.detail.v', id: '$.id' }, '{"v": "<v>"}'), hostile, facts);
    expect(JSON.parse(out)).toEqual({ v: '", "injected": true, "x": "\\<id>' });
  });

  it.each([
    [{ 'aws.events.rule-arn': '$.id' }, '{}', 'InputPathsMap.aws.events.rule-arn', 'reserved'],
    [{ 'a b': '$.id' }, '{}', 'InputPathsMap.a b', 'letters, digits'],
    [{ a: 'detail' }, '{}', 'InputPathsMap.a', 'must start with "$"'],
    [{ a: 5 }, '{}', 'InputPathsMap.a', 'not a JSON path'],
    [{ a: '$.id' }, '<a> is here', 'InputTemplate', 'does not give JSON'],
    [{ a: '$.id' }, '{<a>: 1}', 'InputTemplate', 'does not give JSON'],
    [{}, '', 'InputTemplate', '1-8192'],
    [Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`k${i}`, '$.id'])), '{}', 'InputPathsMap', 'at most 100'],
  ])('refuses an InputPathsMap (%#) with template %j', (paths, template, property, problem) => {
    const t = compileTransformer(paths, template);
    expect(t).toMatchObject({ property, problem: expect.stringContaining(problem) });
  });
});
