/**
 * A hostile function that prints 1 GiB to stdout without a newline, through the real server and
 * runtime processes (`lamina serve`'s platform and `lamina rie`): the platform stays up, another
 * function still answers, the log gets lines cut at the log event size (docs/logs.md), and the
 * platform's memory grows by a bounded amount, not by the gigabyte.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_LOG_LINE_BYTES } from '../../src/sandbox/output-lines.js';
import { bootstrapFunction } from '../helpers/function-config.js';
import { startLamina, type RunningLamina } from '../helpers/lamina-server.js';
import { FIXTURES } from '../helpers/function-config.js';
import { hostEnv, start as startRie, type StartedRie } from '../rie/helpers.js';

const GIB = 1024 * 1024 * 1024;
/** Printed before measuring, so that the log path's code and heap are warm (no newline either: it joins the big line). */
const WARM_UP = 8 * 1024 * 1024;
/** How much the platform process may grow while a function prints 1 GiB (the old splitter kept all of it). */
const RSS_BOUND = 64 * 1024 * 1024;
const X = 'x'.charCodeAt(0);
const PRINTER = `${FIXTURES}/runtimes/printer/bootstrap`;

/** A log sink that counts the printed 'x' lines instead of keeping them (1 GiB must not live in the test either). */
class LogCounter {
  xBytes = 0;
  fullLines = 0;
  xLines = 0;
  longest = 0;
  /** The other lines (START, END, REPORT, the victim's), which are short. */
  readonly others: string[] = [];

  readonly write = (text: string): void => {
    // Positions only: slicing or matching each 256 KB line would make the test's own garbage the measure.
    const start = text.startsWith('[') ? text.indexOf('] ') + 2 : 0;
    const end = text.endsWith('\n') ? text.length - 1 : text.length;
    const length = end - start;
    if (length > 0 && text.charCodeAt(start) === X && text.charCodeAt(end - 1) === X) {
      this.xBytes += length;
      this.xLines += 1;
      if (length === MAX_LOG_LINE_BYTES) this.fullLines += 1;
      this.longest = Math.max(this.longest, length);
    } else {
      this.others.push(text.slice(start, Math.min(end, start + 200)));
    }
  };
}

/** Peak and current RSS growth over a baseline, sampled while `work` runs. */
async function rssGrowth<T>(work: () => Promise<T>): Promise<{ result: T; peak: number; after: number }> {
  const before = process.memoryUsage().rss;
  let peak = before;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 10);
  try {
    const result = await work();
    const after = process.memoryUsage().rss;
    return { result, peak: Math.max(peak, after) - before, after: after - before };
  } finally {
    clearInterval(timer);
  }
}

async function post(url: string, event: unknown): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { method: 'POST', body: JSON.stringify(event) });
  return { status: res.status, text: await res.text() };
}

async function until(check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('the printer printed no line');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function expectSplitLog(counter: LogCounter, total: number): void {
  // Every byte arrives, in lines of the limit, the last partial one flushed when the runtime exited.
  expect(counter.xBytes).toBe(total);
  expect(counter.fullLines).toBe(Math.floor(total / MAX_LOG_LINE_BYTES));
  expect(counter.xLines).toBe(Math.ceil(total / MAX_LOG_LINE_BYTES));
  expect(counter.longest).toBe(MAX_LOG_LINE_BYTES);
}

let lamina: RunningLamina | undefined;
let rie: StartedRie | undefined;
afterEach(async () => {
  await lamina?.stop();
  await rie?.rie.stop();
  lamina = undefined;
  rie = undefined;
});

describe('a function printing 1 GiB without a newline', () => {
  it('lamina serve: stays up, the victim answers, the log is cut at the event size, memory stays bounded', async () => {
    const counter = new LogCounter();
    lamina = await startLamina(
      [bootstrapFunction('printer', { timeout: 60 }, 'printer'), bootstrapFunction('victim')],
      { logOutput: counter.write },
    );
    const url = (name: string): string => `${lamina?.url}/2015-03-31/functions/${name}/invocations`;
    // Both environments started (cold starts and the first requests are not what is measured).
    expect(await post(url('victim'), { echo: 'warm' })).toEqual({ status: 200, text: '"warm"' });
    expect(await post(url('printer'), { print: WARM_UP })).toEqual({ status: 200, text: '"printed"' });

    const { result, peak, after } = await rssGrowth(async () => {
      const printing = post(url('printer'), { print: GIB });
      await until(() => counter.xBytes > WARM_UP);
      const victim = await post(url('victim'), { echo: 'alive' });
      return { victim, printer: await printing };
    });
    expect(result.victim).toEqual({ status: 200, text: '"alive"' });
    expect(result.printer).toEqual({ status: 200, text: '"printed"' });
    expect(peak, `peak RSS growth ${(peak / 1048576).toFixed(1)} MB`).toBeLessThan(RSS_BOUND);
    expect(after).toBeLessThan(RSS_BOUND);
    // The printer's environment still works after it.
    expect(await post(url('printer'), {})).toEqual({ status: 200, text: '"ok"' });
    await lamina.stop();
    expectSplitLog(counter, WARM_UP + GIB);
    expect(counter.others.filter((line) => line.startsWith('REPORT RequestId:'))).toHaveLength(5);
  });

  it('lamina rie: stays up, another invoke answers, the log is cut at the event size, memory stays bounded', async () => {
    const counter = new LogCounter();
    rie = await startRie({
      bootstrap: [PRINTER],
      env: hostEnv({ AWS_LAMBDA_FUNCTION_TIMEOUT: '60' }),
      functionOutput: counter.write,
    });
    const invokeUrl = rie.rie.invokeUrl;
    expect(await post(invokeUrl, { print: WARM_UP })).toEqual({ status: 200, text: '"printed"' });

    const { result, peak, after } = await rssGrowth(async () => {
      const printing = post(invokeUrl, { print: GIB });
      await until(() => counter.xBytes > WARM_UP);
      // The printer's copy is busy: this one starts a second copy of the bootstrap.
      const other = await post(invokeUrl, {});
      return { other, printer: await printing };
    });
    expect(result.other).toEqual({ status: 200, text: '"ok"' });
    expect(result.printer).toEqual({ status: 200, text: '"printed"' });
    expect(peak, `peak RSS growth ${(peak / 1048576).toFixed(1)} MB`).toBeLessThan(RSS_BOUND);
    expect(after).toBeLessThan(RSS_BOUND);
    await rie.rie.stop();
    expectSplitLog(counter, WARM_UP + GIB);
  });
});
