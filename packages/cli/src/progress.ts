import { formatBytes } from './table.js';

export interface ProgressOptions {
  /** "items" prints "3/10 img · 1.2 img/s"; "bytes" prints "12.0 MiB/56.2 MiB · 8.1 MiB/s". */
  kind?: 'items' | 'bytes';
  unit?: string;
  stream?: NodeJS.WriteStream;
  quiet?: boolean;
}

/**
 * A progress line on stderr: a bar redrawn in place on a TTY (done, rate, ETA); otherwise one
 * plain line per 10% so logs stay readable. Silent when `quiet`.
 */
export class Progress {
  private lastDecile = -1;
  private lastText = '';
  private printed = '';
  private done = 0;
  private readonly start = performance.now();
  private readonly o: Required<Omit<ProgressOptions, 'stream'>> & { stream: NodeJS.WriteStream };

  constructor(
    private readonly label: string,
    private total: number | undefined,
    options: ProgressOptions = {},
  ) {
    this.o = { kind: 'items', unit: '', quiet: false, stream: process.stderr, ...options };
  }

  update(done: number, total = this.total): void {
    this.total = total;
    this.done = done;
    if (this.o.quiet) return;
    const elapsed = (performance.now() - this.start) / 1000;
    const rate = elapsed > 0 ? done / elapsed : 0;
    const frac = total ? Math.min(1, done / total) : 0;
    const eta = total && rate > 0 ? (total - done) / rate : undefined;
    const fmt = (n: number) => (this.o.kind === 'bytes' ? formatBytes(n) : `${n}${this.o.unit}`);
    const text =
      `${this.label} ${total ? `${Math.floor(frac * 100)}% ` : ''}${fmt(done)}${total ? `/${fmt(total)}` : ''}` +
      ` · ${this.o.kind === 'bytes' ? formatBytes(rate) : rate.toFixed(2) + this.o.unit}/s` +
      (eta !== undefined ? ` · ETA ${formatDuration(eta)}` : '');
    this.lastText = text;
    if (this.o.stream.isTTY) {
      const bar = '█'.repeat(Math.round(frac * 24)).padEnd(24, '░');
      this.o.stream.write(`\r\x1b[2K${bar} ${text}`);
      if (total && done >= total) this.o.stream.write('\n');
      return;
    }
    const decile = Math.floor(frac * 10);
    if (decile > this.lastDecile) {
      this.lastDecile = decile;
      this.printed = text;
      this.o.stream.write(`${text}\n`);
    }
  }

  /**
   * Ends the progress output with the true final state (after Ctrl-C too: "37% 3/8", never a
   * full bar): on a terminal, ends the bar's line; otherwise prints the last state if not yet printed.
   */
  end(): void {
    if (this.o.quiet || !this.lastText) return;
    if (this.o.stream.isTTY) {
      if (!(this.total && this.done >= this.total)) this.o.stream.write('\n');
    } else if (this.printed !== this.lastText) {
      this.o.stream.write(`${this.lastText}\n`);
      this.printed = this.lastText;
    }
  }
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  if (seconds < 60) return `${Math.ceil(seconds)}s`;
  const m = Math.floor(seconds / 60);
  return m < 60
    ? `${m}m${String(Math.round(seconds % 60)).padStart(2, '0')}s`
    : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
