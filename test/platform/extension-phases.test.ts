import { describe, expect, it } from 'vitest';
import { ExtensionPhases, MAX_EXTENSIONS } from '../../src/platform/extension-phases.js';
import type { ExtensionEvent, ExtensionEventWaiter } from '../../src/runtime-api/extension-api-target.js';

const metadata = { functionName: 'fn', functionVersion: '$LATEST', handler: 'index.handler', accountId: '000000000000' };

function setUp(external: string[] = []) {
  const calls: string[] = [];
  const phases = new ExtensionPhases(metadata, external, {
    ready: () => calls.push('ready'),
    invokeDone: () => calls.push('invokeDone'),
    initError: (name, type) => calls.push(`initError ${name} ${type}`),
    crashed: (name, status) => calls.push(`crashed ${name} ${status}`),
    externalRegistered: () => calls.push('externalRegistered'),
    exitError: (name, type) => calls.push(`exitError ${name} ${type}`),
  });
  return { phases, calls };
}

function waiter(): ExtensionEventWaiter & { events: ExtensionEvent[] } {
  const events: ExtensionEvent[] = [];
  return { events, deliver: (event) => events.push(event), closed: false };
}

function idOf(result: ReturnType<ExtensionPhases['register']>): string {
  if ('code' in result) throw new Error(result.message);
  return result.id;
}

const invoke = (requestId: string): ExtensionEvent => ({
  eventType: 'INVOKE', deadlineMs: 1, requestId, invokedFunctionArn: 'arn', tracing: { type: 'X-Amzn-Trace-Id', value: 'Root=1' },
});

describe('extension phases: init', () => {
  it('is ready with no extensions at all', () => {
    expect(setUp().phases.ready).toBe(true);
  });

  it('waits for every external extension to register and call next', () => {
    const { phases, calls } = setUp(['a', 'b']);
    const a = idOf(phases.register('a', ['INVOKE', 'SHUTDOWN']));
    expect(phases.next(a, waiter())).toBeUndefined();
    expect(phases.ready).toBe(false);
    // An internal extension is not waited for before the runtime starts.
    const internal = idOf(phases.register('internal', []));
    expect(calls).toEqual([]);
    const b = idOf(phases.register('b', []));
    // The last external one registered: the runtime may start (Lambda's order).
    expect(calls).toEqual(['externalRegistered']);
    expect(phases.ready).toBe(false);
    phases.next(b, waiter());
    expect(phases.ready).toBe(false); // 'internal' is not at next yet
    phases.next(internal, waiter());
    expect(phases.ready).toBe(true);
    expect(calls).toEqual(['externalRegistered', 'ready']);
  });

  it('answers the function metadata and a fresh uuid per registration', () => {
    const { phases } = setUp(['a']);
    const registered = phases.register('a', ['INVOKE']);
    expect(registered).toMatchObject(metadata);
    expect(idOf(registered)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(idOf(phases.register('internal', ['INVOKE']))).not.toBe(idOf(registered));
  });

  it('refuses SHUTDOWN to internal extensions, a second registration, and registration after init', () => {
    const { phases } = setUp(['ext']);
    expect(phases.register('internal', ['SHUTDOWN'])).toMatchObject({ code: 'LAMINA_ERR_EXTENSION_INVALID_EVENT_TYPE' });
    expect('id' in phases.register('ext', ['SHUTDOWN'])).toBe(true);
    expect(phases.register('ext', ['INVOKE'])).toMatchObject({ code: 'LAMINA_ERR_EXTENSION_INVALID_STATE' });
    phases.closeRegistration();
    expect(phases.register('late', ['INVOKE'])).toMatchObject({ code: 'LAMINA_ERR_EXTENSION_REGISTRATION_CLOSED' });
  });

  it('keeps room for the external extensions when internal ones register: ten in all', () => {
    const { phases } = setUp(['e1', 'e2']);
    for (let i = 0; i < MAX_EXTENSIONS - 2; i += 1) idOf(phases.register(`internal-${i}`, []));
    expect(phases.register('one-too-many', [])).toMatchObject({ code: 'LAMINA_ERR_EXTENSION_TOO_MANY' });
    idOf(phases.register('e1', []));
    idOf(phases.register('e2', []));
    expect(phases.count).toBe(MAX_EXTENSIONS);
  });

  it('refuses unknown ids and a second parked next', () => {
    const { phases } = setUp();
    expect(phases.next('00000000-0000-4000-8000-000000000000', waiter())).toMatchObject({ code: 'LAMINA_ERR_EXTENSION_UNKNOWN' });
    const id = idOf(phases.register('x', []));
    expect(phases.next(id, waiter())).toBeUndefined();
    expect(phases.next(id, waiter())).toMatchObject({ code: 'LAMINA_ERR_EXTENSION_INVALID_STATE' });
  });

  it('hands an init error to the environment during init only', () => {
    const { phases, calls } = setUp();
    const id = idOf(phases.register('x', []));
    expect(phases.reportError(id, 'init', 'Fatal', Buffer.from('{}'))).toBeUndefined();
    expect(calls).toEqual(['initError x Fatal']);
    phases.closeRegistration();
    expect(phases.reportError(id, 'init', 'Fatal', Buffer.from('{}'))).toMatchObject({ code: 'LAMINA_ERR_EXTENSION_INVALID_STATE' });
    expect(phases.reportError(id, 'exit', 'Fatal', Buffer.from('{}'))).toBeUndefined();
    expect(phases.reportError('nope', 'exit', 'Fatal', Buffer.from('{}'))).toMatchObject({ code: 'LAMINA_ERR_EXTENSION_UNKNOWN' });
  });

  it('records an exit error: told once, the extension no longer holds the invoke phase nor gets events', () => {
    const { phases, calls } = setUp(['a', 'b']);
    const a = idOf(phases.register('a', ['INVOKE', 'SHUTDOWN']));
    const b = idOf(phases.register('b', ['INVOKE']));
    phases.next(a, waiter());
    phases.next(b, waiter());
    phases.closeRegistration();
    expect(phases.dispatch(invoke('r1'))).toBe(2);
    expect(phases.reportError(a, 'exit', 'Extension.Broken', Buffer.from('{}'))).toBeUndefined();
    expect(phases.reportError(a, 'exit', 'Extension.Again', Buffer.from('{}'))).toBeUndefined();
    expect(calls.filter((call) => call.startsWith('exitError'))).toEqual(['exitError a Extension.Broken']);
    expect(phases.busy).toBe(true); // b still works on r1
    expect(phases.exitErrorOf('a')).toBe('Extension.Broken');
    phases.next(b, waiter());
    expect(calls.at(-1)).toBe('invokeDone');
    expect(phases.dispatch({ eventType: 'SHUTDOWN', shutdownReason: 'spindown', deadlineMs: 1 })).toBe(0);
    expect(phases.initStates()[0]).toEqual({ name: 'a', state: 'ExitError', events: ['INVOKE', 'SHUTDOWN'], errorType: 'Extension.Broken' });
  });
});

describe('extension phases: invoke', () => {
  function initialised() {
    const context = setUp(['a', 'b']);
    const a = idOf(context.phases.register('a', ['INVOKE']));
    const b = idOf(context.phases.register('b', ['SHUTDOWN']));
    const waitA = waiter();
    context.phases.next(a, waitA);
    context.phases.next(b, waiter());
    context.phases.closeRegistration();
    context.calls.length = 0;
    return { ...context, a, b, waitA };
  }

  it('delivers INVOKE to subscribers only, and is done when they are back at next', () => {
    const { phases, calls, a, waitA } = initialised();
    expect(phases.dispatch(invoke('r1'))).toBe(1);
    expect(waitA.events).toEqual([invoke('r1')]);
    expect(phases.busy).toBe(true);
    phases.next(a, waiter());
    expect(phases.busy).toBe(false);
    expect(calls).toEqual(['invokeDone']);
  });

  it('queues an event for an extension that is not waiting and hands it over at its next call', () => {
    const { phases, calls, a } = initialised();
    phases.dispatch(invoke('r1'));
    // It comes back to next, then hangs up before the next event.
    let hungUp = false;
    const gone = { deliver: () => { throw new Error('delivered to a closed waiter'); }, get closed() { return hungUp; } };
    phases.next(a, gone);
    hungUp = true;
    phases.dispatch(invoke('r2'));
    const late = waiter();
    expect(phases.next(a, late)).toBeUndefined();
    expect(late.events).toEqual([invoke('r2')]);
    expect(phases.busy).toBe(true);
    expect(calls).toEqual(['invokeDone']);
  });

  it('counts no subscriber as nobody to wait for', () => {
    const { phases } = setUp();
    expect(phases.dispatch(invoke('r1'))).toBe(0);
    expect(phases.busy).toBe(false);
  });
});

describe('extension phases: exits and init states', () => {
  it('reports the exit of an external extension, registered or not, and ignores unknown names', () => {
    const { phases, calls } = setUp(['a', 'b']);
    idOf(phases.register('a', ['INVOKE']));
    expect(phases.exited('a', 0)).toBe(true);
    expect(phases.exited('b', 137)).toBe(true);
    // A line forged by the function's own output cannot name an extension that is not in /opt/extensions.
    expect(phases.exited('not-there', 1)).toBe(false);
    idOf(phases.register('internal', ['INVOKE']));
    expect(phases.exited('internal', 1)).toBe(false);
    expect(calls).toEqual(['crashed a 0', 'crashed b 137']);
  });

  it('leaves a crashed extension out of the shutdown: no SHUTDOWN for it, nothing to wait for from it', () => {
    const { phases } = setUp(['crashing', 'other']);
    const crashing = idOf(phases.register('crashing', ['INVOKE', 'SHUTDOWN']));
    const other = idOf(phases.register('other', ['SHUTDOWN']));
    const crashingWaiter = waiter();
    const otherWaiter = waiter();
    phases.next(crashing, crashingWaiter);
    phases.next(other, otherWaiter);
    phases.closeRegistration();
    phases.dispatch(invoke('r1'));
    expect(phases.busy).toBe(true); // 'crashing' works on its INVOKE
    expect(phases.subscribers('SHUTDOWN')).toBe(2);
    phases.exited('crashing', 2);
    expect(phases.busy).toBe(false);
    expect(phases.subscribers('SHUTDOWN')).toBe(1);
    expect(phases.dispatch({ eventType: 'SHUTDOWN', shutdownReason: 'failure', deadlineMs: 1 })).toBe(1);
    expect(otherWaiter.events).toEqual([{ eventType: 'SHUTDOWN', shutdownReason: 'failure', deadlineMs: 1 }]);
    expect(crashingWaiter.events.map((event) => event.eventType)).toEqual(['INVOKE']);
    expect(phases.busy).toBe(true); // 'other' has its SHUTDOWN
  });

  it('lists each extension as Lambda does at the end of init: Ready, Registered, InitError, Started', () => {
    const { phases } = setUp(['a', 'b', 'c', 'd']);
    const a = idOf(phases.register('a', ['INVOKE', 'SHUTDOWN']));
    phases.next(a, waiter());
    idOf(phases.register('b', ['SHUTDOWN']));
    const c = idOf(phases.register('c', []));
    expect(phases.reportError(c, 'init', 'Extension.ConfigInvalid', Buffer.from('{}'))).toBeUndefined();
    expect(phases.initStates()).toEqual([
      { name: 'a', state: 'Ready', events: ['INVOKE', 'SHUTDOWN'] },
      { name: 'b', state: 'Registered', events: ['SHUTDOWN'] },
      { name: 'c', state: 'InitError', events: [], errorType: 'Extension.ConfigInvalid' },
      { name: 'd', state: 'Started', events: [] },
    ]);
  });
});
