import { describe, expect, it } from 'vitest';
import { formatTraceHeader, invocationTraceHeader, isSampled, parseTraceHeader } from '../../../src/observability/xray/trace-header.js';
import { bootstrapFunction } from '../../helpers/function-config.js';

const ROOT = '1-5759e988-bd862e3fe1be46a994272793';
const passThrough = bootstrapFunction('plain');
const active = bootstrapFunction('traced', { tracing: 'Active' });
const NOW = Date.UTC(2026, 10, 30, 12);

describe('parseTraceHeader / formatTraceHeader', () => {
  it('reads the fields and keeps the others in order', () => {
    const header = parseTraceHeader(`Root=${ROOT};Parent=53995c3f42cd8ad8;Sampled=1;Lineage=1:0a1b2c3d:2;Custom=x=y`);
    expect(header).toEqual({ root: ROOT, parent: '53995c3f42cd8ad8', sampled: '1', rest: ['Lineage=1:0a1b2c3d:2', 'Custom=x=y'] });
    expect(header && formatTraceHeader(header)).toBe(`Root=${ROOT};Parent=53995c3f42cd8ad8;Sampled=1;Lineage=1:0a1b2c3d:2;Custom=x=y`);
  });

  it('refuses a header without a well-formed root, and drops a malformed parent', () => {
    expect(parseTraceHeader('Root=1-abc;Parent=def;Sampled=1')).toBeUndefined();
    expect(parseTraceHeader('Parent=53995c3f42cd8ad8')).toBeUndefined();
    expect(parseTraceHeader(`Root=${ROOT};Parent=zz`)?.parent).toBeUndefined();
  });
});

describe('isSampled', () => {
  it.each([
    [`Root=${ROOT};Parent=53995c3f42cd8ad8;Sampled=1`, true],
    [`Root=${ROOT};Sampled=1;Lineage=1:0a1b2c3d:2`, true],
    [`Root=${ROOT};Parent=53995c3f42cd8ad8;Sampled=0`, false],
    [`Root=${ROOT};Sampled=10`, false],
    [`Root=${ROOT}`, false],
  ])('%s: %s', (header, sampled) => {
    expect(isSampled(header)).toBe(sampled);
  });
});

describe('invocationTraceHeader (Lambda\'s sampling decision)', () => {
  it('samples every request of an Active function without a caller\'s header, with a new root and parent', () => {
    const header = invocationTraceHeader(undefined, active, NOW);
    expect(header).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=1$/);
    expect(header.slice(7, 15)).toBe(Math.floor(NOW / 1000).toString(16));
  });

  it('samples none of a PassThrough function\'s requests without a decision', () => {
    expect(invocationTraceHeader(undefined, passThrough, NOW)).toMatch(/;Sampled=0$/);
    // A queued event's undecided header is decided by the function's mode.
    expect(invocationTraceHeader(`Root=${ROOT};Parent=53995c3f42cd8ad8;Sampled=?`, passThrough, NOW)).toBe(`Root=${ROOT};Parent=53995c3f42cd8ad8;Sampled=0`);
    expect(invocationTraceHeader(`Root=${ROOT};Parent=53995c3f42cd8ad8;Sampled=?`, active, NOW)).toMatch(new RegExp(`^Root=${ROOT};Parent=(?!53995c3f42cd8ad8)[0-9a-f]{16};Sampled=1$`));
  });

  it('keeps a caller\'s decision: Sampled=1 is traced even in PassThrough, Sampled=0 never, even when Active', () => {
    const traced = invocationTraceHeader(`Root=${ROOT};Parent=53995c3f42cd8ad8;Sampled=1;Lineage=1:0a1b2c3d:2`, passThrough, NOW);
    const parsed = parseTraceHeader(traced);
    expect(parsed).toMatchObject({ root: ROOT, sampled: '1', rest: ['Lineage=1:0a1b2c3d:2'] });
    // The function segment is the new parent; the caller's stays on the invocation's request.
    expect(parsed?.parent).toMatch(/^[0-9a-f]{16}$/);
    expect(parsed?.parent).not.toBe('53995c3f42cd8ad8');
    const declined = `Root=${ROOT};Parent=53995c3f42cd8ad8;Sampled=0`;
    expect(invocationTraceHeader(declined, active, NOW)).toBe(declined);
  });

  it('an Active function traces a caller\'s header that leaves the decision open (no Sampled field)', () => {
    expect(invocationTraceHeader(`Root=${ROOT}`, active, NOW)).toMatch(new RegExp(`^Root=${ROOT};Parent=[0-9a-f]{16};Sampled=1$`));
  });

  it('replaces an unreadable header rather than passing garbage to the SDK', () => {
    expect(invocationTraceHeader('garbage;;;', active, NOW)).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=1$/);
  });

  it('honours TracingConfig.Mode set through the management API', () => {
    const viaApi = bootstrapFunction('api', { management: { role: 'r', architecture: 'x86_64', layers: [], tracingMode: 'Active' } });
    expect(invocationTraceHeader(undefined, viaApi, NOW)).toMatch(/;Sampled=1$/);
  });
});
