/**
 * The lean Runtime API listener against node:http, differentially: each scenario's bytes are sent
 * over one raw connection to a listener of each kind, with the same scripted target, and the bytes
 * answered (Date aside) and the calls the target saw must be the same. Then what only the lean one
 * can get wrong: hand-over to node:http with bytes already read, bodies in many reads, hang-ups.
 * docs/runtime-api-listener.md.
 */
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { RuntimeApiErrorCode } from '../../../src/errors.js';
import { HELD_BYTES } from '../../../src/runtime-api/lean/lean-connection.js';
import type { NextWaiter, RuntimeApiTarget } from '../../../src/runtime-api/runtime-api-target.js';
import { RuntimeApiServer, type ListenerKind } from '../../../src/runtime-api/runtime-api-server.js';

interface Scripted {
  readonly target: RuntimeApiTarget;
  readonly calls: string[];
  /** Deliver the next event to the parked waiter, if any (`refuse` instead with `'refuse'`). */
  release(how?: 'deliver' | 'refuse'): void;
}

/** A target that parks each GET /next until `release`, knows the ids it delivered, records every call. */
function scripted(): Scripted {
  const calls: string[] = [];
  let parked: NextWaiter | undefined;
  let n = 0;
  const open = new Set<string>();
  const target: RuntimeApiTarget = {
    // As an environment does: no second GET /next while one is parked or an invocation is outstanding.
    next(waiter) {
      calls.push('next');
      if ((parked !== undefined && !parked.closed) || open.size > 0) return 'LAMINA_ERR_RUNTIME_INVALID_STATE';
      parked = waiter;
      return undefined;
    },
    beginAnswer(id): object | RuntimeApiErrorCode {
      calls.push(`begin ${id}`);
      return open.delete(id) ? { id } : 'LAMINA_ERR_RUNTIME_INVALID_REQUEST_ID';
    },
    abandonAnswer(answer) {
      calls.push(`abandon ${(answer as { id: string }).id}`);
      open.add((answer as { id: string }).id);
    },
    finishResponse(answer, payload, contentType) {
      calls.push(`response ${(answer as { id: string }).id} ${contentType} ${payload.length} ${payload.subarray(0, 40).toString()}`);
    },
    finishError(answer, reported) {
      calls.push(`error ${(answer as { id: string }).id} ${String(reported.errorType)} ${reported.payload.toString()}`);
    },
    finishTooLarge(answer) {
      calls.push(`too-large ${(answer as { id: string }).id}`);
    },
    beginStream() {
      throw new Error('not scripted');
    },
    endStream() {},
    initError(reported) {
      calls.push(`init-error ${reported.payload.toString()}`);
      return undefined;
    },
    extensions: {} as RuntimeApiTarget['extensions'],
  };
  return {
    target,
    calls,
    release(how = 'deliver') {
      const waiter = parked;
      parked = undefined;
      if (waiter === undefined || waiter.closed) return;
      if (how === 'refuse') return waiter.refuse();
      n += 1;
      const requestId = `req-${n}`;
      open.add(requestId);
      waiter.deliver({ requestId, deadlineMs: 1_700_000_000_000 + n, invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:f', traceId: `Root=1-${n}`, payload: Buffer.from(`{"n":${n}}`), clientContext: n === 2 ? 'e30=' : '' });
    },
  };
}

type Step = string | Buffer | 'release' | 'refuse' | 'end' | { wait: number };

const servers: RuntimeApiServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const settle = (ms = 15): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Run `steps` on one connection to a listener of `kind`; what came back (Date blanked) and what the target saw. */
/**
 * The bytes a raw client gets for `steps`, the calls the environment saw, and whether the server
 * closed. `pace` is the pause after each step (ms): the listener must have answered by then.
 */
async function transcript(kind: ListenerKind, steps: readonly Step[], pace = 15): Promise<{ bytes: string; calls: string[]; closed: boolean }> {
  const script = scripted();
  const server = await RuntimeApiServer.listen(script.target, '127.0.0.1', 0, undefined, kind);
  servers.push(server);
  const socket = connect(Number(server.address.split(':')[1]), '127.0.0.1');
  socket.on('error', () => undefined);
  let received = '';
  let closed = false;
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
  socket.on('close', () => (closed = true));
  await new Promise((resolve) => socket.once('connect', resolve));
  for (const step of steps) {
    if (step === 'release' || step === 'refuse') script.release(step === 'release' ? 'deliver' : 'refuse');
    else if (step === 'end') socket.end();
    else if (typeof step === 'object' && 'wait' in step) await settle(step.wait);
    else socket.write(step);
    await settle(pace);
  }
  await settle(pace * 3);
  socket.destroy();
  return { bytes: received.replace(/Date: [^\r]*\r\n/g, 'Date: *\r\n'), calls: script.calls, closed };
}

const NEXT = 'GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: 127.0.0.1:9001\r\n\r\n';
const post = (id: string, body: string, verb = 'response', extra = ''): string =>
  `POST /2018-06-01/runtime/invocation/${id}/${verb} HTTP/1.1\r\nHost: x\r\n${extra}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
const bytewise = (text: string): Buffer[] => [...Buffer.from(text)].map((b) => Buffer.from([b]));

const scenarios: Record<string, Step[]> = {
  'next, then a response': [NEXT, 'release', post('req-1', '{"ok":true}', 'response', 'Content-Type: application/json\r\n')],
  'a client context, an error report, a second event': [NEXT, 'release', post('req-1', '1'), NEXT, 'release', post('req-2', '{"errorMessage":"x"}', 'error', 'Lambda-Runtime-Function-Error-Type: Runtime.X\r\n')],
  'an unknown request id, its body skipped, a GET /next in the same write': [NEXT, 'release', post('nope', 'a'.repeat(3000)) + NEXT, 'release'],
  'an empty response': [NEXT, 'release', post('req-1', '')],
  'a second GET /next while one is parked (refused)': [NEXT, NEXT, 'release', 'release'],
  'a GET /next refused when the environment shuts down': [NEXT, 'refuse', NEXT],
  'a response answered twice': [NEXT, 'release', post('req-1', 'a'), post('req-1', 'b')],
  'a chunked response (node:http)': [NEXT, 'release', 'POST /2018-06-01/runtime/invocation/req-1/response HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n', NEXT, 'release'],
  'Expect: 100-continue (node:http)': [NEXT, 'release', 'POST /2018-06-01/runtime/invocation/req-1/response HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n', 'ok', NEXT],
  'bad bytes behind a parked GET /next': [`${NEXT}}}}}\x01 NOT HTTP\r\n\r\n`, 'release'],
  'bad bytes after an answered request': [NEXT, 'release', `${post('req-1', 'x')}GARBAGE\r\n\r\n`],
  'no Host header': ['GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\n\r\n'],
  'a 404, then a GET /next': ['GET /2018-06-01/nope HTTP/1.1\r\nHost: x\r\n\r\n', NEXT, 'release'],
  'a wrong method': ['PUT /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n'],
  'an init error (node:http)': ['POST /2018-06-01/runtime/init/error HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}', NEXT],
  'an invalid response mode (node:http)': [NEXT, 'release', post('req-1', 'x', 'response', 'Lambda-Runtime-Function-Response-Mode: bogus\r\n')],
  'a head and a body arriving a byte at a time': [...bytewise(NEXT), 'release', ...bytewise(post('req-1', '{"slow":1}'))],
  'a response over the limit (node:http)': [NEXT, 'release', 'POST /2018-06-01/runtime/invocation/req-1/response HTTP/1.1\r\nHost: x\r\nContent-Length: 7000000\r\n\r\nabc'],
  'a head over 16 KiB (node:http)': [`GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\nX-Pad: ${'p'.repeat(17_000)}\r\n\r\n`],
  'a FIN behind a parked GET /next': [NEXT, 'end', 'release'],
  'a FIN in the middle of a body (the answer is abandoned)': [NEXT, 'release', 'POST /2018-06-01/runtime/invocation/req-1/response HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc', 'end'],
};

/**
 * Where the two differ on purpose: node:http hands a request to the target as soon as its head is
 * parsed, so a GET /next pipelined behind a response reaches the environment before that response
 * has (it is refused: an invocation is outstanding). The lean listener serves requests one after the
 * other, the response first.
 */
const PIPELINED: Step[] = [NEXT, 'release', `${post('req-1', 'r1')}${NEXT}`, 'release', post('req-2', 'r2')];

describe('the lean listener answers as node:http does', () => {
  for (const [name, steps] of Object.entries(scenarios)) {
    it(name, async () => {
      let node = await transcript('node', steps);
      let lean = await transcript('lean', steps);
      if (lean.bytes !== node.bytes || lean.closed !== node.closed) {
        // On a loaded machine (the full suite on 2 cores) an answer can come later than the pace:
        // once more, ten times slower, before calling it a difference.
        node = await transcript('node', steps, 150);
        lean = await transcript('lean', steps, 150);
      }
      expect(lean.bytes).toBe(node.bytes);
      expect(lean.calls).toEqual(node.calls);
      expect(lean.closed).toBe(node.closed);
      expect(node.bytes.length + node.calls.length).toBeGreaterThan(0);
    });
  }
});

it('serves a GET /next pipelined behind a response after that response (node:http gave it to the target first)', async () => {
  const node = await transcript('node', PIPELINED);
  const lean = await transcript('lean', PIPELINED);
  expect(node.calls.slice(0, 4)).toEqual(['next', 'begin req-1', 'next', 'response req-1 application/json 2 r1']);
  expect(lean.calls).toEqual(['next', 'begin req-1', 'response req-1 application/json 2 r1', 'next', 'begin req-2', 'response req-2 application/json 2 r2']);
});

describe('the lean listener alone', () => {
  /** A lean listener and one connection to it. */
  async function leanConnection(): Promise<{ script: Scripted; socket: Socket; text: () => string; closed: Promise<void> }> {
    const script = scripted();
    const server = await RuntimeApiServer.listen(script.target, '127.0.0.1', 0, undefined, 'lean');
    servers.push(server);
    const socket = connect(Number(server.address.split(':')[1]), '127.0.0.1');
    socket.on('error', () => undefined);
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    await new Promise((resolve) => socket.once('connect', resolve));
    return { script, socket, text: () => received, closed };
  }

  it('takes a 1 MB body arriving in many reads whole', async () => {
    const { script, socket, text } = await leanConnection();
    socket.write(NEXT);
    await settle();
    script.release();
    await settle();
    const body = Buffer.alloc(1024 * 1024, 0x61);
    socket.write(`POST /2018-06-01/runtime/invocation/req-1/response HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n`);
    for (let at = 0; at < body.length; at += 65_536) {
      socket.write(body.subarray(at, at + 65_536));
      await settle(1);
    }
    await settle(50);
    expect(script.calls).toEqual(['next', 'begin req-1', `response req-1 application/json ${body.length} ${'a'.repeat(40)}`]);
    expect(text()).toContain('HTTP/1.1 202 Accepted');
    socket.destroy();
  });

  it('cuts a connection that piles up more than it may hold behind a parked GET /next, so the waiter is seen closed', async () => {
    const { script, socket, closed } = await leanConnection();
    socket.write(NEXT);
    await settle();
    socket.write(Buffer.alloc(HELD_BYTES + 65_536, 0x20));
    await closed;
    // The waiter is closed: nothing is delivered into it.
    script.release();
    expect(script.calls).toEqual(['next']);
  });

  it('drops only the connection when the environment throws on an answer that came in several reads', async () => {
    const { script, socket, closed } = await leanConnection();
    script.target.finishResponse = () => {
      throw new Error('the environment broke');
    };
    socket.write(NEXT);
    await settle();
    script.release();
    await settle();
    socket.write('POST /2018-06-01/runtime/invocation/req-1/response HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nab');
    await settle();
    socket.write('cd');
    await closed;
    // The listener still serves.
    const again = await leanConnection();
    again.socket.write(NEXT);
    await settle();
    expect(again.script.calls).toEqual(['next']);
    again.socket.destroy();
  });

  it('closes every connection, lean or handed to node:http, when the listener closes', async () => {
    const lean = await leanConnection();
    const server = servers[servers.length - 1] as RuntimeApiServer;
    const [host, port] = server.address.split(':');
    const other = connect(Number(port), host);
    other.on('error', () => undefined);
    other.resume();
    const otherClosed = new Promise<void>((resolve) => other.once('close', () => resolve()));
    other.write('GET /2018-06-01/nope HTTP/1.1\r\nHost: x\r\n\r\n');
    lean.socket.write(NEXT);
    await settle(30);
    const within = <T>(what: string, p: Promise<T>): Promise<T> => Promise.race([p, settle(5000).then(() => { throw new Error(`${what} did not settle`); })]);
    await within('close', server.close());
    await within('lean socket', lean.closed);
    await within('handed-over socket', otherClosed);
  });
});

describe('LAMINA_RUNTIME_API_LISTENER', () => {
  it('chooses the listener and refuses a value it does not know', async () => {
    const { listenerKind } = await import('../../../src/runtime-api/runtime-api-server.js');
    expect(listenerKind({})).toBe('lean');
    expect(listenerKind({ LAMINA_RUNTIME_API_LISTENER: 'node' })).toBe('node');
    expect(() => listenerKind({ LAMINA_RUNTIME_API_LISTENER: 'fast' })).toThrow(/must be "lean" or "node"/);
  });
});
