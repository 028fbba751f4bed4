/**
 * `lamina serve --debug` on a Python function with debugpy (docs/debugging.md): a DAP client over
 * TCP (JSON bodies after `Content-Length` headers) sets a breakpoint before the first invoke,
 * sees `stopped`, holds the handler past its 1 s timeout, continues, and gets the answer.
 * Skipped, with the reason printed, when the function's Python has no debugpy (Lamina refuses
 * to start then, and the test checks that message instead).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DapReader } from '../../src/debug/dap-proxy.js';
import { serveProject, startServe } from '../helpers/serve-process.js';

const HANDLER = `def handler(event, context):
    tripled = event["n"] * 3
    return {"tripled": tripled}
`;

const TEMPLATE = `AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  Tripler:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: tripler/
      Handler: app.handler
      Runtime: python3.11
      Timeout: 1
      # One vCPU (MemorySize / 1769, as on Lambda): at 128 MB debugpy takes seconds to start and
      # its tracing can eat the 1 s after the resume on a busy machine.
      MemorySize: 1769
`;

/** A minimal DAP client: requests by seq, events kept in order. */
class Dap {
  readonly #socket: Socket;
  #seq = 1;
  readonly #answers = new Map<number, (message: Record<string, unknown>) => void>();
  readonly events: Record<string, unknown>[] = [];

  constructor(socket: Socket) {
    this.#socket = socket;
    const reader = new DapReader((message) => {
      if (message.type === 'response') this.#answers.get(Number(message.request_seq))?.(message);
      else if (message.type === 'event') this.events.push(message);
    });
    socket.on('data', (chunk: Buffer) => reader.push(chunk));
  }

  send(command: string, args: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    const seq = this.#seq++;
    const body = Buffer.from(JSON.stringify({ seq, type: 'request', command, arguments: args }));
    this.#socket.write(Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`), body]));
    return new Promise((resolve) => this.#answers.set(seq, resolve));
  }

  async waitFor(event: string, after = 0, timeoutMs = 30_000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.slice(after).find((message) => message.event === event);
      if (found !== undefined) return found;
      if (Date.now() > deadline) throw new Error(`no ${event} event within ${timeoutMs} ms; events: ${this.events.map((m) => String(m.event)).join(', ')}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** The Invoke API's base URL and the debugger proxy's port (`--debug Tripler=0` picks it), from the banner. */
function addressesOf(output: string): { base: string; port: number } {
  return { base: /on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1] ?? '', port: Number(/Tripler \(debugpy\) on 127\.0\.0\.1:(\d+)/.exec(output)?.[1]) };
}

const project = serveProject('lamina-debug-python-');
mkdirSync(join(project.dir, 'tripler'));
writeFileSync(join(project.dir, 'tripler', 'app.py'), HANDLER);

describe('lamina serve --debug (debugpy)', () => {
  it('holds the handler at a breakpoint past its timeout and answers after continue', async (context) => {
    const serve = await project.start(TEMPLATE, ['--port', '0', '--debug', 'Tripler=0'], /Tripler \(debugpy\) on 127\.0\.0\.1:\d+|debugpy is not installed/).catch((error: Error) => error);
    if (serve instanceof Error) throw serve;
    const output = serve.output();
    if (output.includes('debugpy is not installed')) {
      expect(output).toMatch(/--debug Tripler: debugpy is not installed for \S+python\S*; install it/);
      process.stdout.write('python-debug: skipped, debugpy is not importable by the function\'s Python (Lamina said so at start)\n');
      context.skip();
      return;
    }
    const { base, port } = addressesOf(output);
    const remoteRoot = /"remoteRoot":"([^"]+)"/.exec(output)?.[1] ?? '';
    expect(remoteRoot).not.toBe('');

    // Connected before any environment exists: the proxy holds the session until the first invoke.
    const socket = connect(port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    const dap = new Dap(socket);
    const answer = fetch(`${base}/2015-03-31/functions/Tripler/invocations`, { method: 'POST', body: JSON.stringify({ n: 7 }) });
    const initialized = await dap.send('initialize', { clientID: 'lamina-test', adapterID: 'debugpy', pathFormat: 'path', linesStartAt1: true, columnsStartAt1: true });
    expect(initialized.success).toBe(true);
    const attached = dap.send('attach', { justMyCode: false });
    await dap.waitFor('initialized');
    const breakpoints = await dap.send('setBreakpoints', { source: { path: `${remoteRoot}/app.py` }, breakpoints: [{ line: 2 }] });
    expect(breakpoints.success).toBe(true);
    expect((await dap.send('configurationDone')).success).toBe(true);
    expect((await attached).success).toBe(true);

    const stopped = await dap.waitFor('stopped');
    expect((stopped.body as { reason?: string }).reason).toBe('breakpoint');
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const resumed = await dap.send('continue', { threadId: (stopped.body as { threadId?: number }).threadId });
    expect(resumed.success).toBe(true);
    const response = await answer;
    expect(response.headers.get('x-amz-function-error')).toBeNull();
    expect(await response.json()).toEqual({ tripled: 21 });
    await dap.send('disconnect', { terminateDebuggee: false }).catch(() => undefined);
    socket.destroy();
    expect(serve.output()).not.toContain('Task timed out');
    expect(await serve.stop()).toBe(0);
  }, 120_000);

  it('--debug-break: the runtime waits for a client (--wait-for-client) and runs after configurationDone', async (context) => {
    if (project.serve?.output().includes('debugpy is not installed') !== false) {
      process.stdout.write('python-debug: --debug-break skipped, debugpy is not importable by the function\'s Python (or the first test did not start)\n');
      context.skip();
      return;
    }
    const { serve } = await startServe(['--template', 'template.yaml', '--state-dir', join(project.dir, 'state-break'), '--port', '0', '--debug', 'Tripler=0', '--debug-break'], project.dir, /Tripler \(debugpy\) on 127\.0\.0\.1:\d+/);
    const { base, port } = addressesOf(serve.output());
    try {
      expect(serve.output()).toContain('each environment waits for a debugger before it runs');
      const answer = fetch(`${base}/2015-03-31/functions/Tripler/invocations`, { method: 'POST', body: JSON.stringify({ n: 2 }) });
      let settled = false;
      void answer.then(() => (settled = true));
      // Longer than the 1 s timeout: waiting for the client is not counted against it (nor the init limit).
      await new Promise((resolve) => setTimeout(resolve, 2000));
      expect(settled).toBe(false);
      const socket = connect(port, '127.0.0.1');
      await new Promise((resolve) => socket.once('connect', resolve));
      const dap = new Dap(socket);
      await dap.send('initialize', { clientID: 'lamina-test', adapterID: 'debugpy', pathFormat: 'path', linesStartAt1: true, columnsStartAt1: true });
      const attached = dap.send('attach', { justMyCode: false });
      await dap.waitFor('initialized');
      expect((await dap.send('configurationDone')).success).toBe(true);
      expect((await attached).success).toBe(true);
      const response = await answer;
      expect(await response.json()).toEqual({ tripled: 6 });
      socket.destroy();
    } finally {
      expect(await serve.stop()).toBe(0);
    }
  }, 120_000);
});
