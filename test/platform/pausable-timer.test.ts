/**
 * The environment's timer a debugger pauses (docs/debugging.md), on vitest's fake clock: nothing
 * fires while paused, a resume fires after what was left, disarm and re-arm while paused.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PausableTimer } from '../../src/platform/pausable-timer.js';

beforeEach(() => void vi.useFakeTimers());
afterEach(() => void vi.useRealTimers());

describe('PausableTimer', () => {
  it('fires after its time (on the check phase after it), once', () => {
    const timer = new PausableTimer();
    const fired = vi.fn();
    timer.arm(1000, fired);
    vi.advanceTimersByTime(999);
    expect(fired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    vi.runAllTicks();
    vi.advanceTimersByTime(1); // setImmediate
    expect(fired).toHaveBeenCalledTimes(1);
  });

  it('does not fire while paused, and fires after the time left once resumed', () => {
    const timer = new PausableTimer();
    const fired = vi.fn();
    timer.arm(1000, fired);
    vi.advanceTimersByTime(400);
    timer.pause();
    timer.pause(); // twice is once: the time left is still 600
    expect(timer.paused).toBe(true);
    vi.advanceTimersByTime(60_000);
    expect(fired).not.toHaveBeenCalled();
    expect(timer.resume()).toBe(600);
    vi.advanceTimersByTime(599);
    expect(fired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(2);
    expect(fired).toHaveBeenCalledTimes(1);
  });

  it('armed while paused, it starts counting at the resume; disarmed while paused, nothing comes back', () => {
    const timer = new PausableTimer();
    const first = vi.fn();
    const second = vi.fn();
    timer.pause();
    timer.arm(500, first);
    vi.advanceTimersByTime(10_000);
    expect(first).not.toHaveBeenCalled();
    expect(timer.resume()).toBe(500);
    vi.advanceTimersByTime(501);
    expect(first).toHaveBeenCalledTimes(1);
    timer.arm(500, second);
    timer.pause();
    timer.disarm();
    expect(timer.resume()).toBeUndefined();
    vi.advanceTimersByTime(10_000);
    expect(second).not.toHaveBeenCalled();
  });

  it('a re-arm replaces the action: the old one never fires', () => {
    const timer = new PausableTimer();
    const old = vi.fn();
    const replacement = vi.fn();
    timer.arm(100, old);
    timer.arm(300, replacement);
    vi.advanceTimersByTime(1000);
    expect(old).not.toHaveBeenCalled();
    expect(replacement).toHaveBeenCalledTimes(1);
  });

  it('an arm after a disarm reuses the Node timer (hot path: one per invocation), and still fires on time', () => {
    const timer = new PausableTimer();
    const setTimer = vi.spyOn(globalThis, 'setTimeout');
    const answered = vi.fn();
    for (let i = 0; i < 100; i += 1) {
      timer.arm(1000, answered);
      vi.advanceTimersByTime(5);
      timer.disarm();
    }
    expect(setTimer).toHaveBeenCalledTimes(1);
    const late = vi.fn();
    timer.arm(1000, late);
    vi.advanceTimersByTime(999);
    expect(late).not.toHaveBeenCalled();
    vi.advanceTimersByTime(2);
    expect(late).toHaveBeenCalledTimes(1);
    expect(answered).not.toHaveBeenCalled();
    setTimer.mockRestore();
  });
});
