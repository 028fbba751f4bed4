/** The `lamina rie` command itself: help, exit statuses, signals. */
import { describe, expect, it } from 'vitest';
import { rieCommand } from '../../src/cli/rie-command.js';
import { main } from '../../src/cli/main.js';
import { ConfigError } from '../../src/errors.js';
import type { RunningRie } from '../../src/rie/rie.js';
import { BOOTSTRAP, eventually, freePort, hostEnv, invoke } from './helpers.js';

function capture(): { lines: string[]; write: (text: string) => void } {
  const lines: string[] = [];
  return { lines, write: (text) => lines.push(text) };
}

describe('lamina rie (command)', () => {
  it('prints its usage for --help', async () => {
    const out = capture();
    expect(await rieCommand(['--help'], { stdout: out.write })).toBe(0);
    const usage = out.lines.join('');
    expect(usage).toContain('--runtime-interface-emulator-address');
    expect(usage).toContain('/2015-03-31/functions/function/invocations');
    expect(usage).toContain('0.0.0.0');
  });

  it('refuses bad options (exit status 2 through main)', async () => {
    await expect(rieCommand(['--max-concurrency', 'many'])).rejects.toThrow(ConfigError);
    const original = process.stderr.write.bind(process.stderr);
    const seen: string[] = [];
    process.stderr.write = ((chunk: string) => {
      seen.push(String(chunk));
      return true;
    }) as typeof process.stderr.write;
    try {
      expect(await main(['rie', '--bogus'])).toBe(2);
    } finally {
      process.stderr.write = original;
    }
    expect(seen.join('')).toContain("unknown option '--bogus'");
  });

  it('exits with status 1 and says why when no bootstrap can be found', async () => {
    const err = capture();
    const status = await rieCommand(['--runtime-interface-emulator-address', '127.0.0.1:0'], {
      env: hostEnv(),
      stderr: err.write,
      untilStop: () => new Promise(() => undefined),
    });
    expect(status).toBe(1);
    expect(err.lines.join('')).toMatch(/no bootstrap given and none of \/var\/task\/bootstrap, \/opt\/bootstrap, \/var\/runtime\/bootstrap/);
  });

  it('serves until SIGTERM, then stops its bootstrap copies and exits 0', async () => {
    const out = capture();
    const err = capture();
    const runtimePort = await freePort();
    let ready: RunningRie | undefined;
    const finished = rieCommand(
      ['--runtime-interface-emulator-address', '127.0.0.1:0', '--runtime-api-address', `127.0.0.1:${runtimePort}`, '--log-level', 'debug', '--', BOOTSTRAP],
      { env: hostEnv({ AWS_LAMBDA_FUNCTION_NAME: 'cli-fn' }), stdout: out.write, stderr: err.write, onReady: (rie) => (ready = rie) },
    );
    await eventually(() => ready !== undefined);
    const rie = ready as RunningRie;
    const answer = await invoke(rie.invokeUrl, { via: 'cli' });
    expect(answer.status).toBe(200);
    const { pid, runtimeApi } = answer.json<{ pid: number; runtimeApi: string }>();
    expect(runtimeApi).toBe(`127.0.0.1:${runtimePort}`);
    process.kill(process.pid, 'SIGTERM');
    expect(await finished).toBe(0);
    expect(() => process.kill(pid, 0)).toThrow();
    const messages = err.lines.join('');
    expect(messages).toContain(`exec '${BOOTSTRAP}'`);
    expect(messages).toMatch(/\[DEBUG\] \(lamina rie\) invoke: RequestResponse function/);
    expect(messages).toContain('SIGTERM received');
    expect(out.lines.join('')).toMatch(/^START RequestId: /m);
    // The listener is gone.
    await expect(fetch(rie.invokeUrl, { method: 'POST', body: '{}' })).rejects.toThrow();
  });

  it('keeps quiet below --log-level', async () => {
    const err = capture();
    let ready: RunningRie | undefined;
    let stop: (signal: string) => void = () => undefined;
    const finished = rieCommand(['--runtime-interface-emulator-address', '127.0.0.1:0', '--runtime-api-address', '127.0.0.1:0', '--log-level', 'error', BOOTSTRAP], {
      env: hostEnv(),
      stderr: err.write,
      stdout: () => undefined,
      untilStop: () => new Promise((resolve) => (stop = resolve)),
      onReady: (rie) => (ready = rie),
    });
    await eventually(() => ready !== undefined);
    stop('SIGINT');
    expect(await finished).toBe(0);
    expect(err.lines).toEqual([]);
  });
});
