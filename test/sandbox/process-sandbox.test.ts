/**
 * The isolated launcher's report of the runtime's exit over Node's IPC channel
 * (src/sandbox/native/network.c, docs/isolation.md): only its exact shape is taken as one.
 */
import { describe, expect, it } from 'vitest';
import { runtimeExitMessage } from '../../src/sandbox/process-sandbox.js';

describe('runtimeExitMessage', () => {
  it('reads an exit code and a signal number as the sandbox exit they mean', () => {
    expect(runtimeExitMessage({ lamina: 'runtime-exit', code: 3 })).toEqual({ code: 3, signal: null });
    expect(runtimeExitMessage({ lamina: 'runtime-exit', signal: 9 })).toEqual({ code: null, signal: 'SIGKILL' });
    expect(runtimeExitMessage({ lamina: 'runtime-exit', signal: 11 })).toEqual({ code: null, signal: 'SIGSEGV' });
  });

  it('is not fooled by other messages or malformed ones', () => {
    for (const message of [
      undefined, null, 'runtime-exit', 42, [], {},
      { lamina: 'runtime-api' },
      { cmd: 'NODE_HANDLE', type: 'net.Server', msg: { lamina: 'runtime-exit', code: 0 } },
      { lamina: 'runtime-exit' },
      { lamina: 'runtime-exit', code: '0' },
      { lamina: 'runtime-exit', code: 1.5 },
      { lamina: 'runtime-exit', signal: 'SIGKILL' },
    ]) {
      expect(runtimeExitMessage(message), JSON.stringify(message)).toBeUndefined();
    }
  });
});
