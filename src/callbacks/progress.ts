/**
 * The progress bar `fit` shows with `verbose: 1` on a terminal, and the one line per epoch of
 * `verbose: 2`. Silent when the output is not a TTY (a log file, CI) with verbose 1, and always
 * with verbose 0. Browser-safe: it only looks for `process.stdout` at run time.
 * @module
 */
import { Callback, type Logs } from './callback';

interface Stream {
  isTTY?: boolean;
  columns?: number;
  write(s: string): unknown;
}

function stdout(): Stream | undefined {
  const p = (globalThis as { process?: { stdout?: Stream } }).process;
  return p?.stdout;
}

function fmt(logs: Logs): string {
  return Object.entries(logs)
    .filter(([k]) => k !== 'batch' && k !== 'size')
    .map(([k, v]) => `${k}: ${Math.abs(v) >= 1e-3 || v === 0 ? v.toFixed(4) : v.toExponential(2)}`)
    .join(' - ');
}

export class ProgressBar extends Callback {
  private out: Stream | undefined;
  private epochStart = 0;
  private lastDraw = 0;
  private epoch = 0;
  private sums: Record<string, number> = {};
  private seen = 0;

  constructor(
    readonly verbose: number,
    stream?: Stream,
  ) {
    super();
    this.out = stream ?? stdout();
  }

  private get bar(): boolean {
    return this.verbose === 1 && this.out?.isTTY === true;
  }

  override onEpochBegin(epoch: number): void {
    this.epoch = epoch;
    this.epochStart = Date.now();
    this.sums = {};
    this.seen = 0;
  }

  override onBatchEnd(batch: number, logs: Logs = {}): void {
    if (!this.bar) return;
    const n = logs.size ?? 1;
    for (const [k, v] of Object.entries(logs)) if (k !== 'batch' && k !== 'size') this.sums[k] = (this.sums[k] ?? 0) + v * n;
    this.seen += n;
    const now = Date.now();
    const steps = this.params?.steps ?? 0;
    if (now - this.lastDraw < 100 && batch + 1 < steps) return;
    this.lastDraw = now;
    const width = 30,
      done = steps ? Math.min(width, Math.round(((batch + 1) / steps) * width)) : 0;
    const avg: Logs = {};
    for (const [k, v] of Object.entries(this.sums)) avg[k] = v / this.seen;
    const eta = steps ? (((now - this.epochStart) / (batch + 1)) * (steps - batch - 1)) / 1000 : 0;
    const line = `Epoch ${this.epoch + 1}/${this.params?.epochs ?? '?'} ${batch + 1}/${steps} [${'='.repeat(done)}${'.'.repeat(width - done)}] ETA ${eta.toFixed(1)}s - ${fmt(avg)}`;
    this.out!.write(`\r${line.slice(0, (this.out!.columns ?? 120) - 1)}\x1b[K`);
  }

  override onEpochEnd(epoch: number, logs: Logs = {}): void {
    if (this.verbose === 0 || !this.out) return;
    if (this.verbose === 1 && !this.bar) return;
    const secs = ((Date.now() - this.epochStart) / 1000).toFixed(1);
    this.out.write(`${this.bar ? '\r\x1b[K' : ''}Epoch ${epoch + 1}/${this.params?.epochs ?? '?'} - ${secs}s - ${fmt(logs)}\n`);
  }
}
