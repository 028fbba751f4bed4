/**
 * The ALB listeners as `lamina serve` starts them, over an InvokePort whose answers the test
 * chooses: the option's parsing, the listener's hot path (event in, answer out), and bad input
 * (malformed answers, a thrown throttle, huge headers) answered as the load balancer does while the
 * server keeps serving.
 */
import { connect } from 'node:net';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { albForFunction } from '../../../src/config/alb-targets.js';
import { ServiceError } from '../../../src/errors.js';
import { albsToServe, parseAlbOption, startAlbs } from '../../../src/front-ends/alb/serve-albs.js';
import type { InvokePort, InvokeRequest } from '../../../src/platform/invoke-types.js';

function portAnswering(answer: (event: Record<string, unknown>) => string | Error): InvokePort & { seen: InvokeRequest[] } {
  const seen: InvokeRequest[] = [];
  return {
    seen,
    async invoke(req) {
      seen.push(req);
      const out = answer(JSON.parse(req.payload.toString()) as Record<string, unknown>);
      if (out instanceof Error) throw out;
      return { requestId: 'r', executedVersion: '$LATEST', logs: () => '', result: { kind: 'response', payload: Buffer.from(out), contentType: 'application/json' } };
    },
    accept() {
      throw new Error('not used');
    },
  };
}

describe('--alb', () => {
  it('parses FUNCTION and FUNCTION=PORT, and refuses the rest', () => {
    expect(parseAlbOption('Hello')).toEqual({ functionName: 'Hello', localPort: undefined });
    expect(parseAlbOption('Hello=8080')).toEqual({ functionName: 'Hello', localPort: 8080 });
    for (const bad of ['', 'Hello=', 'Hello=99999', 'a b', 'Hello=80=81']) expect(() => parseAlbOption(bad), bad).toThrow(/--alb wants FUNCTION or FUNCTION=PORT/);
  });

  it('puts template listeners first, and refuses a function the template does not have', () => {
    const context = { region: 'us-east-1', accountId: '000000000000', multiValueHeaders: false };
    const fromTemplate = albForFunction('Web', 80, context);
    const served = albsToServe([fromTemplate], ['Api=7000'], [{ name: 'Web' }, { name: 'Api' }], context);
    expect(served.map((s) => [s.listener.id, s.localPort])).toEqual([['AlbWeb', undefined], ['AlbApi', 7000]]);
    expect(() => albsToServe([], ['Nope'], [{ name: 'Web' }], context)).toThrow(/--alb Nope: no function Nope in the template \(Web\)/);
  });
});

describe('an ALB listener over the InvokePort', () => {
  it('invokes the target group\'s function with the ALB event and maps its answer; bad answers are 502 and it keeps serving', async () => {
    const port = portAnswering((event) => {
      if (event.path === '/throttled') return new ServiceError('LAMINA_ERR_TOO_MANY_REQUESTS', 'Rate Exceeded.');
      if (event.path === '/not-json') return '{"statusCode":';
      return JSON.stringify({ statusCode: 200, statusDescription: '200 Fine', headers: { 'x-path': String(event.path) }, body: JSON.stringify(event.queryStringParameters) });
    });
    const albs = await startAlbs([{ listener: albForFunction('Web', 80, { region: 'us-east-1', accountId: '000000000000', multiValueHeaders: false }), localPort: undefined }], port, { host: '127.0.0.1', basePort: 0 });
    try {
      const url = albs.served[0]?.url ?? '';
      expect(albs.banner).toEqual([`  AlbWeb (ALB listener, port 80): ${url}`, '    default -> Web']);
      const ok = await request(`${url}/a?x=%41&x=2`);
      expect(ok.statusCode).toBe(200);
      expect(ok.statusText).toBe('Fine');
      expect(ok.headers['x-path']).toBe('/a');
      expect(await ok.body.json()).toEqual({ x: '2' });
      expect(port.seen[0]?.functionName).toBe('Web');
      for (const path of ['/throttled', '/not-json']) {
        const bad = await request(`${url}${path}`);
        expect(bad.statusCode, path).toBe(502);
        expect(await bad.body.text()).toContain('<h1>502 Bad Gateway</h1>');
      }
      // Headers over Node's limit: the parser's 431, and the listener still serves.
      const status = await new Promise<string>((resolve) => {
        const socket = connect(Number(new URL(url).port), '127.0.0.1', () => socket.write(`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`));
        let seen = '';
        socket.on('data', (d: Buffer) => (seen += d.toString()));
        socket.on('close', () => resolve(seen.split('\r\n')[0] ?? ''));
        socket.on('error', () => resolve(seen.split('\r\n')[0] ?? ''));
      });
      expect(status).toBe('HTTP/1.1 431 Request Header Fields Too Large');
      expect((await request(`${url}/again`)).statusCode).toBe(200);
    } finally {
      await albs.close();
    }
  });

  it('says which port it could not take', async () => {
    const port = portAnswering(() => '{}');
    const first = await startAlbs([{ listener: albForFunction('Web', 80, { region: 'us-east-1', accountId: '0', multiValueHeaders: false }), localPort: undefined }], port, { host: '127.0.0.1', basePort: 0 });
    try {
      const taken = Number(new URL(first.served[0]?.url ?? '').port);
      await expect(startAlbs([{ listener: albForFunction('Web', 80, { region: 'us-east-1', accountId: '0', multiValueHeaders: false }), localPort: taken }], port, { host: '127.0.0.1', basePort: 0 })).rejects.toThrow(`cannot listen for ALB listener AlbWeb on 127.0.0.1:${taken}`);
    } finally {
      await first.close();
    }
  });
});
