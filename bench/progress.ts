// Progress on stderr: what runs now, how much is left. stdout stays for the final summary.
function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

export class Progress {
  private done = 0;
  private readonly startedMs = Date.now();

  constructor(
    private readonly total: number,
    private remainingSeconds: number,
    private readonly out: NodeJS.WritableStream = process.stderr,
  ) {}

  note(line: string): void {
    this.out.write(`  ${clock((Date.now() - this.startedMs) / 1000)} ${line}\n`);
  }

  /** Before a run: "[12/40] jwt me round 2/3 (3 s) · 1:23 elapsed, ~2:10 left". */
  step(label: string, seconds: number): void {
    this.done++;
    const elapsed = (Date.now() - this.startedMs) / 1000;
    this.out.write(`[${this.done}/${this.total}] ${label} (${seconds} s) · ${clock(elapsed)} elapsed, ~${clock(this.remainingSeconds)} left\n`);
  }

  /** After a run: its planned share of the estimate is spent. */
  spent(seconds: number): void {
    this.remainingSeconds = Math.max(0, this.remainingSeconds - seconds);
  }

  alarm(line: string): void {
    this.out.write(`\n!! ${line}\n\n`);
  }
}
