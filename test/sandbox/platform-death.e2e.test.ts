/**
 * Hostile: a function whose runtime never exits on its own (a handler that never returns, a
 * debugger waiting for a client) must not outlive a `lamina serve` killed outright: the launcher's
 * death signal takes the environment with the platform (src/sandbox/native/lamina-sandbox.c).
 */
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startServe } from '../helpers/serve-process.js';

const MARKER = `LAMINA_DEATH_TEST_${randomUUID().replaceAll('-', '')}`;

/** Processes on this host whose environment holds the marker (root reads every /proc/PID/environ). */
function marked(): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`).includes(MARKER)) found.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

const TEMPLATE = `Resources:
  Sleeper:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      Handler: index.handler
      CodeUri: fn/
      Timeout: 900
      Environment:
        Variables:
          ${MARKER}: "1"
`;

describe.skipIf(process.getuid?.() !== 0)('an environment after its platform is SIGKILLed', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lamina-platform-death-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is gone with the platform, although its handler never returns', async () => {
    chmodSync(dir, 0o755);
    mkdirSync(join(dir, 'fn'), { mode: 0o755 });
    writeFileSync(join(dir, 'template.yaml'), TEMPLATE);
    writeFileSync(join(dir, 'fn', 'index.js'), 'exports.handler = async () => { await new Promise((r) => setTimeout(r, 600000)); };\n', { mode: 0o644 });
    const args = ['--template', 'template.yaml', '--state-dir', join(dir, 'state'), '--port', '0', '--host-node', '--sqs-port', '0', '--events-port', '0', '--s3-port', '0', '--kinesis-port', '0'];
    const { serve, match: base } = await startServe(args, dir, /on (http:\/\/127\.0\.0\.1:\d+)/);
    void fetch(`${base}/2015-03-31/functions/Sleeper/invocations`, { method: 'POST', body: '{}' }).catch(() => undefined);
    await expect.poll(() => serve.output().includes('START RequestId'), { timeout: 30_000 }).toBe(true);
    expect(marked().length).toBeGreaterThan(0);
    serve.child.kill('SIGKILL');
    await expect.poll(() => marked(), { timeout: 5_000 }).toEqual([]);
  });
});
