/** Managed-instances mode (AWS_LAMBDA_MAX_CONCURRENCY) against the fake Runtime API. */
import { describe, expect, it } from 'vitest';
import { useRicHarness, FakeRuntimeApi, handlersDir, spawnRic } from './harness.js';

const managed = `${handlersDir}/managed`;

const track = useRicHarness();

async function start(handler: string) {
  const api = await FakeRuntimeApi.start();
  const ric = spawnRic({ api, taskRoot: managed, handler, env: { AWS_LAMBDA_MAX_CONCURRENCY: '4', AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x' } });
  track({ api, ric });
  return { api, ric };
}

describe('AWS_LAMBDA_MAX_CONCURRENCY=4', () => {
  it('holds 4 GET /next at once on 4 connections and runs 4 invocations together, each logged with its own request id', async () => {
    const { api, ric } = await start('index.handler');
    await api.waitForWaitingNext(4);
    expect(api.nextSockets.size).toBe(4);
    const tags = ['a', 'b', 'c', 'd'];
    // The handlers meet at a barrier: all four are in flight at the same time.
    api.enqueue(...tags.map((tag) => ({ requestId: `req-${tag}`, body: JSON.stringify({ tag }), traceId: `Root=1-00000000-00000000000000000000000${tag}` })));
    const posts = await Promise.all(tags.map(() => api.nextPost()));
    for (const post of posts) {
      const result = JSON.parse(post.body) as { tag: string; requestId: string; store: string; traceEnv: unknown };
      expect(post.requestId).toBe(`req-${result.tag}`);
      expect(result).toEqual({ tag: result.tag, requestId: `req-${result.tag}`, store: `req-${result.tag}`, traceEnv: null });
    }
    await api.waitForWaitingNext(4);
    ric.child.kill('SIGKILL');
    await ric.exited;
    const lines = ric.stdout().trimEnd().split('\n').filter((line) => /\t(start|end) [a-d]$/.test(line));
    expect(lines).toHaveLength(8);
    for (const line of lines) {
      const [, requestId, level, message] = line.split('\t');
      expect(level).toBe('INFO');
      expect(requestId).toBe(`req-${message?.slice(-1)}`);
    }
  });

  it('refuses a callback-style handler at init (Runtime.CallbackHandlerDeprecated)', async () => {
    const { api, ric } = await start('index.callback');
    const post = await api.nextPost();
    expect(post.kind).toBe('init-error');
    expect(post.headers['lambda-runtime-function-error-type']).toBe('Runtime.CallbackHandlerDeprecated');
    expect(JSON.parse(post.body)).toMatchObject({ errorMessage: expect.stringMatching(/^ERROR: AWS Lambda does not support callback-based function handlers when using Node.js 22 with Managed Instances/) });
    expect((await ric.exited).code).toBe(1);
  });
});
