import { describe, expect, it } from 'vitest';
import { changedResources, planTemplateChange } from '../../src/hot-reload/template-diff.js';
import { customRuntimeFunction } from '../helpers/function-config.js';

const fn = (name: string, overrides = {}) => customRuntimeFunction(name, `/project/${name}`, overrides);

const NO_RESOURCES = { apis: [], urls: [], albs: [], edges: [], queues: [], sqsMappings: [], schedules: [], eventRules: [], eventBuses: [], s3Buckets: [], s3Notifications: [], streams: [], streamMappings: [] };

describe('planTemplateChange', () => {
  it('creates the new, updates the changed, removes the gone and leaves the same alone', () => {
    const before = [fn('Kept'), fn('Changed'), fn('Gone')];
    const after = [fn('Kept'), fn('Changed', { memorySize: 512 }), fn('Added')];
    const plan = planTemplateChange(before, after, new Set(['Kept', 'Changed', 'Gone']));
    expect(plan.create.map((f) => f.name)).toEqual(['Added']);
    expect(plan.update.map((f) => f.name)).toEqual(['Changed']);
    expect(plan.update[0]?.memorySize).toBe(512);
    expect(plan.remove).toEqual(['Gone']);
    expect(plan.claimed).toEqual([]);
    expect(plan.restart.size).toBe(0);
  });

  it('sees a changed definition whatever the key order, and no change when only the order differs', () => {
    const a = fn('F', { environment: { A: '1', B: '2' } });
    const b = { ...fn('F'), environment: { B: '2', A: '1' } };
    expect(planTemplateChange([a], [b], new Set(['F'])).update).toEqual([]);
    expect(planTemplateChange([a], [fn('F', { environment: { A: '1', B: '3' } })], new Set(['F'])).update).toHaveLength(1);
  });

  it('never creates over a function made through the management API (the template claims it only at a restart)', () => {
    const plan = planTemplateChange([fn('Mine')], [fn('Mine'), fn('FromApi')], new Set(['Mine', 'FromApi']));
    expect(plan.create).toEqual([]);
    expect(plan.claimed).toEqual(['FromApi']);
  });

  it('does not remove API functions: only what the template gave last time can be removed', () => {
    const plan = planTemplateChange([fn('Mine')], [], new Set(['Mine', 'FromApi']));
    expect(plan.remove).toEqual(['Mine']);
  });

  it('names the settings read only at start that changed', () => {
    const plan = planTemplateChange([fn('F', { reservedConcurrency: 2 })], [fn('F', { reservedConcurrency: 5, publishedAlias: 'live', timeout: 9 })], new Set(['F']));
    expect(plan.update).toHaveLength(1);
    expect(plan.restart.get('F')).toEqual(['AutoPublishAlias', 'ReservedConcurrentExecutions']);
  });
});

describe('changedResources', () => {
  it('names the kinds of resources whose definitions differ', () => {
    expect(changedResources(NO_RESOURCES, NO_RESOURCES)).toEqual([]);
    const schedule = { ...NO_RESOURCES, schedules: [{ name: 'Every', rate: 'rate(1 minute)' }] } as unknown as typeof NO_RESOURCES;
    expect(changedResources(NO_RESOURCES, schedule)).toEqual(['schedules']);
  });
});
