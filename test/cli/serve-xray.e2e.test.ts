/**
 * X-Ray in `lamina serve` (docs/xray.md): `Tracing: Active` from `Globals` (and a function's own
 * `Tracing: PassThrough` over it), the daemon variables every function gets, and the banner's
 * receiver address. The machine's default limits: isolated functions reach the receiver on the
 * host's loopback through a relay in their own network (docs/xray.md, "Isolated functions").
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serveProject } from '../helpers/serve-process.js';

const TEMPLATE = `Globals:
  Function:
    Tracing: Active
    Runtime: nodejs20.x
    CodeUri: code/
    Handler: index.handler
    Timeout: 10
Resources:
  Traced:
    Type: AWS::Serverless::Function
  Quiet:
    Type: AWS::Serverless::Function
    Properties:
      Tracing: PassThrough
`;

// Sends one datagram to the daemon address it was given, and says whether the send went out.
const HANDLER = `
const dgram = require('node:dgram');
exports.handler = async () => {
  const [host, port] = process.env.AWS_XRAY_DAEMON_ADDRESS.split(':');
  const sent = await new Promise((resolve) => {
    const socket = dgram.createSocket('udp4');
    socket.send(Buffer.from('not a segment'), Number(port), host, (error) => { socket.close(); resolve(error ? error.message : 'sent'); });
  });
  const env = {};
  for (const key of ['_X_AMZN_TRACE_ID', 'AWS_XRAY_DAEMON_ADDRESS', '_AWS_XRAY_DAEMON_ADDRESS', '_AWS_XRAY_DAEMON_PORT', 'AWS_XRAY_CONTEXT_MISSING']) env[key] = process.env[key];
  return { env, sent };
};
`;

interface Answer {
  env: Record<string, string>;
  sent: string;
}

describe('lamina serve with X-Ray', () => {
  const project = serveProject('lamina-serve-xray-');

  it('traces Active functions, gives every function the daemon\'s address, and prints it', async () => {
    chmodSync(project.dir, 0o755);
    mkdirSync(join(project.dir, 'code'), { mode: 0o755 });
    writeFileSync(join(project.dir, 'code', 'index.js'), HANDLER, { mode: 0o644 });
    const serve = await project.start(TEMPLATE, ['--port', '0'], /X-Ray daemon on udp:\/\/\S+:\d+/);
    await expect.poll(() => /Lamina is serving 2 function\(s\).* on (http:\S+)/.exec(serve.output())?.[1], { timeout: 30_000 }).toBeDefined();
    const port = /on http:\/\/127\.0\.0\.1:(\d+)/.exec(serve.output())?.[1];
    const daemon = /X-Ray daemon on udp:\/\/(\S+):(\d+)/.exec(serve.output());
    const invoke = async (name: string): Promise<Answer> => {
      const response = await fetch(`http://127.0.0.1:${port}/2015-03-31/functions/${name}/invocations`, { method: 'POST', body: '{}' });
      expect(response.status).toBe(200);
      return (await response.json()) as Answer;
    };
    const traced = await invoke('Traced');
    expect(traced.env._X_AMZN_TRACE_ID).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=1$/);
    expect(traced.env).toMatchObject({
      AWS_XRAY_DAEMON_ADDRESS: `${daemon?.[1]}:${daemon?.[2]}`,
      _AWS_XRAY_DAEMON_ADDRESS: daemon?.[1],
      _AWS_XRAY_DAEMON_PORT: daemon?.[2],
      AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR',
    });
    expect(daemon?.[1]).toBe('127.0.0.1');
    expect(traced.sent).toBe('sent');
    // The platform's segments for it, served beside the dashboard (docs/xray.md).
    const root = /Root=([^;]+)/.exec(traced.env._X_AMZN_TRACE_ID ?? '')?.[1] ?? '';
    const names = async (): Promise<string[]> => {
      const response = await fetch(`http://127.0.0.1:${port}/_lamina/traces/${root}`);
      if (response.status !== 200) return [];
      const trace = (await response.json()) as { segments: Array<{ name: string; origin?: string; subsegments?: Array<{ name: string }> }> };
      return trace.segments.flatMap((segment) => [`${segment.origin ?? ''}:${segment.name}`, ...(segment.subsegments ?? []).map((sub) => sub.name)]);
    };
    await expect.poll(names, { timeout: 10_000 }).toEqual(expect.arrayContaining(['AWS::Lambda:Traced', 'AWS::Lambda::Function:Traced', 'Invocation']));
    const quiet = await invoke('Quiet');
    expect(quiet.env._X_AMZN_TRACE_ID).toMatch(/;Sampled=0$/);
    expect(quiet.env.AWS_XRAY_DAEMON_ADDRESS).toBe(traced.env.AWS_XRAY_DAEMON_ADDRESS);
    // A stranger's datagram to the receiver changes nothing the platform shows and breaks nothing.
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.send(Buffer.alloc(1000, 0xff), Number(daemon?.[2]), '127.0.0.1', () => socket.close(() => resolve())));
    expect((await invoke('Traced')).env._X_AMZN_TRACE_ID).toMatch(/;Sampled=1$/);
  });
});
