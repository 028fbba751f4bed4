/**
 * `lamina rie` runs the executables of /opt/extensions (here `optDir`, a directory of the test) the
 * way AWS's aws-lambda-rie does, and the way the platform runs a layer's (docs/extensions.md): each
 * starts before the runtime, registers, gets INVOKE, and SHUTDOWN when the emulator stops. A name
 * that is not a file there is an internal extension: SHUTDOWN is refused to it.
 */
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BOOTSTRAP, invoke, start, type StartedRie } from './helpers.js';

/** Registers for INVOKE and SHUTDOWN, tries a name of no file, logs every event; curl only. */
const SH_EXTENSION = `#!/bin/sh
name=\${0##*/}
api="http://$AWS_LAMBDA_RUNTIME_API/2020-01-01/extension"
headers=$(mktemp)
other=$(curl -s -X POST -H "Lambda-Extension-Name: not-a-file" -d '{"events":["SHUTDOWN"]}' "$api/register")
echo "[$name] internal SHUTDOWN: $other"
curl -s -D "$headers" -o /dev/null -X POST -H "Lambda-Extension-Name: $name" -d '{"events":["INVOKE","SHUTDOWN"]}' "$api/register"
id=$(grep -i '^lambda-extension-identifier:' "$headers" | cut -d' ' -f2 | tr -d '\\r')
echo "[$name] registered $id"
while true; do
  event=$(curl -s -H "Lambda-Extension-Identifier: $id" "$api/event/next")
  echo "[$name] got $event"
  case "$event" in *SHUTDOWN*) exit 0;; esac
done
`;

function optWithExtension(): string {
  const opt = mkdtempSync(join(tmpdir(), 'lamina-rie-opt-'));
  mkdirSync(join(opt, 'extensions'));
  writeFileSync(join(opt, 'extensions', 'sh-probe'), SH_EXTENSION, { mode: 0o755 });
  chmodSync(join(opt, 'extensions', 'sh-probe'), 0o755);
  // Not executable: neither Lambda nor the emulator can start it.
  writeFileSync(join(opt, 'extensions', 'notes.txt'), 'not an extension');
  return opt;
}

const running: StartedRie[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((started) => started.rie.stop()));
});

describe('lamina rie: external extensions of /opt/extensions', () => {
  it('starts them before the runtime, sends INVOKE with the request id, and SHUTDOWN at stop', async () => {
    // The runtime ignores SIGTERM (inherited through exec): the environment lives on while the
    // extension handles SHUTDOWN (a runtime that exits at once takes the environment with it).
    const opt = optWithExtension();
    writeFileSync(join(opt, 'bootstrap'), `#!/bin/sh\ntrap '' TERM\nexec ${BOOTSTRAP}\n`, { mode: 0o755 });
    const started = await start({ optDir: opt, bootstrap: [join(opt, 'bootstrap')] });
    running.push(started);
    const { rie, output, messages } = started;
    expect(messages.join('')).toContain('external extensions in');
    expect(messages.join('')).toContain('sh-probe');
    expect(messages.join('')).not.toContain('notes.txt');
    const answer = await invoke(rie.invokeUrl, { hello: 'extensions' });
    expect(answer.status).toBe(200);
    const requestId = answer.headers.get('x-amzn-requestid');
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    const log = (): string => output.join('');
    // Registered before the runtime's first `next` (init waits for it): its line precedes START.
    expect(log()).toMatch(/\[sh-probe\] registered [0-9a-f-]{36}[\s\S]*START RequestId/);
    expect(log()).toContain('[sh-probe] internal SHUTDOWN: {"errorMessage"');
    expect(log()).toContain('Extension.InvalidEventType');
    await expect.poll(log, { timeout: 5000 }).toContain(`"eventType":"INVOKE"`);
    expect(log()).toContain(`"requestId":"${requestId}"`);
    expect(log()).toMatch(/^EXTENSION\tName: sh-probe\tState: Ready\tEvents: \[INVOKE,\s?SHUTDOWN\]/m);
    await rie.stop();
    expect(log()).toMatch(/\[sh-probe\] got \{"eventType":"SHUTDOWN","shutdownReason":"spindown"/);
  });

  it('an extension that exits during init fails the invoke with Extension.Crash', async () => {
    const opt = mkdtempSync(join(tmpdir(), 'lamina-rie-opt-'));
    mkdirSync(join(opt, 'extensions'));
    writeFileSync(join(opt, 'extensions', 'quitter'), '#!/bin/sh\nexit 2\n', { mode: 0o755 });
    const started = await start({ optDir: opt });
    running.push(started);
    const answer = await invoke(started.rie.invokeUrl, {});
    expect(answer.headers.get('x-amz-function-error')).toBe('Unhandled');
    expect(answer.text).toContain('Extension.Crash');
    expect(answer.text).toContain('Extension quitter exited: exit status 2');
  });
});
