/**
 * A hostile function against the shutdown phase under full isolation (docs/isolation.md,
 * docs/extensions.md). The launcher outside the namespace tells the platform of the runtime's own
 * exit over Node's IPC channel, which nothing inside holds: a function that prints that message
 * (on stdout, stderr, any inherited descriptor) changes nothing the platform believes, of its own
 * environment or of another's. And a function whose extension ignores SHUTDOWN and SIGTERM, and
 * whose runtime leaves a `setsid` daemon that ignores signals before it crashes, does not keep its
 * namespace past the extensions' budget (2,000 ms). Root with the native launcher only.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customRuntimeFunction } from '../helpers/function-config.js';
import { hostileSkipReason, hostPidsWithArgument, hostPidsWithEnvironment, LIMITS, victimFunction } from '../helpers/hostile.js';
import { startLamina, type RunningLamina } from '../helpers/lamina-server.js';

const skip = hostileSkipReason();

/** What the runtime's exit message of the launcher looks like (src/sandbox/native/network.c), and a handle hand-over. */
const FORGED = ['{"lamina":"runtime-exit","code":0}', '{"lamina":"runtime-exit","signal":9}', '{"cmd":"NODE_HANDLE","type":"net.Server","msg":{"lamina":"runtime-api"}}'];

/** The runtime's daemon: its own session, deaf to the usual signals. */
const DAEMON = 'trap "" TERM HUP INT; while :; do sleep 1; done';

/**
 * A shell runtime: `forge` prints the forged messages everywhere it can and answers which of the
 * descriptors 3 to 9 it could write to; `crash` starts a daemon of its own session that ignores
 * signals, then exits 3.
 */
const BOOTSTRAP = `#!/bin/sh
api="http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/invocation"
while :; do
  headers=$(mktemp)
  body=$(curl -sS -D "$headers" "$api/next")
  id=$(sed -n 's/^[Ll]ambda-[Rr]untime-[Aa]ws-[Rr]equest-[Ii]d: *\\([^\\r]*\\).*/\\1/p' "$headers")
  case "$body" in
    *crash*)
      setsid sh -c '${DAEMON}' </dev/null >/dev/null 2>&1 &
      sleep 0.3
      exit 3 ;;
  esac
  open=""
  for forged in ${FORGED.map((line) => `'${line}'`).join(' ')}; do
    printf '%s\\n' "$forged"
    printf '%s\\n' "$forged" >&2
    for fd in 3 4 5 6 7 8 9; do
      if (eval "printf '%s\\\\n' \\"\\$forged\\" >&$fd") 2>/dev/null; then open="$open $fd"; fi
    done
  done
  curl -sS -X POST -d "{\\"forged\\":true,\\"open\\":\\"$open\\"}" "$api/$id/response" >/dev/null
done
`;

/** An extension that takes SHUTDOWN and never lets go: SIGTERM ignored, a heartbeat every 200 ms. */
const STUBBORN = (node: string): string => `#!${node}
const api = 'http://' + process.env.AWS_LAMBDA_RUNTIME_API + '/2020-01-01/extension';
(async () => {
  const registered = await fetch(api + '/register', { method: 'POST', headers: { 'Lambda-Extension-Name': 'stubborn' }, body: JSON.stringify({ events: ['SHUTDOWN'] }) });
  const id = registered.headers.get('lambda-extension-identifier');
  const event = await (await fetch(api + '/event/next', { headers: { 'Lambda-Extension-Identifier': id } })).json();
  process.on('SIGTERM', () => console.log('[stubborn] ignoring SIGTERM'));
  console.log('[stubborn] got SHUTDOWN ' + event.shutdownReason);
  let beats = 0;
  setInterval(() => console.log('[stubborn] alive ' + ++beats), 200);
})();
`;

describe.skipIf(skip !== undefined)('hostile functions: the shutdown phase', () => {
  const mark = `hostile-shutdown-${randomUUID()}`;
  let dir: string;
  let lamina: RunningLamina;
  const output = (): string => lamina.output.join('');
  const invoke = async (name: string, body: unknown): Promise<{ text: string; error: string | null }> => {
    const response = await fetch(`${lamina.url}/2015-03-31/functions/${name}/invocations`, { method: 'POST', body: JSON.stringify(body) });
    return { text: await response.text(), error: response.headers.get('x-amz-function-error') };
  };

  beforeAll(async () => {
    // World-readable: the function runs as Lambda's user.
    dir = mkdtempSync('/var/tmp/lamina-hostile-shutdown-');
    mkdirSync(join(dir, 'code'));
    mkdirSync(join(dir, 'layer', 'extensions'), { recursive: true });
    writeFileSync(join(dir, 'code', 'bootstrap'), BOOTSTRAP);
    writeFileSync(join(dir, 'layer', 'extensions', 'stubborn'), STUBBORN(process.execPath));
    for (const path of ['', 'code', 'code/bootstrap', 'layer', 'layer/extensions', 'layer/extensions/stubborn']) chmodSync(join(dir, path), 0o755);
    const forger = customRuntimeFunction('forger', join(dir, 'code'), { layers: [join(dir, 'layer')], timeout: 20, memorySize: 512, environment: { HOSTILE_MARK: mark } });
    lamina = await startLamina([forger, victimFunction()], { limits: LIMITS, idleTimeoutMs: 60_000 });
  });
  afterAll(async () => {
    await lamina.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('cannot make the platform believe that a runtime exited by printing the launcher\'s message', async () => {
    expect(JSON.parse((await invoke('victim', { echo: 'before' })).text)).toBe('before');
    const forged = await invoke('forger', { forge: true });
    expect(forged.error, forged.text).toBeNull();
    // No descriptor beyond stdio reaches the runtime: the platform's channel stays outside.
    expect(JSON.parse(forged.text)).toEqual({ forged: true, open: '' });
    expect(output()).toContain(FORGED[0]); // printed, and only logged
    // Its own environment lives on: warm, no shutdown, no second init.
    const again = await invoke('forger', { forge: true });
    expect(again.error, again.text).toBeNull();
    expect(lamina.platform.pool('forger')?.size).toBe(1);
    expect(output().match(/\[forger\] INIT_START/g)?.length).toBe(1);
    expect(output()).not.toContain('[stubborn] got SHUTDOWN');
    // Nor another's.
    expect(JSON.parse((await invoke('victim', { echo: 'after' })).text)).toBe('after');
    expect(lamina.platform.pool('victim')?.size).toBe(1);
  });

  it('cannot keep its namespace past the budget with an extension that ignores SHUTDOWN and a setsid daemon', async () => {
    const crashed = await invoke('forger', { crash: true });
    expect(crashed.error).toBe('Unhandled');
    expect(crashed.text).toContain('Runtime.ExitError');
    const crashedAt = Date.now();
    // The extension outlives the runtime (SHUTDOWN failure, its heartbeat goes on) ...
    await expect.poll(output, { timeout: 5000 }).toContain('[stubborn] got SHUTDOWN failure');
    await expect.poll(output, { timeout: 5000 }).toContain('[stubborn] alive 2');
    const daemon = hostPidsWithArgument(DAEMON).filter((pid) => hostPidsWithEnvironment(mark).includes(pid));
    expect(daemon).toHaveLength(1);
    // ... until the budget is spent: then nothing of the environment is left, daemon included.
    await expect.poll(() => hostPidsWithEnvironment(mark).length, { timeout: 8000 }).toBe(0);
    console.log(`[hostile] the crashed environment's last process ended ${Date.now() - crashedAt} ms after the caller's answer`);
    await expect.poll(() => lamina.platform.pool('forger')?.size ?? 0, { timeout: 5000 }).toBe(0);
    const beats = output().match(/\[stubborn\] alive/g)?.length ?? 0;
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(output().match(/\[stubborn\] alive/g)?.length ?? 0).toBe(beats); // no heartbeat after the end
    expect(JSON.parse((await invoke('victim', { echo: 'still here' })).text)).toBe('still here');
  });
});
