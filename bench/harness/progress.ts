/**
 * A live progress bar per scenario on stderr when it is a terminal; one line per tenth of the work
 * otherwise (logs in CI stay short). Never on stdout, which carries the summary.
 */

export interface ProgressSink {
  readonly isTTY: boolean;
  write(text: string): void;
}

/**
 * @example
 * const bar = new Progress('warm', 120); bar.tick('floor round 1'); bar.done();
 */
export class Progress {
  readonly #label: string;
  readonly #total: number;
  readonly #sink: ProgressSink;
  #done = 0;
  #lastTenth = -1;
  readonly #started = Date.now();

  constructor(label: string, total: number, sink: ProgressSink = process.stderr) {
    this.#label = label;
    this.#total = Math.max(1, total);
    this.#sink = sink;
  }

  get completed(): number {
    return this.#done;
  }

  /** One step done; `what` says what is running now. */
  tick(what = '', steps = 1): void {
    this.#done = Math.min(this.#total, this.#done + steps);
    const fraction = this.#done / this.#total;
    if (this.#sink.isTTY) {
      const width = 30;
      const filled = Math.round(fraction * width);
      const bar = `${'#'.repeat(filled)}${'-'.repeat(width - filled)}`;
      this.#sink.write(`\r\x1b[K${this.#label} [${bar}] ${(fraction * 100).toFixed(0).padStart(3)}% ${what}`.slice(0, 160));
      return;
    }
    const tenth = Math.floor(fraction * 10);
    if (tenth !== this.#lastTenth) {
      this.#lastTenth = tenth;
      this.#sink.write(`${this.#label}: ${(fraction * 100).toFixed(0)}% ${what}\n`);
    }
  }

  /** A line that stays above the bar (a skipped peer, a warning). */
  note(text: string): void {
    this.#sink.write(`${this.#sink.isTTY ? '\r\x1b[K' : ''}${this.#label}: ${text}\n`);
  }

  done(): void {
    const seconds = ((Date.now() - this.#started) / 1000).toFixed(1);
    this.#sink.write(`${this.#sink.isTTY ? '\r\x1b[K' : ''}${this.#label}: done in ${seconds} s\n`);
  }
}
