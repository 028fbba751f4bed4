/** The log lines derived from phase records are the lines Lamina wrote before records existed. */
import { describe, expect, it } from 'vitest';
import { defined, phaseLines, tracingOf, type PhaseEvent } from '../../src/observability/phase-records.js';

function initReportEvent(durationMs: number, phase: 'init' | 'invoke', status: 'error' | 'timeout', errorType: string | undefined): PhaseEvent {
  const record = { initializationType: 'on-demand', phase, status, metrics: { durationMs }, ...(errorType === undefined ? {} : { errorType }) } as const;
  return { type: 'platform.initReport', record };
}
import { endLine, initReportLine, reportLine, startLine } from '../../src/observability/report-lines.js';

const metrics = { durationMs: 12.345, billedDurationMs: 13, memorySizeMB: 128, maxMemoryUsedMB: 57 };

describe('phaseLines', () => {
  it('writes START from a start record', () => {
    expect(phaseLines({ type: 'platform.start', record: { requestId: 'abc', version: '$LATEST', tracing: tracingOf('Root=1-2-3') } })).toEqual([
      'START RequestId: abc Version: $LATEST',
    ]);
  });

  it('writes END then REPORT from a report record, byte for byte', () => {
    expect(phaseLines({ type: 'platform.report', record: { requestId: 'abc', status: 'success', metrics } })).toEqual([
      'END RequestId: abc',
      'REPORT RequestId: abc\tDuration: 12.35 ms\tBilled Duration: 13 ms\tMemory Size: 128 MB\tMax Memory Used: 57 MB',
    ]);
  });

  it.each([
    ['success', undefined, undefined, undefined],
    ['error', 'Function.Boom', 'error', 'Function.Boom'],
    ['timeout', undefined, 'timeout', undefined],
    ['failure', 'Runtime.ExitError', 'error', 'Runtime.ExitError'],
  ] as const)('a %s report matches reportLine', (status, errorType, lineStatus, lineError) => {
    const record = { requestId: 'id-1', status, metrics: { ...metrics, initDurationMs: 201.5 }, ...(errorType === undefined ? {} : { errorType }) };
    const expected = reportLine({
      requestId: 'id-1', durationMs: 12.345, billedDurationMs: 13, memorySizeMb: 128, maxMemoryUsedMb: 57,
      initDurationMs: 201.5, status: lineStatus, errorType: lineError,
    });
    expect(phaseLines({ type: 'platform.report', record })).toEqual([endLine('id-1'), expected]);
    expect(startLine('id-1', '$LATEST')).toBe('START RequestId: id-1 Version: $LATEST');
  });

  it('writes INIT_REPORT only for a failed init', () => {
    expect(phaseLines(initReportEvent(210.4, 'invoke', 'timeout', undefined))).toEqual([initReportLine(210.4, 'invoke', 'timeout', undefined)]);
    expect(phaseLines(initReportEvent(3, 'init', 'error', 'Runtime.BadInit'))).toEqual(['INIT_REPORT Init Duration: 3.00 ms\tPhase: init\tStatus: error\tError Type: Runtime.BadInit']);
    const ok = { type: 'platform.initReport', record: { initializationType: 'on-demand', phase: 'init', status: 'success', metrics: { durationMs: 5 } } } as const;
    expect(phaseLines(ok)).toEqual([]);
  });

  it('writes INIT_START from the initStart record: with its runtime version, bare for an image, none for a retry inside the invoke', () => {
    const arn = `arn:aws:lambda:eu-south-1::runtime:${'7b'.repeat(32)}`;
    const record = { initializationType: 'on-demand', phase: 'init', functionName: 'f', functionVersion: '$LATEST', runtimeVersion: 'python:3.13.v14', runtimeVersionArn: arn } as const;
    expect(phaseLines({ type: 'platform.initStart', record })).toEqual([`INIT_START Runtime Version: python:3.13.v14\tRuntime Version ARN: ${arn}`]);
    const image = { initializationType: 'on-demand', phase: 'init', functionName: 'f', functionVersion: '$LATEST' } as const;
    expect(phaseLines({ type: 'platform.initStart', record: image })).toEqual(['INIT_START']);
    expect(phaseLines({ type: 'platform.initStart', record: { ...record, phase: 'invoke' } })).toEqual([]);
  });

  it('writes nothing for initRuntimeDone and runtimeDone', () => {
    expect(phaseLines({ type: 'platform.initRuntimeDone', record: { initializationType: 'on-demand', phase: 'init', status: 'success' } })).toEqual([]);
    expect(phaseLines({ type: 'platform.runtimeDone', record: { requestId: 'a', status: 'success', metrics: { durationMs: 1 }, spans: [] } })).toEqual([]);
  });

  it('leaves tracing out without a trace id', () => {
    expect(tracingOf('')).toBeUndefined();
    expect(tracingOf('Root=1-2-3')).toEqual({ type: 'X-Amzn-Trace-Id', value: 'Root=1-2-3' });
  });
});

describe('platform.extension', () => {
  it('derives Lambda\'s EXTENSION line: tab-separated, events in brackets without spaces', () => {
    const event: PhaseEvent = { type: 'platform.extension', record: { name: 'otel agent', state: 'Ready', events: ['INVOKE', 'SHUTDOWN'] } };
    expect(phaseLines(event)).toEqual(['EXTENSION\tName: otel agent\tState: Ready\tEvents: [INVOKE,SHUTDOWN]']);
    expect(phaseLines({ type: 'platform.extension', record: { name: 'x', state: 'InitError', events: [], errorType: 'Extension.Bad' } })).toEqual([
      'EXTENSION\tName: x\tState: InitError\tEvents: []',
    ]);
  });
});

describe('defined', () => {
  it('drops exactly the undefined keys, keeps falsy values and the key order, and copies', () => {
    const record = { requestId: 'r', status: undefined, zero: 0, empty: '', nothing: null, flag: false, last: 'x' };
    const out = defined(record);
    expect(Object.keys(out)).toEqual(['requestId', 'zero', 'empty', 'nothing', 'flag', 'last']);
    expect(JSON.stringify(out)).toBe('{"requestId":"r","zero":0,"empty":"","nothing":null,"flag":false,"last":"x"}');
    expect(out).not.toBe(record);
    expect(record.status).toBeUndefined();
    expect('status' in record).toBe(true);
  });
});
