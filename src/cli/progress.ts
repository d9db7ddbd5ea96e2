// A small terminal progress bar for long CLI work (imports, sync runs). It redraws one line on
// a TTY and prints a line every few seconds otherwise, so CI logs stay readable.

export class ProgressBar {
  readonly #label: string;
  readonly #stream: NodeJS.WriteStream;
  #lastPrint = 0;

  constructor(label: string, stream: NodeJS.WriteStream = process.stderr) {
    this.#label = label;
    this.#stream = stream;
  }

  update(done: number, total: number | undefined, detail = ''): void {
    const now = Date.now();
    const tty = this.#stream.isTTY;
    if (!tty && now - this.#lastPrint < 2000) return;
    this.#lastPrint = now;
    let line: string;
    if (total && total > 0) {
      const ratio = Math.min(1, done / total);
      const width = 30;
      const filled = Math.round(ratio * width);
      line = `${this.#label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(ratio * 100).toFixed(0).padStart(3)}% ${done}/${total} ${detail}`;
    } else {
      line = `${this.#label} ${done} ${detail}`;
    }
    if (tty) this.#stream.write(`\r${line.padEnd(this.#stream.columns ? this.#stream.columns - 1 : 100)}`);
    else this.#stream.write(`${line}\n`);
  }

  finish(message: string): void {
    if (this.#stream.isTTY) this.#stream.write('\r\u001b[2K');
    this.#stream.write(`${message}\n`);
  }
}
