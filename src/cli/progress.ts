/**
 * A progress bar on stderr for long work (verify, produce from a large file, consume to a file),
 * drawn only when stderr is a terminal, at most ten times a second, and erased when done: scripts
 * and logs never see it.
 */

const REDRAW_INTERVAL_MS = 100;
const BAR_WIDTH = 30;

export class ProgressBar {
  private readonly enabled: boolean;
  private lastDrawMs = 0;
  private drawn = false;

  constructor(
    private readonly label: string,
    private total: number,
    private readonly unit: 'bytes' | 'records',
  ) {
    this.enabled = process.stderr.isTTY === true && total > 0;
  }

  update(done: number): void {
    if (!this.enabled) return;
    const nowMs = Date.now();
    if (nowMs - this.lastDrawMs < REDRAW_INTERVAL_MS && done < this.total) return;
    this.lastDrawMs = nowMs;
    const fraction = Math.min(1, done / this.total);
    const filled = Math.round(fraction * BAR_WIDTH);
    const amount = this.unit === 'bytes' ? `${formatBytes(done)} / ${formatBytes(this.total)}` : `${done} / ${this.total}`;
    process.stderr.write(`\r${this.label} [${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}% ${amount}\u001b[K`);
    this.drawn = true;
  }

  /** Erases the bar. */
  finish(): void {
    if (this.drawn) process.stderr.write('\r\u001b[K');
    this.drawn = false;
  }
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}
