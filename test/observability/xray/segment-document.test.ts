import { describe, expect, it } from 'vitest';
import { MAX_DATAGRAM_BYTES, parseDatagram } from '../../../src/observability/xray/segment-document.js';

const HEADER = '{"format":"json","version":1}\n';
const TRACE = '1-5759e988-bd862e3fe1be46a994272793';
const datagram = (body: unknown): Buffer => Buffer.from(HEADER + (typeof body === 'string' ? body : JSON.stringify(body)));
const segment = { trace_id: TRACE, id: '70de5b6f19ff9a0a', name: 'Scorekeep', start_time: 1478293361.271, end_time: 1478293361.449 };

describe('parseDatagram', () => {
  it('reads a complete segment with embedded subsegments, which inherit its trace and name it as parent', () => {
    const parsed = parseDatagram(datagram({ ...segment, origin: 'AWS::EC2::Instance', subsegments: [
      { id: '70de5b6f19ff9a0b', name: 'DynamoDB', start_time: 1478293361.3, end_time: 1478293361.4, fault: true,
        subsegments: [{ id: '70de5b6f19ff9a0c', name: 'retry', start_time: 1478293361.31, end_time: 1478293361.32, throttle: true }] },
    ] }));
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    const { document } = parsed;
    expect(document).toMatchObject({ traceId: TRACE, id: '70de5b6f19ff9a0a', name: 'Scorekeep', subsegment: false, origin: 'AWS::EC2::Instance', inProgress: false });
    expect(document.subsegments[0]).toMatchObject({ traceId: TRACE, parentId: '70de5b6f19ff9a0a', subsegment: true, fault: true, error: false });
    // A throttle is shown as an error, as the X-Ray console counts it.
    expect(document.subsegments[0]?.subsegments[0]).toMatchObject({ parentId: '70de5b6f19ff9a0b', error: true });
  });

  it('reads an in-progress segment and a subsegment sent on its own', () => {
    const progress = parseDatagram(datagram({ trace_id: TRACE, id: '70de5b6f19ff9a0a', name: 'x', start_time: 1.5, in_progress: true }));
    expect(progress.ok && progress.document.inProgress).toBe(true);
    const alone = parseDatagram(datagram({ trace_id: TRACE, id: '70de5b6f19ff9a0c', name: 'www2.example.com', start_time: 1.5, end_time: 2, type: 'subsegment', parent_id: '70de5b6f19ff9a0b' }));
    expect(alone.ok && alone.document).toMatchObject({ subsegment: true, parentId: '70de5b6f19ff9a0b' });
  });

  it('refuses a subsegment sent on its own without its parent', () => {
    expect(parseDatagram(datagram({ trace_id: TRACE, id: '70de5b6f19ff9a0c', name: 'x', start_time: 1.5, end_time: 2, type: 'subsegment' }))).toEqual({ ok: false, reason: 'shape' });
  });

  it.each([
    ['no header line', Buffer.from(JSON.stringify(segment)), 'header'],
    ['another format', Buffer.from(`{"format":"xml","version":1}\n${JSON.stringify(segment)}`), 'header'],
    ['another version', Buffer.from(`{"format":"json","version":2}\n${JSON.stringify(segment)}`), 'header'],
    ['a header that is not JSON', Buffer.from(`format=json\n${JSON.stringify(segment)}`), 'header'],
    ['a body that is not JSON', datagram('{"trace_id":'), 'json'],
    ['binary garbage', Buffer.from([0xff, 0x00, 0x0a, 0xfe, 0xfd]), 'header'],
    ['a body that is a list', datagram([segment]), 'shape'],
    ['a bad trace id', datagram({ ...segment, trace_id: '1-xyz' }), 'shape'],
    ['a bad segment id', datagram({ ...segment, id: 'not-hex-at-all!!' }), 'shape'],
    ['no name', datagram({ ...segment, name: '' }), 'shape'],
    ['no end and not in progress', datagram({ ...segment, end_time: undefined }), 'shape'],
    ['an end before the start', datagram({ ...segment, end_time: 1 }), 'shape'],
    ['a start that is not a number', datagram({ ...segment, start_time: '1478293361' }), 'shape'],
    ['subsegments that are not a list', datagram({ ...segment, subsegments: {} }), 'shape'],
    ['one bad embedded subsegment', datagram({ ...segment, subsegments: [{ id: '70de5b6f19ff9a0b', name: 'ok', start_time: 2, end_time: 3 }, { id: 'bad', name: 'x', start_time: 2, end_time: 3 }] }), 'shape'],
  ])('refuses %s', (_name, bytes, reason) => {
    expect(parseDatagram(bytes)).toEqual({ ok: false, reason });
  });

  it('refuses a datagram over 64 KB before reading it', () => {
    const big = datagram({ ...segment, annotations: { pad: 'x'.repeat(MAX_DATAGRAM_BYTES) } });
    expect(parseDatagram(big)).toEqual({ ok: false, reason: 'oversize' });
  });

  it('bounds nesting: a document nested deeper than 32 subsegments is refused, not recursed through', () => {
    let nested: Record<string, unknown> = { id: '0000000000000001', name: 'leaf', start_time: 2, end_time: 3 };
    for (let i = 0; i < 40; i += 1) nested = { id: (i + 2).toString(16).padStart(16, '0'), name: `n${i}`, start_time: 2, end_time: 3, subsegments: [nested] };
    expect(parseDatagram(datagram({ ...segment, subsegments: [nested] }))).toEqual({ ok: false, reason: 'shape' });
  });

  it('bounds the number of embedded subsegments in one document', () => {
    const many = Array.from({ length: 1001 }, (_, i) => ({ id: i.toString(16).padStart(16, '0'), name: 's', start_time: 2, end_time: 3 }));
    const bytes = datagram({ ...segment, subsegments: many });
    // Within 64 KB, so the count bound is what refuses it.
    expect(bytes.length).toBeLessThan(MAX_DATAGRAM_BYTES);
    expect(parseDatagram(bytes)).toEqual({ ok: false, reason: 'shape' });
    const fewer = datagram({ ...segment, subsegments: many.slice(0, 300) });
    expect(parseDatagram(fewer).ok).toBe(true);
  });

  it('cuts names to X-Ray\'s 200 characters', () => {
    const parsed = parseDatagram(datagram({ ...segment, name: 'n'.repeat(500) }));
    expect(parsed.ok && parsed.document.name.length).toBe(200);
  });
});
