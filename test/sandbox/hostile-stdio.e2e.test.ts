/**
 * Hostile functions against their stdout and stderr, which are Unix socket pairs from the spawner
 * (docs/isolation.md, "Starting environments"), behind a real `lamina serve`: descriptors sent with
 * SCM_RIGHTS, an out-of-band byte, shutdown(2) either way, closed stdio, a flood at full speed, a
 * look at what a runtime inherits, and deaths by signals Node has no name for. The platform and
 * its spawner must receive none of the descriptors, keep logging the text, answer every invocation,
 * keep other environments' lines, and say the signal that killed a runtime. Root with the native
 * launcher only (the function is Python, test/fixtures/hostile/stdio/bootstrap).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, closeSync, cpSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES } from '../helpers/function-config.js';
import { hostileSkipReason } from '../helpers/hostile.js';
import { LAMINA_BIN } from '../helpers/serve-process.js';

const skip = hostileSkipReason();
const MARK = `hostile-stdio-${randomUUID()}`;
const INHERITED_FD = 300;
const ATTACKERS = ['Fds', 'Sender', 'ShutRd', 'ShutWr', 'ShutRdwr', 'Closer', 'Flooder', 'Signaller'];

const TEMPLATE = `AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: provided.al2023
    Handler: function.handler
    Timeout: 20
    MemorySize: 256
Resources:
${ATTACKERS.map((name) => `  ${name}:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: stdio/
      Environment:
        Variables:
          HOSTILE_MARK: ${MARK}
`).join('')}  Victim:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: victim/
`;

/** What `pid` holds open: descriptor number to what it links to. */
function openFds(pid: number): Map<string, string> {
  const fds = new Map<string, string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      fds.set(fd, readlinkSync(`/proc/${pid}/fd/${fd}`));
    } catch {
      // closed meanwhile
    }
  }
  return fds;
}

/** The child of `parent` whose command line has `argument`. */
function childWith(parent: number, argument: string): number | undefined {
  for (const name of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'latin1');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parent && readFileSync(`/proc/${name}/cmdline`, 'latin1').split('\0').includes(argument)) return Number(name);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

interface Answer {
  readonly text: string;
  readonly error: string | null;
}

describe.skipIf(skip !== undefined)('hostile functions: stdout and stderr are sockets', () => {
  let dir: string;
  let serve: ChildProcess;
  let url = '';
  /** Everything `lamina serve` printed but the flood's lines, which are only counted. */
  let output = '';
  const partial = { stdout: '', stderr: '' };
  let flooded = 0;
  /**
   * A file `lamina serve` inherits without close-on-exec, as from whatever started it, at a number
   * above Node's own (Node marks its inherited descriptors close-on-exec from 0 up to the first gap
   * after 15, uv_disable_stdio_inheritance).
   */
  let inherited: string;

  const invoke = async (name: string, body: unknown): Promise<Answer> => {
    const response = await fetch(`${url}/2015-03-31/functions/${name}/invocations`, { method: 'POST', body: JSON.stringify(body) });
    return { text: await response.text(), error: response.headers.get('x-amz-function-error') };
  };
  const attack = async <T>(name: string, body: Record<string, unknown>): Promise<T> => {
    const answer = await invoke(name, body);
    expect(answer.error, answer.text).toBeNull();
    return JSON.parse(answer.text) as T;
  };
  /** The victim answers, and its line reaches the log. */
  const victimAnswers = async (echo: string): Promise<void> => {
    const answer = await invoke('Victim', { echo, log: `victim-line ${echo}` });
    expect(answer.text).toBe(JSON.stringify(echo));
    await expect.poll(() => output, { timeout: 5000 }).toContain(`victim-line ${echo}`);
  };
  const reports = (name: string): number => output.split('\n').filter((line) => line.startsWith(`[${name}] REPORT `)).length;
  const spawnerPid = (): number => childWith(serve.pid ?? -1, '--spawner') ?? -1;

  beforeAll(async () => {
    // World-readable: the function runs as Lambda's user.
    dir = mkdtempSync('/var/tmp/lamina-hostile-stdio-');
    cpSync(join(FIXTURES, 'hostile', 'stdio'), join(dir, 'stdio'), { recursive: true });
    mkdirSync(join(dir, 'victim'));
    cpSync(join(FIXTURES, 'runtimes', 'echo', 'bootstrap'), join(dir, 'victim', 'bootstrap'));
    for (const path of ['', 'stdio', 'stdio/bootstrap', 'victim', 'victim/bootstrap']) chmodSync(join(dir, path), 0o755);
    chmodSync(join(dir, 'stdio', 'runtime.py'), 0o644);
    writeFileSync(join(dir, 'template.yaml'), TEMPLATE);
    inherited = join(dir, `inherited-${MARK}`);
    const fd = openSync(inherited, 'w');
    serve = spawn(process.execPath, [LAMINA_BIN, 'serve', '--template', 'template.yaml', '--state-dir', join(dir, 'state'), '--port', '0'], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp' },
      stdio: ['ignore', 'pipe', 'pipe', ...Array.from({ length: INHERITED_FD - 3 }, () => 'ignore' as const), fd],
    });
    closeSync(fd);
    const take = (stream: 'stdout' | 'stderr') => (chunk: Buffer): void => {
      const lines = (partial[stream] + chunk.toString()).split('\n');
      partial[stream] = lines.pop() ?? '';
      for (const line of lines) {
        if (line.includes('hostile-flood')) flooded += 1;
        else output += `${line}\n`;
      }
    };
    serve.stdout?.on('data', take('stdout'));
    serve.stderr?.on('data', take('stderr'));
    const deadline = Date.now() + 60_000;
    while (url === '') {
      if (serve.exitCode !== null || Date.now() > deadline) throw new Error(`lamina serve did not get ready:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
      url = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1] ?? '';
    }
  }, 90_000);
  afterAll(async () => {
    if (serve.exitCode === null) {
      const exited = new Promise((resolve) => serve.once('exit', resolve));
      serve.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives a runtime its stdio alone: no descriptor of the platform or of what started it, no ignored signal', async () => {
    expect(openFds(serve.pid ?? -1).get(String(INHERITED_FD))).toBe(inherited); // the platform holds it ...
    const seen = await attack<{ fds: Record<string, string>; inheritedSigIgn: string }>('Fds', { attack: 'fds' });
    // ... the runtime only 0 (/dev/null: its environment came on stdin), 1 and 2 (socket pairs),
    // with default dispositions, as Node's spawn gives (the spawner itself ignores SIGPIPE).
    expect(seen).toEqual({
      fds: { 0: '/dev/null', 1: expect.stringMatching(/^socket:/), 2: expect.stringMatching(/^socket:/) },
      inheritedSigIgn: '0000000000000000',
    });
  });

  it('drops the descriptors a function sends over stdout and stderr with SCM_RIGHTS, and logs its text', async () => {
    // Warm, with its standby: the counts below then see only what the attack leaves.
    await attack('Sender', { attack: 'sendfds', rounds: 1, tag: 'warm' });
    await victimAnswers('before-scm');
    const spawner = spawnerPid();
    const platformBefore = openFds(serve.pid ?? -1).size;
    const spawnerBefore = openFds(spawner).size;
    const sent = await attack<{ sent: Record<string, number>; oob1: string; oob2: string }>('Sender', { attack: 'sendfds', rounds: 100, tag: 'attack' });
    expect(sent).toMatchObject({ sent: { 1: 25_000, 2: 25_000 } });
    // Every line, in order, each stream's after its out-of-band byte too (some may come after the answer).
    const lines = (fd: number): string[] => output.split('\n').filter((line) => line.startsWith(`[Sender] hostile-scm-`) && line.includes(` attack fd${fd}`));
    for (const fd of [1, 2]) {
      const expected = [...Array.from({ length: 100 }, (_, round) => `[Sender] hostile-scm-text ${MARK} attack fd${fd} ${round}`), `[Sender] hostile-scm-after-oob ${MARK} attack fd${fd}`];
      await expect.poll(() => lines(fd), { timeout: 10_000 }).toEqual(expected);
    }
    await victimAnswers('after-scm');
    const platformAfter = openFds(serve.pid ?? -1);
    const spawnerAfter = openFds(spawner);
    console.log(`[hostile] SCM_RIGHTS: 50,000 descriptors sent (oob ${sent.oob1}); platform ${platformBefore} -> ${platformAfter.size} open, spawner ${spawnerBefore} -> ${spawnerAfter.size}`);
    for (const link of [...platformAfter.values(), ...spawnerAfter.values()]) expect(link).not.toContain('hostile-scm');
    // One message's descriptors received would be 250 more; a few come and go meanwhile (the
    // caller's connections, standbys made for other functions, their channels in the spawner).
    expect(spawnerAfter.size).toBeLessThan(spawnerBefore + 50);
    expect(platformAfter.size).toBeLessThan(platformBefore + 50);
  });

  it.each([['ShutRd', 'rd'], ['ShutWr', 'wr'], ['ShutRdwr', 'rdwr'], ['Closer', undefined]])('answers %s, which shuts or closes its stdout and stderr, and loses no other line', async (name, how) => {
    const first = await attack<Record<string, unknown>>(name, how === undefined ? { attack: 'close' } : { attack: 'shutdown', how });
    expect(first).toEqual(how === undefined ? { closed: true } : { shut: how });
    // The same environment answers again (no second init), and its platform lines still come.
    expect(await attack<{ fds: Record<string, string> }>(name, { attack: 'fds' })).toHaveProperty('fds');
    expect(output.match(new RegExp(`\\[${name}\\] INIT_START`, 'g'))?.length).toBe(1);
    await expect.poll(() => reports(name), { timeout: 5000 }).toBe(2);
    await victimAnswers(`after-${name}`);
  });

  it('keeps answering another function while one floods stdout and stderr at full speed', async () => {
    const flood = invoke('Flooder', { attack: 'flood', seconds: 4 });
    await expect.poll(() => flooded, { timeout: 10_000 }).toBeGreaterThan(1000);
    const during = flooded;
    for (let i = 0; i < 5; i++) await victimAnswers(`during-flood-${i}`);
    const answer = await flood;
    expect(answer.error, answer.text).toBeNull();
    const written = (JSON.parse(answer.text) as { written: number }).written;
    console.log(`[hostile] flood: ${Math.round(written / 1e6)} MB written in 4 s, ${flooded} lines logged (${during} when the victim was first called)`);
    expect(flooded).toBeGreaterThan(during); // the victim answered while the flood went on
    await victimAnswers('after-flood');
  });

  it.each([[37, 'signal 37'], [11, 'segmentation fault']])('says a runtime killed by signal %i died of it (%s)', async (signal, words) => {
    const answer = await invoke('Signaller', { attack: 'signal', signal });
    expect(answer.error).toBe('Unhandled');
    expect(JSON.parse(answer.text)).toMatchObject({ errorType: 'Runtime.ExitError', errorMessage: expect.stringMatching(new RegExp(`Error: Runtime exited with error: signal: ${words}$`)) });
    await victimAnswers(`after-signal-${signal}`);
  });
});
