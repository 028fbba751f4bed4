/**
 * `lamina rie` as a real process (bin/lamina.js, the compiled CLI): how it stops on SIGTERM.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { BOOTSTRAP, eventually, freePort, hostEnv, invoke } from '../rie/helpers.js';

const LAMINA = fileURLToPath(new URL('../../bin/lamina.js', import.meta.url));
const COMPILED = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));

interface RieProcess {
  readonly child: ChildProcess;
  readonly url: string;
  readonly stderr: () => string;
  readonly stdout: () => string;
  readonly exited: Promise<number | null>;
}

const started: RieProcess[] = [];
afterEach(() => {
  for (const rie of started.splice(0)) if (rie.child.exitCode === null && rie.child.signalCode === null) rie.child.kill('SIGKILL');
});

async function startRieProcess(): Promise<RieProcess> {
  if (!existsSync(COMPILED)) throw new Error('dist/ is missing: run `npm run build` first (npm test does)');
  const port = await freePort();
  const child = spawn(process.execPath, [LAMINA, 'rie', '--runtime-interface-emulator-address', `127.0.0.1:${port}`, '--runtime-api-address', '127.0.0.1:0', '--', BOOTSTRAP], {
    env: hostEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  let out = '';
  child.stderr?.setEncoding('utf8').on('data', (text: string) => (err += text));
  child.stdout?.setEncoding('utf8').on('data', (text: string) => (out += text));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const rie = { child, url: `http://127.0.0.1:${port}/2015-03-31/functions/function/invocations`, stderr: () => err, stdout: () => out, exited };
  started.push(rie);
  await eventually(() => err.includes('listening on'));
  return rie;
}

describe('lamina rie (process) stopping', () => {
  it('exits after SIGTERM that lands while an Event is assigned to a runtime that has not asked for it yet', async () => {
    const rie = await startRieProcess();
    // The runtime answers, then waits 2 s before its next /next: the Event below is assigned to it
    // but not delivered when SIGTERM arrives. The runtime dies of the SIGTERM, and the platform
    // used to hand the Event to a new environment that nothing ever stopped.
    const warm = await invoke(rie.url, { pauseAfterMs: 2000 });
    expect(warm.status).toBe(200);
    const event = await invoke(rie.url, { log: 'event ran' }, { 'X-Amz-Invocation-Type': 'Event' });
    expect(event.status).toBe(202);
    await new Promise((resolve) => setTimeout(resolve, 100));
    rie.child.kill('SIGTERM');
    const outcome = await Promise.race([rie.exited, new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), 8000))]);
    expect(outcome, `stderr:\n${rie.stderr()}\nstdout:\n${rie.stdout()}`).toBe(0);
    expect(rie.stderr()).toContain('SIGTERM received, stopping the bootstrap copies');
    // Nothing ran after the stop: the Event was not handed to a new runtime.
    expect(rie.stdout()).not.toContain('event ran');
  }, 20_000);

  it('exits after SIGTERM that lands while an Event cold-starts its runtime', async () => {
    const rie = await startRieProcess();
    const event = await invoke(rie.url, { log: 'event ran' }, { 'X-Amz-Invocation-Type': 'Event' });
    expect(event.status).toBe(202);
    rie.child.kill('SIGTERM');
    const outcome = await Promise.race([rie.exited, new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), 8000))]);
    expect(outcome, `stderr:\n${rie.stderr()}`).toBe(0);
  }, 20_000);
});
