/**
 * A progress line on stderr: redrawn in place on a TTY, otherwise one plain line per 10% so logs
 * stay readable. Silent when `quiet`.
 */
export class Progress {
  private lastDecile = -1;
  private readonly start = performance.now();
  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly unit = '',
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly quiet = false,
  ) {}

  update(done: number, detail = ''): void {
    if (this.quiet || this.total <= 0) return;
    const frac = Math.min(1, done / this.total);
    const elapsed = (performance.now() - this.start) / 1000;
    const rate = elapsed > 0 ? done / elapsed : 0;
    const eta = rate > 0 ? (this.total - done) / rate : Infinity;
    const text = `${this.label} ${Math.round(frac * 100)}% ${done}/${this.total}${this.unit}` +
      ` ${rate.toFixed(2)}${this.unit}/s ETA ${Number.isFinite(eta) ? `${eta.toFixed(0)}s` : '?'}${detail ? ` ${detail}` : ''}`;
    if (this.stream.isTTY) {
      const width = 24;
      const bar = '█'.repeat(Math.round(frac * width)).padEnd(width, '░');
      this.stream.write(`\r\x1b[2K${bar} ${text}`);
      if (done >= this.total) this.stream.write('\n');
      return;
    }
    const decile = Math.floor(frac * 10);
    if (decile > this.lastDecile) {
      this.lastDecile = decile;
      this.stream.write(`${text}\n`);
    }
  }
}
