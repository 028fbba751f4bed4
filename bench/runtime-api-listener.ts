/**
 * The Runtime API listener alone, lean against node:http (docs/runtime-api-listener.md): a child
 * process serves the Runtime API with a target that answers every `GET /next` at once; this process
 * plays N runtimes over raw keep-alive sockets (`GET /next`, then `POST /{id}/response` with the
 * event's bytes). Kinds alternate by round; the figure is the child's CPU per invoke (two requests).
 *
 *   node dist/bench/runtime-api-listener.js [--runtimes 1,8] [--invokes 20000] [--rounds 3] [--bytes 1024]
 */
import { fork, type ChildProcess } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { processCpuSplitMs } from './floor/process-cpu.js';
import { RuntimeApiServer, type ListenerKind } from '../src/runtime-api/runtime-api-server.js';
import type { NextWaiter, RuntimeApiTarget } from '../src/runtime-api/runtime-api-target.js';

/** The child: a listener whose environment always has the next event ready. */
async function serveChild(kind: ListenerKind, bytes: number): Promise<void> {
  const payload = Buffer.alloc(bytes, 0x61);
  let n = 0;
  const target = {
    next(waiter: NextWaiter) {
      n += 1;
      waiter.deliver({ requestId: `r${n}`, deadlineMs: Date.now() + 3000, invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:f', traceId: 'Root=1-0-0', payload });
      return undefined;
    },
    beginAnswer: () => ({}),
    abandonAnswer: () => undefined,
    finishResponse: () => undefined,
    finishError: () => undefined,
    finishTooLarge: () => undefined,
    initError: () => undefined,
    extensions: {},
  } as unknown as RuntimeApiTarget;
  const api = await RuntimeApiServer.listen(target, '127.0.0.1', 0, undefined, kind);
  process.send?.(api.address);
}

/** One runtime's loop over a raw socket: `invokes` GET /next + POST /response pairs. */
function runtime(port: number, invokes: () => boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(port, '127.0.0.1');
    socket.setNoDelay(true);
    let seen: Buffer = Buffer.alloc(0);
    let phase: 'next' | 'response' = 'next';
    const ask = (): void => {
      if (!invokes()) {
        socket.destroy();
        resolve();
        return;
      }
      phase = 'next';
      socket.write('GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    };
    socket.on('connect', ask);
    socket.on('error', reject);
    socket.on('data', (chunk: Buffer) => {
      seen = seen.length === 0 ? chunk : Buffer.concat([seen, chunk]);
      const end = seen.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = seen.toString('latin1', 0, end);
      const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
      if (seen.length < end + 4 + length) return;
      const body = seen.subarray(end + 4, end + 4 + length);
      seen = seen.subarray(end + 4 + length);
      if (phase === 'response') return ask();
      const id = /lambda-runtime-aws-request-id: ([^\r]+)/i.exec(head)?.[1] ?? '';
      phase = 'response';
      socket.write(`POST /2018-06-01/runtime/invocation/${id}/response HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`);
      socket.write(body);
    });
  });
}

function startChild(kind: ListenerKind, bytes: number): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(fileURLToPath(import.meta.url), ['--child', kind, '--bytes', String(bytes)]);
  return new Promise((resolve) => child.once('message', (address) => resolve({ child, port: Number(String(address).split(':')[1]) })));
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      runtimes: { type: 'string', default: '1,8' }, invokes: { type: 'string', default: '20000' }, rounds: { type: 'string', default: '3' },
      bytes: { type: 'string', default: '1024' }, child: { type: 'string' },
    },
  });
  const bytes = Number(values.bytes);
  if (values.child !== undefined) return serveChild(values.child as ListenerKind, bytes);
  const kinds: ListenerKind[] = ['lean', 'node'];
  const children = new Map<ListenerKind, { child: ChildProcess; port: number }>();
  for (const kind of kinds) children.set(kind, await startChild(kind, bytes));
  process.stdout.write(`| round | runtimes | lean µs/invoke | node:http µs/invoke | lean / node:http |\n|---:|---:|---:|---:|---:|\n`);
  try {
    for (let round = 1; round <= Number(values.rounds); round += 1) {
      for (const runtimes of values.runtimes.split(',').map(Number)) {
        const cpu = new Map<ListenerKind, number>();
        for (const kind of round % 2 === 1 ? kinds : [...kinds].reverse()) {
          const { child, port } = children.get(kind) as { child: ChildProcess; port: number };
          let left = Number(values.invokes);
          const before = processCpuSplitMs(child.pid ?? 0);
          await Promise.all(Array.from({ length: runtimes }, () => runtime(port, () => left-- > 0)));
          const after = processCpuSplitMs(child.pid ?? 0);
          if (before === undefined || after === undefined) throw new Error('no /proc CPU figures for the child');
          cpu.set(kind, ((after.user + after.system - before.user - before.system) * 1000) / Number(values.invokes));
        }
        const lean = cpu.get('lean') ?? NaN;
        const node = cpu.get('node') ?? NaN;
        process.stdout.write(`| ${round} | ${runtimes} | ${lean.toFixed(1)} | ${node.toFixed(1)} | ${(lean / node).toFixed(2)} |\n`);
      }
    }
  } finally {
    for (const { child } of children.values()) child.kill();
  }
}

await main();
