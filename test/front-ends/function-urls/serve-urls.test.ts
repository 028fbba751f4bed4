import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import type { FunctionUrlDefinition } from '../../../src/config/function-urls.js';
import { startUrls } from '../../../src/front-ends/function-urls/serve-urls.js';
import type { InvokePort } from '../../../src/platform/invoke-types.js';

const port: InvokePort = {
  invoke: async (req) => ({ requestId: 'r', executedVersion: '$LATEST', result: { kind: 'response', payload: Buffer.from(JSON.stringify(req.functionName)), contentType: 'application/json' }, logs: () => '' }),
  accept: () => {
    throw new Error('not used');
  },
};
const open: FunctionUrlDefinition = { id: 'AUrl', functionName: 'A', qualifier: undefined, authType: 'NONE', invokeMode: 'BUFFERED', cors: undefined };
const secure: FunctionUrlDefinition = { id: 'BUrl', functionName: 'B', qualifier: 'live', authType: 'AWS_IAM', invokeMode: 'RESPONSE_STREAM', cors: undefined };
const options = { host: '127.0.0.1', basePort: 0, accountId: '123456789012', region: 'eu-west-1' };

describe('startUrls', () => {
  it('opens a port per URL, each reaching its own function, and prints them', async () => {
    const started = await startUrls([open, secure], port, { ...options, keys: [{ accessKeyId: 'AKID', secretAccessKey: 's' }] });
    try {
      const [a, b] = started.served;
      expect(a?.address).not.toBe(b?.address);
      const res = await request(a?.address ?? '');
      expect(await res.body.text()).toBe('A');
      expect(started.banner).toEqual([`  AUrl -> A (NONE, BUFFERED): ${a?.address ?? ''}`, `  BUrl -> B:live (AWS_IAM, RESPONSE_STREAM): ${b?.address ?? ''}`]);
    } finally {
      await started.close();
    }
  });

  it('says when an AWS_IAM URL has no key to check against (and refuses its requests)', async () => {
    const started = await startUrls([secure], port, { ...options, keys: [] });
    try {
      expect(started.banner[0]).toContain('AWS_IAM, no keys known: every request is refused');
      const res = await request(started.served[0]?.address ?? '');
      expect([res.statusCode, await res.body.text()]).toEqual([403, '{"Message":"Forbidden"}']);
    } finally {
      await started.close();
    }
  });

  it('names the URL and the port it cannot listen on, and closes what it opened', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const busy = (taken.address() as AddressInfo).port;
    try {
      await expect(startUrls([open], port, { ...options, basePort: busy, keys: [] })).rejects.toThrow(`cannot listen for function URL AUrl on 127.0.0.1:${busy}`);
    } finally {
      taken.close();
    }
  });
});
