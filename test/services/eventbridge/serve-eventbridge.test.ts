/**
 * How `lamina serve` starts the embedded EventBridge (src/services/eventbridge/serve-eventbridge.ts):
 * not at all when nothing needs it, for a destination alone, and a PutEvents that arrives before the
 * platform is attached waits for it instead of losing the event.
 */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { describe, expect, it } from 'vitest';
import type { InvokeRequest } from '../../../src/platform/invoke-types.js';
import { DEFAULT_TARGET_RETRY, type EventRuleDefinition } from '../../../src/event-sources/eventbridge/rule-types.js';
import { startEventBridge } from '../../../src/services/eventbridge/serve-eventbridge.js';

const options = { host: '127.0.0.1', port: 0, region: 'us-east-1', accountId: '000000000000', destinationsNeedIt: false, log: () => undefined };
const rule: EventRuleDefinition = { id: 'R', name: 'r', busName: 'default', pattern: { source: ['shop'] }, enabled: true, targets: [{ id: 't', arn: 'arn:aws:lambda:us-east-1:000000000000:function:Fn', functionName: 'Fn', qualifier: undefined, input: { kind: 'event' }, retry: DEFAULT_TARGET_RETRY }] };

describe('startEventBridge', () => {
  it('starts nothing when the template has no rule or bus and no destination needs one', async () => {
    expect(await startEventBridge({ eventRules: [], eventBuses: [] }, options)).toBeUndefined();
  });

  it('starts for an EventBridge destination alone, serving the default bus to it', async () => {
    const started = await startEventBridge({ eventRules: [], eventBuses: [] }, { ...options, destinationsNeedIt: true });
    try {
      expect([...(started?.localBuses ?? new Map())]).toEqual([['arn:aws:events:us-east-1:000000000000:event-bus/default', started?.server.endpoint]]);
      expect(started?.banner).toEqual([`EventBridge (embedded, aws events --endpoint-url ${started?.server.endpoint}):`, '  bus default']);
    } finally {
      await started?.close();
    }
  });

  it('holds events put before the platform is attached, and hands them over once it is', async () => {
    const started = await startEventBridge({ eventRules: [rule], eventBuses: [{ name: 'sales' }] }, options);
    if (started === undefined) throw new Error('not started');
    const accepted: InvokeRequest[] = [];
    const client = new EventBridgeClient({ endpoint: started.server.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, maxAttempts: 1 });
    try {
      let answered = false;
      const put = client.send(new PutEventsCommand({ Entries: [{ Source: 'shop', DetailType: 'd', Detail: '{}' }] })).then((out) => {
        answered = true;
        return out;
      });
      await new Promise((r) => setTimeout(r, 200));
      expect(answered).toBe(false);
      started.attach({ accept: (request: InvokeRequest) => accepted.push(request) });
      expect((await put).FailedEntryCount).toBe(0);
      expect(accepted.map((r) => [r.functionName, r.invocationType, JSON.parse(r.payload.toString()).source])).toEqual([['Fn', 'Event', 'shop']]);
      expect(started.banner).toContain('    rule r -> Fn');
    } finally {
      client.destroy();
      await started.close();
    }
  });

  it('names --events-port when the port is taken', async () => {
    const first = await startEventBridge({ eventRules: [rule], eventBuses: [] }, options);
    const port = Number(new URL(first?.server.endpoint ?? '').port);
    try {
      await expect(startEventBridge({ eventRules: [rule], eventBuses: [] }, { ...options, port })).rejects.toThrow(/choose another --events-port/);
    } finally {
      await first?.close();
    }
  });
});
