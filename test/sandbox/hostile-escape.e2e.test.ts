/**
 * Hostile functions (issue 10, docs/isolation.md): an escaper that tries every way out of its
 * environment, and a function that signals another function's runtime. Each attack must fail, and
 * the platform and a victim function must keep working. Root with the native launcher only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { EventStore } from '../../src/async/event-store.js';
import { Platform } from '../../src/platform/platform.js';
import {
  alive, attackerCode, attackerFunction, expectVictimAnswers, hostileSkipReason, hostPidsWithEnvironment, invokeRequest, LIMITS, report, VICTIM_SECRET, victimFunction,
} from '../helpers/hostile.js';

const skip = hostileSkipReason();

type Escape = Record<string, unknown> & { pids: number[]; status: Record<string, string>; interfaces: string[]; syscalls: Record<string, string> };

describe.skipIf(skip !== undefined)('hostile functions: escape and signals', () => {
  let platform: Platform;
  let code: ReturnType<typeof attackerCode>;
  // A durable event queue where lamina serve keeps it (under the user's cache), for the escaper to reach for.
  const stateDir = join(homedir(), '.cache', 'lamina', 'state', `hostile-test-${process.pid}`);
  const queueFile = join(stateDir, 'events.db');
  beforeAll(() => {
    code = attackerCode();
    mkdirSync(stateDir, { recursive: true });
    platform = new Platform({ functions: [victimFunction(), attackerFunction('escaper', code.dir)], shutdownGraceMs: 100, limits: LIMITS, events: { store: EventStore.open(queueFile) } });
  });
  afterAll(async () => {
    await platform.stop();
    code.remove();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('keeps an escaper inside: no host files, no other environment, no privilege, no way to the platform', async () => {
    await expectVictimAnswers(platform, 1, 1); // the victim is warm while the escaper runs
    await platform.accept(invokeRequest('victim', { pending: VICTIM_SECRET }, { invocationType: 'Event' }));
    const queueBefore = readFileSync(queueFile);
    const out = report<Escape>(await platform.invoke(invokeRequest('escaper', { attack: 'escape', victimSecret: VICTIM_SECRET, queueFile })));
    console.log('[hostile] escaper report:', JSON.stringify(out));
    expect(out).toMatchObject({ uid: 993, gid: 990, idU: '993', pid: 2 });
    expect(out.status).toEqual({
      CapInh: '0000000000000000', CapPrm: '0000000000000000', CapEff: '0000000000000000', CapBnd: '0000000000000000', CapAmb: '0000000000000000',
      NoNewPrivs: '1', Seccomp: '2',
    });
    // Only its own processes: the namespace's init, the runtime, and the checks it forked.
    expect(out.pids).toContain(1);
    expect(out.pids.length).toBeLessThan(8);
    // Its own loopback, and its link to the host when it has no VpcConfig (docs/isolation.md).
    expect([...out.interfaces].sort()).toEqual(LIMITS.outbound?.available === true ? ['eth0', 'lo'] : ['lo']);
    expect(out).toMatchObject({
      readShadow: 'EACCES',
      listWork: 'ENOENT',
      listCheckout: 'ENOENT',
      readEventQueue: 'ENOENT',
      writeEventQueue: 'ENOENT',
      listVictimCode: 'ENOENT',
      readVictimEnviron: 'not found',
      readInitRoot: 'EACCES',
      writeTask: 'EROFS',
      writeVictimCode: 'ENOENT',
      writeDist: 'ENOENT',
      listSys: 'ENOENT',
      joinCgroup: 'ENOENT',
      killPlatform: 'ESRCH',
      killInit: 'EPERM',
    });
    expect(out.writeEtc).toMatch(/^(EROFS|EACCES)$/);
    for (const key of ['remountTask', 'umountTmp', 'mountCgroup', 'unshareUser', 'unshareRoot', 'nsenterInit', 'chroot']) {
      expect(out[key], key).toMatch(/^(exit [1-9]\d*|ENOENT)/);
    }
    // The kernel's answer to each call an escape needs: the seccomp filter's EPERM (or ENOSYS for
    // clone3), or the missing capability's EPERM.
    const calls = out.syscalls;
    expect(Object.keys(calls)).toHaveLength(26);
    for (const [call, result] of Object.entries(calls)) expect(result, call).toBe(call === 'openInitMountNs' ? 'EACCES' : 'EPERM');
    expect(['ok', 'ESRCH']).toContain(out.killAll); // it may kill its own children only
    expect(alive(process.pid)).toBe(true);
    expect(readFileSync(queueFile).subarray(0, 16).toString('latin1')).toBe(queueBefore.subarray(0, 16).toString('latin1'));
    await expectVictimAnswers(platform, 5, 1);
    // The escaper's own environment survived its kill -9 -1 too.
    const again = report<Escape>(await platform.invoke(invokeRequest('escaper', { attack: 'escape', victimSecret: VICTIM_SECRET })));
    expect(again.pid).toBe(2);
  });

  it('cannot signal another function\'s runtime: its pids name nothing in the attacker\'s namespace', async () => {
    await expectVictimAnswers(platform, 1, 1);
    const victims = hostPidsWithEnvironment(VICTIM_SECRET).filter((pid) => pid !== process.pid);
    expect(victims.length).toBeGreaterThan(0);
    const out = report<Record<string, string>>(await platform.invoke(invokeRequest('escaper', { attack: 'signal', pids: victims })));
    expect(Object.keys(out)).toHaveLength(victims.length * 3);
    for (const [attempt, result] of Object.entries(out)) expect(result, attempt).toBe('ESRCH');
    for (const pid of victims) expect(alive(pid)).toBe(true);
    const [after] = await expectVictimAnswers(platform, 3, 1);
    expect(after?.logs()).not.toContain('Init Duration'); // the same warm environment answered
    expect(hostPidsWithEnvironment(VICTIM_SECRET)).toEqual(expect.arrayContaining(victims));
  });
});
