/**
 * `lamina rie` running Lamina's Python runtime interface client as the bootstrap command, the way
 * one runs AWS's (`aws-lambda-rie python3 -m awslambdaric app.handler`): the last word is the
 * handler, the function's log is printed as AWS's RIE prints it, an init error answers as Lambda's.
 */
import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { PYTHON_RIC_DIR } from '../../src/platform/paths.js';
import { HANDLERS, PYTHON } from '../runtime-interface/python/python-ric.js';
import { hostEnv, invoke, start, type StartedRie } from './helpers.js';

const running: StartedRie[] = [];
async function python(handler: string, env: Record<string, string> = {}): Promise<StartedRie> {
  const started = await start({ bootstrap: [PYTHON, '-u', `${PYTHON_RIC_DIR}/bootstrap.py`, handler], cwd: HANDLERS, env: hostEnv(env) });
  running.push(started);
  return started;
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((started) => started.rie.stop()));
});

describe.skipIf(!existsSync(PYTHON))('lamina rie with the Python client', () => {
  it('answers with the Python handler, warm the second time, its logging in the log', async () => {
    const { rie, output } = await python('echo.logs');
    const first = await invoke(rie.invokeUrl, 'e');
    expect(first).toMatchObject({ status: 200, text: '"ok"' });
    const log = output.join('');
    expect(log).toMatch(/^printed e$/m);
    expect(log).toMatch(/^\[INFO\]\t\S+Z\t[0-9a-f-]{36}\tinfo line$/m);
    expect(log).toMatch(/^REPORT RequestId: .*Init Duration: /m);
    const second = await invoke(rie.invokeUrl, 'f');
    expect(second.text).toBe('"ok"');
    expect(output.join('').match(/Init Duration/g)).toHaveLength(1);
  });

  it('answers an init error with Lambda\'s error object, JSON logs with AWS_LAMBDA_LOG_FORMAT', async () => {
    const { rie, output } = await python('import_bad.handler', { AWS_LAMBDA_LOG_FORMAT: 'JSON' });
    const answer = await invoke(rie.invokeUrl, {});
    expect(answer.json()).toMatchObject({ errorType: 'Runtime.ImportModuleError', errorMessage: "Unable to import module 'import_bad': No module named 'lamina_no_such_module'" });
    expect(output.join('')).toMatch(/^\{"timestamp": "[^"]+", "level": "ERROR", "errorMessage": "Unable to import module/m);
  });
});
