/**
 * `--debug FUNCTION[=PORT]` and `--debug-break` (docs/debugging.md): ports given and defaulted,
 * and every refusal a clear message before anything is served; the DAP framing the proxy reads.
 */
import { describe, expect, it } from 'vitest';
import type { FunctionConfig } from '../../src/config/function-config.js';
import { createServer } from 'node:net';
import { DapReader, listensOnLoopback } from '../../src/debug/dap-proxy.js';
import { parseDebugTargets } from '../../src/debug/debug-options.js';
import { allowedHost } from '../../src/debug/inspector-proxy.js';
import { bootstrapFunction } from '../helpers/function-config.js';

const nodeFn = (name: string): FunctionConfig => bootstrapFunction(name, { runtime: 'nodejs20.x', launch: { kind: 'node-ric', runtime: 'nodejs20.x', node: process.execPath } });
/** `/bin/false` as the interpreter: it imports nothing, debugpy included. */
const pythonWithout = bootstrapFunction('py', { runtime: 'python3.12', launch: { kind: 'python-ric', runtime: 'python3.12', python: '/bin/false' } });
const functions = [nodeFn('a'), nodeFn('b'), nodeFn('c'), bootstrapFunction('custom'), pythonWithout];

const portsOf = (values: string[]): [string, number][] => parseDebugTargets(values, false, functions, false).map((t) => [t.fn.name, t.port]);

describe('parseDebugTargets', () => {
  it('gives 9229 and up to functions without a port, skipping ports given to others', () => {
    expect(portsOf(['a'])).toEqual([['a', 9229]]);
    expect(portsOf(['a=9229', 'b', 'c'])).toEqual([['a', 9229], ['b', 9230], ['c', 9231]]);
    expect(portsOf(['a', 'b=9229'])).toEqual([['a', 9230], ['b', 9229]]);
    // 0: the proxy picks a free port (several functions may ask for it).
    expect(portsOf(['a=0', 'b=0', 'c'])).toEqual([['a', 0], ['b', 0], ['c', 9229]]);
    expect(parseDebugTargets(['a'], true, functions, false)[0]).toMatchObject({ kind: 'node', brk: true });
  });

  it('nothing asked is nothing debugged; --debug-break alone is refused', () => {
    expect(parseDebugTargets([], false, functions, false)).toEqual([]);
    expect(() => parseDebugTargets([], true, functions, false)).toThrow('--debug-break needs --debug FUNCTION');
  });

  it.each([
    ['nope', /no function named "nope" in the template \(functions: a, b, c, custom, py\)/],
    ['a=-1', /--debug a=-1: the port must be a number from 1 to 65535 \(0 picks a free one\)/],
    ['a=65536', /the port must be a number/],
    ['a=12ab', /the port must be a number/],
    ['a=', /the port must be a number/],
    ['=9229', /no function named ""/],
    ['custom', /provided\.al2023 runs the function's own bootstrap/],
    ['py', /debugpy is not installed for \/bin\/false; install it \(Debian: apt install python3-debugpy/],
  ])('refuses --debug %s with a clear message', (value, message) => {
    expect(() => parseDebugTargets([value], false, functions, false)).toThrow(message);
  });

  it('refuses the same function twice, a port given twice, and container sandboxes', () => {
    expect(() => parseDebugTargets(['a', 'a=9300'], false, functions, false)).toThrow('--debug a is given twice');
    expect(() => parseDebugTargets(['a=9300', 'b=9300'], false, functions, false)).toThrow('port 9300 is given to two functions');
    expect(() => parseDebugTargets(['a'], false, functions, true)).toThrow(/container functions cannot be debugged/);
  });

  it('takes a function name with = in it up to the last =', () => {
    const odd = nodeFn('x=y');
    expect(parseDebugTargets(['x=y=9400'], false, [odd], false).map((t) => [t.fn.name, t.port])).toEqual([['x=y', 9400]]);
  });
});

describe('DapReader', () => {
  const frame = (body: string): Buffer => Buffer.concat([Buffer.from(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n`), Buffer.from(body)]);

  it('reads messages split anywhere, several per chunk, multi-byte bodies', () => {
    const seen: unknown[] = [];
    const reader = new DapReader((message) => seen.push(message));
    const bytes = Buffer.concat([frame('{"type":"event","event":"stopped","body":{"text":"é✓"}}'), frame('{"type":"response","command":"continue","success":true}')]);
    for (let i = 0; i < bytes.length; i += 7) reader.push(bytes.subarray(i, i + 7));
    expect(seen).toEqual([{ type: 'event', event: 'stopped', body: { text: 'é✓' } }, { type: 'response', command: 'continue', success: true }]);
  });

  it('skips bodies that are not JSON objects and stops at a header without a length', () => {
    const seen: unknown[] = [];
    const reader = new DapReader((message) => seen.push(message));
    reader.push(Buffer.concat([frame('not json'), frame('42'), frame('{"type":"event","event":"continued"}')]));
    expect(seen).toEqual([{ type: 'event', event: 'continued' }]);
    reader.push(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    reader.push(frame('{"type":"event","event":"stopped"}'));
    expect(seen).toHaveLength(2);
  });
});

describe('listensOnLoopback', () => {
  it('sees a listener on 127.0.0.1:port in the kernel\'s table, and no longer once it is closed', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    expect(listensOnLoopback({ port, tcpTable: '/proc/self/net/tcp' })).toBe(true);
    expect(listensOnLoopback({ port: port === 65535 ? 65534 : port + 1, tcpTable: '/proc/self/net/tcp' })).toBe(false);
    await new Promise((resolve) => server.close(resolve));
    expect(listensOnLoopback({ port, tcpTable: '/proc/self/net/tcp' })).toBe(false);
    expect(listensOnLoopback({ port, tcpTable: '/proc/0/net/tcp' })).toBe(false);
  });
});

describe('allowedHost (DNS rebinding, as node\'s inspector checks)', () => {
  it.each([['localhost:9229', true], ['LOCALHOST', true], ['127.0.0.1:9229', true], ['[::1]:9229', true], ['10.1.2.3', true], [undefined, true], ['evil.example:9229', false], ['127.0.0.1.nip.io:9229', false], ['localhost.evil:9229', false], ['999.0.0.1', false], ['', false]])('%s -> %s', (host, allowed) => {
    expect(allowedHost(host)).toBe(allowed);
  });
});
