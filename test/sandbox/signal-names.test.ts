/**
 * Signals by number, name and Lambda's words (src/sandbox/signal-names.ts): a runtime killed by a
 * signal Node has no name for (a realtime one) reads as that signal, never as SIGKILL, and in
 * Go's words as Lambda's Runtime.ExitError says them.
 */
import { describe, expect, it } from 'vitest';
import { describeExit, runtimeExitMessage } from '../../src/sandbox/process-sandbox.js';
import { exitSignalWords, signalName, signalNumber } from '../../src/sandbox/signal-names.js';

describe('signal names', () => {
  it('names the signals Node names as Node does, and the realtime ones as the shells do', () => {
    expect([9, 11, 15, 6, 29].map(signalName)).toEqual(['SIGKILL', 'SIGSEGV', 'SIGTERM', 'SIGABRT', 'SIGIO']);
    expect([34, 35, 37, 49, 50, 62, 64].map(signalName)).toEqual(['SIGRTMIN', 'SIGRTMIN+1', 'SIGRTMIN+3', 'SIGRTMIN+15', 'SIGRTMAX-14', 'SIGRTMAX-2', 'SIGRTMAX']);
    expect([32, 33, 65].map(signalName)).toEqual(['SIG32', 'SIG33', 'SIG65']);
  });

  it('gives back the number of every name it gives', () => {
    for (let number = 1; number <= 65; number++) expect(signalNumber(signalName(number)), String(number)).toBe(number);
    expect(signalNumber('SIGNOPE')).toBeUndefined();
  });

  it('words a death as Go (and so Lambda) does, the known words unchanged', () => {
    expect(['SIGKILL', 'SIGTERM', 'SIGSEGV', 'SIGABRT', 'SIGPIPE', 'SIGQUIT', 'SIGUSR1', 'SIGSYS'].map(exitSignalWords)).toEqual([
      'killed', 'terminated', 'segmentation fault', 'aborted', 'broken pipe', 'quit', 'user defined signal 1', 'bad system call',
    ]);
    expect(exitSignalWords('SIGRTMIN+3')).toBe('signal 37');
    expect(describeExit({ code: null, signal: signalName(37) })).toBe('signal: signal 37');
    expect(describeExit({ code: null, signal: 'SIGKILL' })).toBe('signal: killed');
  });

  it('reads the isolated launcher\'s report of a realtime signal as that signal', () => {
    expect(runtimeExitMessage({ lamina: 'runtime-exit', signal: 37 })).toEqual({ code: null, signal: 'SIGRTMIN+3' });
  });
});
