/**
 * Runs Lamina's Python runtime interface client (runtime-interface/python/) on the machine's
 * python3.11 against the fake Runtime API of the Node client's tests.
 */
import { spawn } from 'node:child_process';
import { FakeRuntimeApi, repoRoot, useRuntimeCleanup, type RecordedPost, type RicProcess } from '../harness.js';

export const PYTHON = '/usr/bin/python3.11';
export const BOOTSTRAP = `${repoRoot}runtime-interface/python/bootstrap.py`;
export const HANDLERS = `${repoRoot}test/fixtures/python-handlers`;
/** Lambda's log timestamps: `2026-11-29T10:00:00.123Z`. */
export const ISO = '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z';

/** Call at the top of a test file: stops what `start` spawned after each test. */
export function pythonRic() {
  const track = useRuntimeCleanup();

  async function start(handler: string, env: Record<string, string> = {}): Promise<{ api: FakeRuntimeApi; ric: RicProcess }> {
    const api = await FakeRuntimeApi.start();
    const child = spawn(PYTHON, ['-u', BOOTSTRAP], {
      cwd: HANDLERS,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: '/usr/bin:/bin',
        AWS_LAMBDA_RUNTIME_API: api.address,
        _HANDLER: handler,
        LAMBDA_TASK_ROOT: HANDLERS,
        AWS_LAMBDA_FUNCTION_NAME: 'py-test',
        AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
        AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/py-test',
        AWS_LAMBDA_LOG_STREAM_NAME: '2026/11/29/[$LATEST]0123',
        PYTHONDONTWRITEBYTECODE: '1',
        ...env,
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
    const ric: RicProcess = { child, stdout: () => stdout, stderr: () => stderr, exited };
    track({ api, ric });
    return { api, ric };
  }

  /** Everything the client wrote, once it is stopped (a post can arrive before its output is read). */
  async function logOf(ric: RicProcess): Promise<string> {
    if (ric.child.exitCode === null && ric.child.signalCode === null) ric.child.kill('SIGKILL');
    await ric.exited;
    return ric.stdout();
  }

  async function invoke(handler: string, body = '{}', env: Record<string, string> = {}): Promise<{ api: FakeRuntimeApi; ric: RicProcess; post: RecordedPost }> {
    const started = await start(handler, env);
    started.api.enqueue({ requestId: 'req-1', body });
    return { ...started, post: await started.api.nextPost() };
  }

  return { start, logOf, invoke };
}
