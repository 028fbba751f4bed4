/**
 * AWS's own end-to-end suite for aws-lambda-rie (its test/integration/local_lambda/
 * test_end_to_end.py), case by case, against `lamina rie`: the same environment, command line and
 * request for each case, asserting what that suite asserts (and the status). Its handlers are
 * rewritten in test/fixtures/rie/emulator-suite/main.py and run by Lamina's Python client, as the
 * suite runs them in AWS's python3.12 base image. Known differences are listed in the README
 * ("lamina rie").
 */
import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { rieCommand } from '../../src/cli/rie-command.js';
import { PYTHON_RIC_DIR } from '../../src/platform/paths.js';
import type { RunningRie } from '../../src/rie/rie.js';
import { PYTHON } from '../runtime-interface/python/python-ric.js';
import { eventually, freePort, hostEnv, invoke, start, type StartedRie } from './helpers.js';

const TASK = new URL('../fixtures/rie/emulator-suite/', import.meta.url).pathname.replace(/\/$/, '');
const running: StartedRie[] = [];

/** `aws-lambda-rie /lambda-entrypoint.sh main.<handler>` with `env` set on the container. */
async function rie(handler: string, env: Record<string, string> = {}): Promise<RunningRie> {
  const started = await start({ bootstrap: [PYTHON, '-u', `${PYTHON_RIC_DIR}/bootstrap.py`, `main.${handler}`], cwd: TASK, env: hostEnv(env) });
  running.push(started);
  return started.rie;
}

/** The suite's `requests.post(url, json={}, headers=...)`. */
function post(r: RunningRie, headers: Record<string, string> = {}) {
  return invoke(r.invokeUrl, {}, headers);
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((started) => started.rie.stop()));
});

describe.skipIf(!existsSync(PYTHON))("AWS's RIE end-to-end suite against lamina rie", () => {
  it('test_env_var_with_equal_sign', async () => {
    const answer = await post(await rie('reads_my_env', { MyEnv: '4=4' }));
    expect(answer).toMatchObject({ status: 200, text: '"4=4"' });
  });

  it('test_two_invokes (and test_invoke_with_pre_runtime_api_runtime, the same case)', async () => {
    const r = await rie('succeeds');
    expect(await post(r)).toMatchObject({ status: 200, text: '"My lambda ran succesfully"' });
    expect(await post(r)).toMatchObject({ status: 200, text: '"My lambda ran succesfully"' });
  });

  it('test_lambda_function_arn_exists', async () => {
    expect(await post(await rie('checks_arn'))).toMatchObject({ status: 200, text: '"My lambda ran succesfully"' });
  });

  it('test_lambda_function_arn_exists_with_defining_custom_name', async () => {
    const answer = await post(await rie('checks_arn', { AWS_LAMBDA_FUNCTION_NAME: 'MyCoolName' }));
    expect(answer).toMatchObject({ status: 200, text: '"My lambda ran succesfully"' });
  });

  it('test_timeout_invoke: the plain-text body, with a real handler sleeping past its 1 s', async () => {
    const answer = await post(await rie('sleeps', { AWS_LAMBDA_FUNCTION_TIMEOUT: '1' }));
    expect(answer.status).toBe(200);
    expect(answer.text).toBe('Task timed out after 1.00 seconds');
    expect(answer.headers.get('content-type')).toBe('text/plain; charset=utf-8');
  });

  it('test_exception_returned', async () => {
    const answer = await post(await rie('raises'));
    expect(answer.status).toBe(200);
    const result = answer.json<{ errorMessage: string; errorType: string; stackTrace: string[] }>();
    expect(result.errorMessage).toBe('Raising an exception');
    expect(result.errorType).toBe('Exception');
    // AWS's suite has /var/task/main.py here: its image copies the code there.
    expect(result.stackTrace).toEqual([`  File "${TASK}/main.py", line 13, in raises\n    raise Exception("Raising an exception")\n`]);
  });

  it.each([
    ['test_context_get_remaining_time_in_three_seconds', { AWS_LAMBDA_FUNCTION_TIMEOUT: '3' }, 2000],
    ['test_context_get_remaining_time_in_ten_seconds', { AWS_LAMBDA_FUNCTION_TIMEOUT: '10' }, 9000],
    ['test_context_get_remaining_time_in_default_deadline', {}, 299_000],
  ] as const)('%s', async (_name, env, target) => {
    const answer = await post(await rie('remaining_after_one_second', env));
    expect(answer.status).toBe(200);
    // The suite's own window: within a second of the timeout less the handler's one-second sleep.
    const remaining = Number(answer.text);
    expect(remaining).toBeGreaterThan(target - 1000);
    expect(remaining).toBeLessThan(target + 1000);
  });

  it('test_function_name_is_overriden', async () => {
    const answer = await post(await rie('checks_name_overridden', { AWS_LAMBDA_FUNCTION_NAME: 'MyCoolName' }));
    expect(answer).toMatchObject({ status: 200, text: '"My lambda ran succesfully"' });
  });

  it('test_port_override: --runtime-interface-emulator-address after the handler', async () => {
    const port = await freePort();
    let ready: RunningRie | undefined;
    let stop: (signal: string) => void = () => undefined;
    const args = [PYTHON, '-u', `${PYTHON_RIC_DIR}/bootstrap.py`, 'main.succeeds', '--runtime-interface-emulator-address', `127.0.0.1:${port}`];
    const finished = rieCommand(['--runtime-api-address', '127.0.0.1:0', ...args], {
      env: hostEnv(),
      cwd: TASK,
      stdout: () => undefined,
      stderr: () => undefined,
      untilStop: () => new Promise((resolve) => (stop = resolve)),
      onReady: (r) => (ready = r),
    });
    try {
      await eventually(() => ready !== undefined);
      const answer = await invoke(`http://127.0.0.1:${port}/2015-03-31/functions/function/invocations`, {});
      expect(answer).toMatchObject({ status: 200, text: '"My lambda ran succesfully"' });
    } finally {
      stop('SIGTERM');
      expect(await finished).toBe(0);
    }
  });

  it('test_custom_client_context', async () => {
    const clientContext = Buffer.from(JSON.stringify({ custom: { foo: 'bar', baz: 123 } })).toString('base64');
    const answer = await post(await rie('client_context_custom'), { 'X-Amz-Client-Context': clientContext });
    expect(answer.status).toBe(200);
    expect(answer.json()).toEqual({ foo: 'bar', baz: 123 });
  });
});
